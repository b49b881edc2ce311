"""Category 4: issues that need human judgment.

Each detector returns the words that showed the issue, or None. They read normalised text
(lower case, no apostrophes: "didnt"); each pattern group runs only over the clauses that
hold one of its trigger words. Amount thresholds and order ages are applied by the engine,
from the policy.

A charge the visitor does not recognise ("a payment I didn't make") is read as a security
concern: until shown otherwise it is fraud, and the engine ranks security first. The billing
detector also reads the plain "a charge I don't recognise", so the dispute is on record.
"""

from __future__ import annotations

from datetime import date

from escalation.signals.entities import Money, find_dates
from escalation.signals.text import (
    Detector,
    GatedPatterns,
    Text,
    Together,
    first_match,
    word_set,
)

# --- shared fragments -----------------------------------------------------------------------

_PAYMENT = (
    r"(?:payments?|charges?|transactions?|withdrawals?|withdrawl|withdrawn|debits?|"
    r"direct debit|purchases?|transfers?|deductions?|deducted|spending|withdraw|cash|money|"
    r"funds|fees?)"
)
_PAYMENT_WORDS = (
    "payment payments charge charges transaction transactions withdrawal withdrawals "
    "withdrawl withdrawn withdraw debit debits purchase purchases transfer transfers "
    "deduction deductions deducted spending cash money funds fee fees"
)
_SURELY = r"(?:(?:am |im )?(?:pretty |quite |very |100 )?sure (?:that )?)?"
_DISOWN = (
    rf"{_SURELY}(?:i|we) (?:really |definitely |certainly |honestly |actually )?"
    r"(?:did not|didnt|never|do not|dont|have not|havent|had not|hadnt|have never|had never|"
    r"ve never)(?: \w+)? (?:make|made|do|did|done|charge|charged|authori[sz]e|authori[sz]ed|recogni[sz]e|"
    r"approve|approved|recall|remember|buy|bought|withdraw|withdrew|set up|setup|create|"
    r"created|spend|spent|request|requested|sign up for|signed up for|know about|initiate|"
    r"initiated|perform|performed|submit|submitted|complete|completed|take out|took out|use|"
    r"used|go to|went to|deposit|deposited|put|purchase|purchased|order|ordered|pay|paid|"
    r"send|sent|transfer|transferred|agree to|agreed to|been to|been in|visited|visit)"
    r"|(?:i|we) (?:cant|cannot|couldnt|can not) (?:recall|remember|recogni[sz]e|identify)"
    r"|(?:i|we) (?:dont|do not) (?:think|believe|know if) (?:i|we) (?:made|did|authori[sz]ed|"
    r"spent|bought|withdrew)"
    r"|(?:im|i am|we are|were) not (?:familiar with|recogni[sz]ing|aware of)"
    r"|(?:i|we) (?:have |had )?never (?:seen|heard of)"
)
_DISOWN_WORDS = (
    "didnt did dont do not never havent have hadnt had cant cannot couldnt can sure "
    "familiar aware recognizing recognising"
)
_NOT_ME = (
    r"(?:(?:was not|wasnt|were not|werent|is not|isnt|are not|arent|not|never) (?:\w+ )?"
    r"(?:done by me|made by me|by me|me|mine|belong to me|ours)"
    r"|(?:shouldnt|should not) be (?:there|here|on (?:my|the) \w+))"
)
_STRANGE = (
    r"(?:unknown|unrecogni[sz]ed|unfamiliar|strange|unusual|weird|mystery|mysterious|"
    r"unexplained|fraudulent|false|fake|suspicious|random)"
)
_STRANGE_WORDS = (
    "unknown unrecognized unrecognised unfamiliar strange unusual weird mystery mysterious "
    "unexplained fraudulent false fake suspicious random"
)
_TWICE = (
    r"(?:twice|two times|2 times|three times|3 times|multiple times|more than once|"
    r"several times|two separate times|double(?! ?check)|too many times|many times|repeatedly|"
    r"over and over|duplicate times)"
)
_TWICE_WORDS = "twice times double once repeatedly over duplicate"

# --- security -------------------------------------------------------------------------------

SECURITY = Detector.of(
    GatedPatterns.build(
        "hack hacked hacking hacker hackers compromised fraud fraudulent fraudster fraudsters "
        "unauthorized unauthorised stolen stole theft phishing scam scammed scammer scammers "
        "cloned skimmed copied breach suspicious",
        r"\b(?:hack(?:ed|ing|er|ers)?|compromised|fraud\w*|unauthori[sz]ed|stolen|stole|"
        r"identity theft|phishing|scam(?:med|mer|mers)?|cloned|skimmed|(?:data|security) "
        r"breach|suspicious)\b",
        r"\b(?:card|details|number|pin|password|information) (?:\w+ ){0,3}copied\b",
    ),
    GatedPatterns.build(
        "someone somebody stranger strangers person people others",
        r"\b(?:someone|somebody|a stranger|another person)(?: else)?"
        r"(?: \w+){0,4}? (?:using|used|uses|accessed|accessing|logged|log|logging|got into|"
        r"gotten into|broke into|broken into|hacked|withdrew|withdrawn|withdrawing|took|taken|"
        r"taking|stole|stealing|spent|spending|bought|ordered|changed|gained|charged|"
        r"has access|had access|got access|has my|had my|might have my|may have my|"
        r"must have my|knows my|has a copy|made (?:\w+ ){0,3}(?:payments?|purchases?|"
        r"charges?|transactions?|withdrawals?))\b",
        r"\b(?:used|using|accessed|charged|withdrawn|made) by (?:someone|somebody|a stranger|"
        r"another person|people|others|strangers)\b",
        r"\b(?:other )?(?:people|strangers) (?:are |have been |were )?(?:using|used|accessing|"
        r"stealing) (?:my|our)\b",
        r"\b(?:payment|purchase|charge|transaction|withdrawal|debit)s? (?:\w+ ){0,3}by someone "
        r"(?:i|we) (?:dont|do not|didnt) know\b",
    ),
    GatedPatterns.build(
        "without authorized authorised",
        r"\bwithout (?:my|our) (?:permission|knowledge|consent|authori[sz]ation|approval)\b",
        r"\bnot authori[sz]ed by (?:me|us)\b",
    ),
    GatedPatterns.build(
        "used using",
        r"\b(?:card|account|details)\b(?: \w+){0,2}? (?:was|has been|is being|got|been) used\b"
        r"(?: \w+){0,8}? (?:never|not me|didnt|did not|without|by someone|by somebody)\b",
    ),
    GatedPatterns.build(
        "lost missing",
        r"\b(?:lost|missing) (?:\w+ ){0,2}(?:card|wallet|purse|phone)\b(?: \w+){0,8}? "
        r"(?:used|using|charges|charged|withdrawn|withdrawal|purchases|spent)\b",
    ),
    GatedPatterns.build(
        "exposed leaked accessed change",
        r"\b(?:card|account|password|pin|details|information) (?:\w+ ){0,3}(?:exposed|leaked)\b",
        r"\baccount (?:\w+ ){0,2}(?:accessed|taken over|broken into)\b",
        r"\b(?:i|we) (?:didnt|did not|never) change (?:my|the) (?:password|email|phone|pin)\b",
    ),
    GatedPatterns.build(
        "missing gone taken withdrawn deducted unexpected random unknown strange unexplained "
        "extra",
        r"\b(?:i am|im|we are) missing (?:\w+ )?(?:cash|money|funds)\b",
        r"\b(?:money|cash|funds) (?:is |are |was |has been |have been )?(?:missing|gone|taken|"
        r"withdrawn|deducted)(?: out)? (?:from|of|in) (?:my|our) (?:account|card|balance)\b",
        r"\b(?:unexpected|random|unknown|strange|unexplained|extra) (?:money|cash|funds|"
        r"deposits?) (?:in|on|into) (?:my|our) (?:account|app|card)\b",
    ),
    # Payments the visitor disowns: "a payment I didn't make", "charges that aren't mine".
    GatedPatterns.build(
        _PAYMENT_WORDS,
        rf"\b{_PAYMENT}\b(?: \w+){{0,8}}? (?:that |which )?(?:{_DISOWN})",
        rf"\b(?:{_DISOWN})\b(?: \w+){{0,5}}? {_PAYMENT}\b",
        rf"\b{_PAYMENT}\b(?: \w+){{0,8}}? (?:that |which |but |and )?(?:it )?(?:{_NOT_ME})\b",
        rf"\b{_PAYMENT} (?:\w+ ){{0,3}}(?:is|was|are|were) not (?:mine|recogni[sz]ed|"
        r"authori[sz]ed)\b",
        also="didnt never dont not havent hadnt cant cannot couldnt familiar aware recognizing "
        "recognising mine me ours shouldnt",
    ),
    GatedPatterns.build(
        _PAYMENT_WORDS,
        rf"\b{_PAYMENT}\b(?: \w+){{0,5}}? (?:looks|seems|is|appears) (?:\w+ )?(?:suspicious|"
        r"fishy|strange|odd|weird|shady|dodgy)\b",
        rf"\b(?:what|whats) (?:is |was |are |were )?(?:this|these|those) (?:\w+ ){{0,2}}"
        rf"{_PAYMENT}\b",
        rf"\bwhere (?:did|does|do|has|have) (?:this|that|these|the) (?:\w+ ){{0,2}}{_PAYMENT}\b"
        r"(?: \w+){0,3}? (?:come|came) from\b",
        rf"\bwhy (?:is|are) (?:this|these) (?:\w+ ){{0,2}}{_PAYMENT} (?:on|in) (?:my|the)\b",
        rf"\bwhat (?:the|this|that) (?:\w+ ){{0,2}}{_PAYMENT} (?:is|was) (?:in|on|for)\b",
        rf"\b(?:dont|do not|not sure|unsure|no idea) (?:know )?(?:what|where|why) (?:this|that|"
        rf"these) (?:\w+ ){{0,2}}{_PAYMENT}\b",
        also="suspicious fishy strange odd weird shady dodgy what whats why where sure unsure idea",
    ),
    GatedPatterns.build(
        _STRANGE_WORDS,
        rf"\b{_STRANGE}(?: \w+){{0,2}}? {_PAYMENT}\b",
        rf"\b{_STRANGE} (?:\w+ )?(?:activity|activities|logins?|log ins?|sign ins?|access)\b",
        rf"\b(?:to|from|at) (?:an? |some )?{_STRANGE} (?:vendor|merchant|seller|store|company|"
        r"shop)\b",
    ),
    GatedPatterns.build(
        "vendor merchant seller store shop company payee name recognize recognise",
        r"\b(?:vendor|merchant|seller|store|shop|company|payee|name)(?: name)? (?:that )?"
        r"(?:i|we) (?:dont|do not|didnt|did not) (?:recogni[sz]e|know)\b",
        r"\b(?:i|we) (?:dont|do not|didnt|did not) recogni[sz]e (?:it|this|that|them|these|those|"
        r"the name|the merchant|the company|the seller|the vendor|the store|the shop)\b",
    ),
    GatedPatterns.build(
        "app statement show shows showing showed cash money funds",
        r"(?:show\w*|app|statement)\b(?: \w+){0,6}? (?:that )?(?:i|we) (?:did not|didnt|never) "
        r"(?:get|receive)\b",
        r"\b(?:cash|money|funds)(?: that)? (?:i|we) (?:did not|didnt|never) (?:get|receive)\b"
        r"(?: \w+){0,3}? (?:show\w*|appear\w*)",
        r"\b(?:i|we) (?:did not|didnt|never) (?:get|receive) (?:the |any |this |that )?"
        r"(?:cash|money|funds)\b(?: \w+){0,4}? (?:show\w*|appear\w*)",
        also="didnt did never",
    ),
    # The denial is often its own clause: "My app says I made a withdrawal, but I didn't."
    GatedPatterns.build(
        "says said shows showing saying claims states notice message notification alert",
        r"\b(?:says|said|shows|showing|saying|claims|states|notice|message|notification|alert)"
        r"(?: \w+){0,4}? (?:that )?(?:i|we) (?:\w+ ){1,8}(?:\. )?(?:but |however |and )?"
        r"(?:\. )?(?:i|we) (?:really |definitely |actually )?(?:did not|didnt|never|have not|"
        r"havent|dont|do not)\b",
        also="didnt never havent dont not",
        following=2,
    ),
    GatedPatterns.build(
        _PAYMENT_WORDS,
        rf"\b{_PAYMENT}\b(?: \w+){{0,8}}? \. (?:but |and |however )?(?:\. )?"
        rf"(?:it |this |that |its |thats |it is |that is )?(?:{_NOT_ME})\b",
        also="me mine ours shouldnt",
        following=2,
    ),
    GatedPatterns.build(
        _PAYMENT_WORDS,
        rf"\b{_PAYMENT}\b(?: \w+){{0,8}}? \. (?:but |and |however )?(?:\. )?(?:{_DISOWN}) "
        r"(?:that|this|it|them|so)\b",
        also="didnt never havent hadnt dont not",
        following=2,
    ),
    GatedPatterns.build(
        _PAYMENT_WORDS,
        rf"\b{_PAYMENT}\b(?: \w+){{0,8}}? \. (?:but |and |however )?(?:\. )?"
        r"(?:thats|that is|its|it is) (?:a mistake|an error|wrong|not right)\b",
        also="mistake error wrong",
        following=2,
    ),
)

_PAYMENT_SET = word_set(_PAYMENT_WORDS + " fee fees debit")
_NEGATION = word_set("not didnt dont never havent hadnt doesnt wasnt werent no")
# Clause-level co-occurrence, whatever the word order: these generalise beyond the phrasings
# the regexes above spell out.
SECURITY_TOGETHER = (
    Together((_PAYMENT_SET, _NEGATION, word_set(
        "recognise recognize recognised recognized recognising recognizing authorise authorize "
        "authorised authorized initiate initiated consent familiar"
    ))),
)

# --- billing disputes -----------------------------------------------------------------------

_ATTEMPT_WORDS = word_set("tried try trying attempt attempted declined rejected failed")
_MONEY_TAKEN = word_set("charged charge charges billed debited overcharged")

# Charged more than once. Not read in clauses about failed attempts: "I tried to pay several
# times but it was declined" is a declined card, not a duplicate charge.
REPEATED_CHARGE = GatedPatterns.build(
    _TWICE_WORDS + " doubled again",
    r"\b(?:charged|billed|debited|taken|deducted|paid|charging|billing) (?:me |us )?"
    rf"(?:\w+ ){{0,4}}?{_TWICE}\b",
    rf"\b(?:charges?|payments?|transactions?|debits?|purchases?)\b(?: \w+){{0,6}}? "
    rf"(?:{_TWICE}|doubled)\b",
    r"\b(?:showed|showing|shows|show|appears?|appearing|appeared|went through|processed|posted)"
    rf"(?: up)? (?:\w+ )?{_TWICE}\b",
    r"\b(?:same|duplicate|repeat|repeated) (?:\w+ ){0,2}(?:transactions?|charges?|payments?)\b"
    r"(?: \w+){0,6}? (?:twice|again|over and over|more than once|multiple times|several times|"
    r"many times|repeatedly)\b",
)
_ATTEMPT_WORDS = word_set("tried try trying attempt attempted declined rejected failed")
_MONEY_TAKEN = word_set("charged charge charges billed debited overcharged")

BILLING_DISPUTE = Detector.of(
    GatedPatterns.build(
        "double duplicate duplicated overcharged overcharge overcharging overbilled over "
        "dispute disputed disputing disputes chargeback chargebacks back rip ripping ripped "
        "ripoff repeat repeated",
        r"\bdouble ?(?:charged|charge|charges|charging|billed|billing|payment|debit|debited)\b",
        r"\bduplicated? (?:\w+ )?(?:charges?|payments?|transactions?|debits?|billing|bill)\b",
        r"\b(?:payment|charge|transaction|purchase)s? (?:was |were |has been |got )?duplicated\b",
        r"\bover ?(?:charged|charging|charge|billed|billing)\b",
        r"\bdisput(?:e|ed|es|ing)\b|\bcharge ?backs?\b",
        r"\brip(?:ping|ped)? (?:\w+ )?off\b|\bripoff\b",
        r"\b(?:repeat|repeated) (?:charges?|transactions?|payments?)\b",
    ),
    GatedPatterns.build(
        "charged billed debited charge extra additional",
        # "was charged extra", "billed me an additional": but not "will I be charged extra?"
        r"\b(?<!be )(?:charged|billed|debited) (?:me |us )?(?:\w+ )?(?:extra|more|too much|"
        r"way more|the wrong|an extra|a higher|incorrectly|wrongly|a different|additional|"
        r"an additional)\b",
        r"\b(?:an? )?(?:extra|additional) (?:\w+ )?(?:was |were |been )?(?:charged|billed|"
        r"debited)\b",
        r"\bdid (?:you|they)(?: guys)? charge (?:me|us)\b(?: \w+){0,2}? (?:extra|more|twice|too)\b",
        r"\b(?:made to pay|had to pay|paid) (?:an? )?(?:extra|additional)\b",
        r"\bwhy (?:is|are) there (?:an? )?(?:extra|additional|unexpected|unknown) (?:\w+ )?"
        r"(?:charges?|fees?)\b",
        r"\b(?:extra|additional|unexpected|unknown|mystery|hidden|random|strange|unexplained|"
        r"weird) (?:\w+ )?(?:charges?|fees?)\b(?: \w+){0,3}? (?:on|in) (?:my|the|your) "
        r"(?:statement|account|bill|card|invoice|bank|app)\b",
        r"\b(?:statement|account|bill|invoice|app) (?:\w+ ){0,3}(?:shows?|showing|has|have|had|"
        r"contains?|lists?) (?:\w+ ){0,2}(?:extra|additional|unexpected|unknown) (?:\w+ )?"
        r"(?:charges?|fees?)",
    ),
    GatedPatterns.build(
        "charged billed debited paid charge pay",
        r"\b(?:wrongfully|wrongly|incorrectly|mistakenly|erroneously|unfairly) (?:charged|billed|"
        r"debited)\b",
        r"\b(?:charged|pay|paid|billed|charge)\b(?: \w+){0,5}? more than (?:i|we) (?:expected|"
        r"anticipated|should|agreed|was quoted|were quoted)\b",
        r"\b(?:charged|billed|paid) (?:\w+ ){0,3}for (?:\w+ ){0,4}(?:never|didnt|did not|not|"
        r"havent|have not) (?:\w+ )?(?:receive|received|order|ordered|get|got|arrive|arrived)\b",
        r"\b(?:charged|billed) (?:\w+ ){0,3}(?:after|even though|despite) (?:\w+ ){0,3}"
        r"(?:cancell?ed|cancell?ing|returned|unsubscribed)\b",
        r"\b(?:didnt|did not|never|not) (?:get|receive|got)\b(?: \w+){0,3}? (?:but|and) (?:\w+ )?"
        r"(?:still |was |were )?(?:charged|billed|debited)\b",
    ),
    GatedPatterns.build(
        "cancelled canceled returned unsubscribed",
        r"\b(?:cancell?ed|returned|unsubscribed)\b(?: \w+){0,8}? (?:still|but|and|yet) "
        r"(?:\w+ ){0,2}(?:charged|billed|debited|renewed|charging|billing)\b",
    ),
    GatedPatterns.build(
        "fee fees charge charges",
        r"\b(?:fee|charge)s? (?:\w+ ){0,3}(?:added|placed|applied|put) (?:to|on) (?:my|the) "
        r"(?:statement|account|bill|card|invoice)\b",
        r"\bwhy is there (?:an? )?(?:\w+ ){0,2}(?:fee|charge)s? (?:on|in) (?:my|the) "
        r"(?:statement|bill|account|card|invoice)\b",
        r"\bwhat (?:is|was|does) (?:this|that|the \d+(?: \w+)?) (?:\w+ )?(?:fee|charge)s?\b",
    ),
    GatedPatterns.build(
        "wrong incorrect inaccurate incorrectly wrongly",
        r"\b(?:wrong|incorrect|inaccurate) (?:\w+ ){0,2}(?:amount|charges?|price|total|rate|"
        r"fees?|sum|exchange rate|bill)\b",
        r"\b(?:amount|charges?|price|total|rate|fees?|exchange|sum|bill|transaction|withdrawal|"
        r"payment)s?\b(?: \w+){0,8}? (?:is|was|seems|looks|appears|applied|were|are) (?:\w+ )?"
        r"(?:wrong|incorrect|not right|not correct|inaccurate|wrongly|incorrectly|too much|"
        r"too high)\b",
        r"\b(?:something|there) (?:is |was )?(?:\w+ )?wrong with (?:my|the) (?:\w+ ){0,2}"
        r"(?:charges?|rate|exchange|bill|amount|statement|invoice)\b",
        r"\b(?:rate|charge|amount|fee|price)s?\b(?: \w+){0,10}? (?:as|because|since) (?:it|this|"
        r"that) (?:is|was) (?:wrong|incorrect)\b",
    ),
    GatedPatterns.build(
        "much high higher",
        r"\b(?:amount|charges?|price|total|rate|fees?|exchange|sum|bill)s?\b(?: \w+){0,8}? "
        r"(?:is|was|seems|were|are) (?:way |far |much )?(?:too much|too high)\b",
    ),
    GatedPatterns.build(
        "correct right accurate match correspond proper agreed fair",
        r"\b(?:rate|exchange|amount|charges?|price|total|fees?|bill|payment|transaction|cash)\b"
        r"(?: \w+){0,6}? (?:isnt|is not|wasnt|was not|arent|are not|werent|doesnt|does not|dont|"
        r"do not|not)(?: \w+)? (?:correct|right|accurate|match|correspond)\b",
        r"\b(?:wasnt|was not|werent|were not|didnt|did not) (?:get |receive |charged |given )?"
        r"(?:the )?(?:correct|right|proper|agreed) (?:\w+ )?(?:rate|amount|price|exchange rate)\b",
        r"\b(?:dont|do not) think (?:the )?(?:\w+ ){0,8}(?:is|are|was|were) (?:right|correct|"
        r"accurate|fair)\b",
        r"\b(?:wasnt|was not|isnt|is not) (?:the )?(?:right|correct|full) (?:amount|sum)\b",
        r"\b(?:correct|right|full|requested) (?:amount|cash)\b(?: \w+){0,3}? (?:was|were) not "
        r"(?:received|given|dispensed)\b",
        r"\b(?:why|how) (?:is|was|are|were|isnt|wasnt) (?:my|the|this|your) (?:\w+ ){0,3}?"
        r"(?:rate|exchange|amount|charges?|price|total|fees?|bill|withdrawal|transaction)s?\b"
        r"(?: \w+){0,4}? (?:correct|right)\b",
    ),
    GatedPatterns.build(
        "wrong incorrect different off higher high",
        r"\b(?:why|how) (?:is|was|are|were|isnt|wasnt) (?:my|the|this|your) (?:\w+ ){0,3}?"
        r"(?:rate|exchange|amount|charges?|price|total|fees?|bill|withdrawal|transaction)s?\b"
        r"(?: \w+){0,4}? (?:so )?(?:wrong|incorrect|different|off|higher|so high)\b",
    ),
    GatedPatterns.build(
        "different",
        r"\b(?:rate|amount|charge|price|total)\b(?: \w+){0,6}? (?:is|was|are|were|seems) "
        r"(?:\w+ )?different\b",
        r"\b(?:received|got|gave me|charged|noticed|see|saw|there is|theres) a different "
        r"(?:amount|rate|price|exchange rate)\b",
    ),
    GatedPatterns.build(
        "error errors mistake mistakes problem problems issue issues discrepancy",
        r"\b(?:error|mistake|problem|issue|discrepancy)s? (?:with|in|on|regarding|in regards to|"
        r"about) (?:the |my |your |an |a )?(?:\w+ ){0,2}(?:rate|exchange|charges?|amount|bill|"
        r"invoice|statement|fees?|billing|transactions?|withdrawals?)\b",
    ),
    GatedPatterns.build(
        "rate rates question",
        r"\b(?:rate|exchange rate)s?\b(?: \w+){0,5}? (?:is|are|was) (?:\w+ )?(?:bad|terrible|"
        r"awful|atrocious|unfair|ridiculous|outrageous)\b",
        r"\bquestion (?:the |this |that |my |todays |your )?(?:\w+ )?(?:rate|charge|fee|amount|"
        r"bill)s?\b",
    ),
    GatedPatterns.build(
        "atm machine only less short shorted shortchanged changed rest remainder all",
        r"\b(?:atm|cash machine|machine)\b(?: \w+){0,5}? (?:gave|give|dispensed|only|less|short|"
        r"didnt give|did not give)\b",
        r"\b(?:only|got only) (?:got|get|received|given|gave me|gave|go|dispensed)?(?: me)? ?\d+",
        r"\bonly \d+ (?:\w+ )?(?:came out|was dispensed|were dispensed|come out)\b",
        r"\b(?:got|get|received|given) less\b|\bless (?:money|cash) than\b",
        r"\bless than (?:what |the amount )?(?:i|we) (?:asked|requested|wanted|expected|entered|"
        r"selected|withdrew|needed|put in)\b",
        r"\b(?:asked for|requested|wanted|tried to withdraw|withdrew|selected|entered|input|"
        r"needed|went to) (?:\w+ ){0,6}(?:but|and|yet) (?:it |i |the \w+ )?(?:only|all it|"
        r"all the)\b",
        r"\ball (?:it|the \w+)(?: would)? (?:gave|give|gives) me\b",
        r"\bshort ?changed\b|\bshorted (?:me|us)\b|\b(?:cash|withdrawal|money) (?:\w+ )?(?:was|is) "
        r"short\b",
        r"\b(?:rest|remainder) of (?:my|the) (?:cash|money|funds)\b",
    ),
    GatedPatterns.build(
        "get receive got received given distributed dispensed give dispense come",
        r"\b(?:didnt|did not|never|not) (?:i )?(?:able to )?(?:get|receive|got|received) (?:all|"
        r"the full|the right|enough|the correct|the whole|the entire|as much|my full|my entire|"
        r"my whole)\b",
        r"\b(?:received|got|given|gave me) (?:the |an? )?(?:wrong|incorrect|less) (?:amount|cash|"
        r"money)",
        r"\b(?:didnt|did not|not|never) (?:i )?(?:get|receive|given|distributed|dispensed)\b"
        r"(?: \w+){0,5}? (?:amount|cash|money)\b(?: \w+){0,3}? (?:i|that i|we) (?:requested|asked|"
        r"wanted|specified|selected|entered|needed|withdrew|tried|put in)\b",
        r"\bcash (?:i|we) (?:asked for|requested|wanted|withdrew)\b(?: \w+){0,4}? (?:not|hasnt|"
        r"havent|wasnt|isnt|never)\b",
        r"\b(?:didnt|did not|wont|would not|wouldnt) (?:give|dispense) (?:me )?(?:my |the |all |"
        r"enough |any |the full )?(?:\w+ )?(?:cash|money|amount)\b",
        r"\b(?:money|cash|amount)\b(?: \w+){0,8}? (?:did not|didnt|never) come out\b",
        r"\bgot \d+ (?:\w+ )?when (?:i|we) should(?:ve| have) (?:gotten|got|received)\b",
        also="didnt did not never wont would wouldnt got hasnt havent wasnt isnt",
    ),
    GatedPatterns.build(
        "more higher larger bigger",
        r"\b(?:more|higher|larger|bigger) than (?:what |the amount )?(?:i|we) (?:actually )?"
        r"(?:received|got|took out|withdrew|did|spent|ordered|agreed)\b",
    ),
    GatedPatterns.build(
        "missing",
        r"\b(?:cash|money) (?:was |is )?missing (?:at|from) (?:the )?(?:atm|machine)\b",
    ),
    GatedPatterns.build(
        "same two multiple several only 2 3 three",
        r"\b(?:two|multiple|several) of the same (?:\w+ )?(?:transactions?|charges?|payments?|"
        r"items?)\b",
        r"\b(?:two|2|three|3) (?:identical|duplicate|same|separate) (?:charges|payments|"
        r"transactions|debits)\b",
        r"\bonly (?:made|make|have|had|did|bought|ordered) (?:one|1|a single) (?:\w+ )?"
        r"(?:transactions?|charges?|payments?|purchases?|items?|orders?)\b",
    ),
    GatedPatterns.build(
        "charge charges payment payments transaction transactions",
        r"\b(?:charge|payment|transaction)s?\b(?: \w+){0,6}? (?:that |which )?(?:i|we) (?:dont|"
        r"do not|didnt|did not) recogni[sz]e\b",
        r"\b(?:dont|do not|didnt|did not) recogni[sz]e (?:this|the|a|that|these) (?:\w+ )?"
        r"(?:charge|payment|transaction)s?\b",
        also="recognize recognise",
    ),
)
_FEE_QUESTION = word_set("will would if any could can")
BILLING_TOGETHER = (
    # "the exchange rate on my purchase is off", "an error in your exchange rate"
    Together((word_set("rate rates exchange"), word_set(
        "wrong incorrect incorrectly wrongly error mistake different overcharged unfair bad "
        "terrible awful atrocious higher poor"
    )), unless=_FEE_QUESTION),
    # "the ATM gave me less", "my withdrawal was short", "where is the rest of my cash"
    Together((word_set("atm machine cash withdrawal withdraw withdrew withdrawing money"),
              word_set("less short shorted shortchanged partial rest remainder incomplete"))),
    # "an extra pound was charged", "a mystery fee on my statement"
    Together((word_set("extra additional unexpected unexplained mystery hidden random"),
              word_set("fee fees charge charges charged billed pound dollar euro")),
             unless=_FEE_QUESTION | word_set("be")),
    # "multiple charges for one item", "too many charges on my card"
    Together((word_set("charges payments transactions debits"),
              word_set("multiple several many duplicate duplicated repeated same"),
              word_set("one single same item too")), unless=_ATTEMPT_WORDS),
)

# "Refund not received" is a dispute only when the visitor says money was taken.
_REFUND_MISSING = GatedPatterns.build(
    "refund refunds refunded",
    r"\brefund\w*\b(?: \w+){0,4}? (?:not|never|still not|hasnt|has not|havent|have not|didnt|"
    r"did not) (?:\w+ )?(?:received|arrived|come|came|showed|shown|credited|processed|appeared)\b",
)

# --- legal and compliance -------------------------------------------------------------------

LEGAL = Detector.of(
    GatedPatterns.build(
        "lawyer lawyers attorney attorneys solicitor solicitors lawsuit litigation subpoena "
        "tribunal ombudsman claims class cease legal",
        r"\b(?:lawyers?|attorneys?|solicitors?|lawsuit|litigation|subpoena|tribunal|ombudsman|"
        r"small claims|class action|cease and desist|legal (?:action|proceedings|advice|team|"
        r"department|matter|claim))\b",
    ),
    GatedPatterns.build(
        "sue suing court",
        r"\b(?:will|going to|gonna|ll|ill|to|can|could|should|might|shall|i|we|and|or) sue\b",
        r"\bsue (?:you|your|them|the company|this company|u)\b|\bsuing\b",
        r"\b(?:take|taking|see|drag|dragging) (?:you|them|this|it|your company|you guys) "
        r"to court\b",
        r"\bcourt (?:case|order|action|claim|date)\b|\bin court\b",
    ),
    GatedPatterns.build(
        "gdpr ccpa cpra hipaa dsar request right",
        r"\b(?:gdpr|ccpa|cpra|hipaa|dsar)\b",
        r"\b(?:data|information|account data|personal data) (?:deletion|erasure|access|"
        r"portability) request\b|\bsubject access request\b",
        r"\bright to (?:be forgotten|erasure|access)\b",
    ),
    GatedPatterns.build(
        "delete erase remove copy export",
        r"\b(?:delete|erase|remove) (?:all )?(?:of )?(?:my|our) (?:personal )?"
        r"(?:data|information)\b",
        r"\b(?:copy|export) of (?:all )?(?:my|our) (?:personal )?data\b",
    ),
    GatedPatterns.build(
        "report standards protection general bureau illegal unlawful breach violate violates "
        "violated violation violating",
        r"\breport (?:you|this|your company|them|it) to (?:the )?(?:\w+ ){0,2}(?:authorities|"
        r"regulator|police|ftc|fca|cfpb|bbb|trading standards|consumer)",
        r"\b(?:trading standards|consumer protection|attorney general|better business bureau)\b",
        r"\b(?:illegal|unlawful|breach of contract|violat\w+ (?:the |consumer )?(?:law|laws|rights|"
        r"regulations?))\b",
    ),
)

# --- refunds, exceptions, technical, multi-step ---------------------------------------------

REFUND_REQUEST = GatedPatterns.build(
    "refund refunds refunded refunding money reimburse reimbursement reimbursed return "
    "returning send exchange",
    r"\b(?:refund\w*|money back|reimburs\w*)\b",
    r"\b(?:return|returning|send back|exchange) (?:it|this|them|these|the \w+|my \w+)\b",
    r"\bsend (?:it|this|them) back\b",
)
_PURCHASE_WORDS = word_set(
    "order ordered orders purchase purchased bought buy got received delivered arrived "
    "placed paid"
)

POLICY_EXCEPTION = GatedPatterns.build(
    "exception exceptions bend break waive override overlook relax past after outside beyond "
    "missed passed once special expired warranty",
    r"\b(?:make|making) an exception\b",
    r"\bexception (?:to|for) (?:the |your |this )?(?:rule|rules|policy|policies)\b",
    r"\bone time exception\b|\bjust this once\b",
    r"\b(?:bend|break|waive|override|overlook|relax) (?:the |your |this |that )?"
    r"(?:rule|rules|policy|fee|fees|deadline|limit|requirement)\b",
    r"\b(?:past|after|outside|beyond|missed|passed) (?:of )?(?:the |your |my )?(?:\d+ day )?"
    r"(?:return|refund|returns|cancellation|warranty|exchange|grace) (?:window|period|"
    r"deadline|date|policy|limit)\b",
    r"\bspecial (?:case|exception|treatment)\b",
    r"\b(?:out of|expired) warranty\b|\bwarranty (?:has |is )?(?:expired|ended|run out)\b",
)

TECHNICAL = Detector.of(
    GatedPatterns.build(
        "locked blocked shut",
        r"\b(?:locked|blocked|shut) out of (?:my |the |our )?(?:account|profile|dashboard|admin)\b",
    ),
    GatedPatterns.build(
        "suspended deactivated banned terminated",
        r"\b(?:account|profile) (?:\w+ ){0,2}(?:suspended|deactivated|banned|terminated)\b",
    ),
    GatedPatterns.build(
        "error errors bug",
        r"\b(?:internal )?server error\b|\berror (?:code )?\d{3,}\b|\b[45]\d\d error\b",
        r"\b(?:found|there is|theres|is a|a) bug\b",
    ),
    GatedPatterns.build(
        "database backend api server integration webhook sso oauth",
        r"\b(?:database|backend|api|server|integration|webhook|sso|oauth)\b(?: \w+){0,4}? "
        r"(?:error|errors|down|broken|failing|fails|failed|bug)\b",
    ),
    GatedPatterns.build(
        "disappeared vanished missing deleted wiped corrupted",
        r"\b(?:my |our |account |order )?(?:data|history|files) (?:has |have |is |are )?"
        r"(?:disappeared|vanished|gone missing|been deleted|been wiped|corrupted)\b",
    ),
    GatedPatterns.build(
        "merge migrate",
        r"\bmerge (?:my |two |the |our )?accounts?\b",
        r"\bmigrate (?:my |our )?(?:data|account|subscription|license) (?:to|from|between)\b",
    ),
    GatedPatterns.build(
        "2fa mfa authenticator two",
        r"\b(?:reset|disable|remove) (?:my |the )?(?:2fa|two factor|mfa|authenticator)\b",
    ),
)

_STEP_MARKERS = GatedPatterns.build(
    "first step before",
    r"\bfirst\b.{0,160}?\bthen\b.{0,160}?\b(?:then|after that|finally|and then|next)\b",
    r"\bstep (?:1|one)\b.{0,240}?\bstep (?:2|two)\b",
    r"\b(?:first|before that)\b.{0,160}?\b(?:then|after that|next)\b",
    also="then next",
    following=4,
)
_DEPENDENCY = GatedPatterns.build(
    "before until depends depend once so order requires require",
    r"\bbefore (?:i|we) (?:can|could)\b",
    r"\b(?:before|until|once) (?:\w+ ){0,4}(?:is|has been|are|have been|gets|get) (?:done|"
    r"approved|processed|complete|completed|confirmed|verified|finished|sorted)\b",
    r"\bdepends? on (?:whether|if|the|my|it)\b",
    r"\bso (?:that )?(?:i|we) can\b|\bin order to\b|\bwhich requires?\b",
)


def detect_security(text: Text) -> str | None:
    """Hacked accounts, fraud, stolen cards, and payments the visitor disowns."""
    return SECURITY.find(text) or first_match(SECURITY_TOGETHER, text)


def detect_billing_dispute(text: Text) -> str | None:
    """Dispute intent: charged twice, overcharged, wrong amount, unrecognised charge, ..."""
    found = (
        BILLING_DISPUTE.find(text)
        or _repeated_charge(text)
        or first_match(BILLING_TOGETHER, text)
    )
    if found:
        return found
    missing_refund = _REFUND_MISSING.find(text)
    return missing_refund if missing_refund and text.has_any(_MONEY_TAKEN) else None


def _repeated_charge(text: Text) -> str | None:
    if not text.has_any(_ATTEMPT_WORDS):
        return REPEATED_CHARGE.find(text)
    scope = " . ".join(
        " ".join(clause)
        for clause, words in zip(text.clauses, text.clause_words, strict=True)
        if not words.isdisjoint(REPEATED_CHARGE.triggers)
        and (words.isdisjoint(_ATTEMPT_WORDS) or not words.isdisjoint(_MONEY_TAKEN))
    )
    return REPEATED_CHARGE.search(scope)


def disputed_amount(amounts: tuple[Money, ...]) -> Money | None:
    """The largest amount mentioned: "$20 of the $100 I asked for" disputes up to $100."""
    return max(amounts, key=lambda money: money.amount) if amounts else None


def detect_legal(text: Text) -> str | None:
    return LEGAL.find(text)


def detect_refund_request(text: Text) -> str | None:
    return REFUND_REQUEST.find(text)


def order_age_days(text: Text, today: date, order_date: date | None = None) -> int | None:
    """Days since the order: the caller's known order date, else the earliest date in a
    message that talks about buying ("ordered 4 months ago", "bought it on 3 May")."""
    if order_date is not None:
        return (today - order_date).days
    if not text.has_any(_PURCHASE_WORDS):
        return None
    dates = find_dates(text, today)
    return max((today - day).days for day in dates) if dates else None


def detect_policy_exception(text: Text) -> str | None:
    return POLICY_EXCEPTION.find(text)


def detect_technical(text: Text) -> str | None:
    return TECHNICAL.find(text)


def detect_multi_step(text: Text) -> str | None:
    """Several ordered steps that depend on each other ("first..., then..., before I can")."""
    steps = _STEP_MARKERS.find(text)
    if steps and _DEPENDENCY.find(text):
        return steps
    return None
