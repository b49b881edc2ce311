"""Billing disputes: charged twice, overcharged, wrong amount, a charge not recognised, ...

Read in three layers: named disputes ("double charged", "overcharged", "dispute this
charge"), then the general shapes of a complaint about money (cash short of what was asked,
taken more than once, the wrong rate, a charge made in error or nobody can explain, more
than it should be, still charged after cancelling), then word co-occurrence in a clause.
A visitor's own slip ("I transferred the wrong amount") is not a dispute.

The engine applies the policy's amount threshold to what this finds (see
engine._read_billing_dispute); `disputed_amount` picks the sum in dispute: the shortfall or
the overcharge when two sums are set against each other, else the largest.
"""

from __future__ import annotations

from escalation.signals.entities import Money
from escalation.signals.patterns import Detector, GatedPatterns, Together, first_match
from escalation.signals.payment_phrases import TWICE, TWICE_WORDS
from escalation.signals.text import Text, word_set

_ATTEMPT_WORDS = word_set("tried try trying attempt attempted declined rejected failed")
_MONEY_TAKEN = word_set("charged charge charges billed debited overcharged")

# Charged more than once. Not read in clauses about failed attempts: "I tried to pay several
# times but it was declined" is a declined card, not a duplicate charge.
REPEATED_CHARGE = GatedPatterns.build(
    TWICE_WORDS + " doubled again",
    r"\b(?:charged|billed|debited|taken|deducted|paid|charging|billing) (?:me |us )?"
    rf"(?:\w+ ){{0,4}}?{TWICE}\b",
    rf"\b(?:charges?|payments?|transactions?|debits?|purchases?)\b(?: \w+){{0,6}}? "
    rf"(?:{TWICE}|doubled)\b",
    r"\b(?:showed|showing|shows|show|appears?|appearing|appeared|went through|processed|posted|"
    r"seeing|see|saw|listed|recorded)"
    rf"(?: up)? (?:\w+ )?{TWICE}\b",
    r"\b(?:same|duplicate|repeat|repeated) (?:\w+ ){0,2}(?:transactions?|charges?|payments?)\b"
    r"(?: \w+){0,6}? (?:twice|again|over and over|more than once|multiple times|several times|"
    r"many times|repeatedly)\b",
)
BILLING_DISPUTE = Detector.of(
    GatedPatterns.build(
        "double duplicate duplicated overcharged overcharge overcharging overbilled dispute "
        "disputed disputing disputes chargeback chargebacks rip ripping ripped ripoff repeat "
        "repeated",
        r"\bdouble ?(?:charged|charge|charges|charging|billed|billing|payment|debit|debited)\b",
        r"\bduplicated? (?:\w+ )?(?:charges?|payments?|transactions?|debits?|billing|bill)\b",
        r"\b(?:payment|charge|transaction|purchase)s? (?:was |were |has been |got |is being |are "
        r"being |keeps? (?:being |getting )?|gets )?duplicated\b",
        r"\bover(?:charged|charging|charge|billed|billing)\b",
        r"\bdisput(?:e|ed|es|ing)\b|\bchargebacks?\b",
        r"\brip(?:ping|ped)? (?:\w+ )?off\b|\bripoff\b",
        r"\b(?:repeat|repeated) (?:charges?|transactions?|payments?)\b",
    ),
    # The same, written as two words: gated on "over" and "back" only with a charge word.
    GatedPatterns.build(
        "over back backs",
        r"\bover (?:charged|charging|charge|billed|billing)\b",
        r"\bcharge backs?\b",
        also="charged charging charge billed billing",
    ),
    # Gated on the rarer word of each phrasing ("extra", "than", "after", "never"), with the
    # charge word as `also`: in a message about charges, "charged" is in most clauses, and
    # these patterns would otherwise be tried across all of them.
    GatedPatterns.build(
        "extra additional more much wrong higher incorrectly wrongly different twice too "
        "unexpected unknown mystery hidden random strange unexplained weird",
        # "was charged extra", "billed me an additional": but not "will I be charged extra?"
        r"\b(?<!be )(?:charged|billed|debited) (?:me |us )?(?:\w+ )?(?:extra|more|too much|"
        r"way more|the wrong|an extra|a higher|incorrectly|wrongly|a different|additional|"
        r"an additional|wrong)\b",
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
        also="charged billed debited charge charges fee fees paid pay",
    ),
    GatedPatterns.build(
        "wrongfully wrongly incorrectly mistakenly erroneously unfairly",
        r"\b(?:wrongfully|wrongly|incorrectly|mistakenly|erroneously|unfairly) (?:charged|billed|"
        r"debited)\b",
    ),
    GatedPatterns.build(
        "than",
        r"\b(?:charged|pay|paid|billed|charge)\b(?: \w+){0,5}? more than (?:i|we) (?:expected|"
        r"anticipated|should|agreed|was quoted|were quoted)\b",
        also="charged pay paid billed charge",
    ),
    GatedPatterns.build(
        "never didnt not havent",
        r"\b(?<!be )(?:charged|billed|paid) (?:\w+ ){0,3}for (?:\w+ ){0,4}(?:never|didnt|did not|"
        r"not|havent|have not) (?:\w+ )?(?:receive|received|order|ordered|get|got|arrive|"
        r"arrived)\b",
        r"\b(?:didnt|did not|never|not) (?:get|receive|got)\b(?: \w+){0,3}? (?:but|and) (?:\w+ )?"
        r"(?:still |was |were )?(?:charged|billed|debited)\b",
        also="charged billed paid debited",
    ),
    GatedPatterns.build(
        "after though despite although",
        r"\b(?:charged|billed|charging|billing|debited|debiting) (?:\w+ ){0,3}(?:after|even though|"
        r"despite|although) (?:\w+ ){0,3}(?:cancell?ed|cancell?ing|returned|unsubscribed)\b",
        also="charged billed charging billing debited debiting",
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
        r"\b(?:rate|exchange|amount|charges?|price|total|fees?|bill|payment|transaction|cash|"
        r"conversion)\b"
        r"(?: \w+){0,8}? (?:isnt|is not|wasnt|was not|arent|are not|werent|doesnt|does not|dont|"
        r"do not|not)(?: \w+)? (?:correct|right|accurate|match|correspond)\b",
        r"\b(?:wasnt|was not|werent|were not|didnt|did not) (?:get |receive |charged |given )?"
        r"(?:the )?(?:correct|right|proper|agreed) (?:\w+ )?(?:rate|amount|price|exchange rate)\b",
        r"\b(?:dont|do not) think (?:the )?(?:\w+ ){0,8}(?:is|are|was|were) (?:right|correct|"
        r"accurate|fair)\b",
        r"\b(?:wasnt|was not|isnt|is not) (?:the )?(?:right|correct|full) (?:amount|sum)\b",
        r"\b(?:correct|right|full|requested) (?:amount|cash)\b(?: \w+){0,3}? (?:was|were) not "
        r"(?:received|given|dispensed|sent|paid|provided)\b",
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
        r"\b(?:amount|rate|price) (?:that )?(?:i|we) (?:received|got|paid|was charged) "
        r"(?:is |was |are )?different\b",
    ),
    GatedPatterns.build(
        "error errors mistake mistakes problem problems issue issues discrepancy",
        r"\b(?:error|mistake|problem|issue|discrepancy)s? (?:with|in|on|regarding|in regards to|"
        r"about) (?:the |my |your |an |a )?(?:\w+ ){0,2}(?:rate|exchange|charges?|amount|bill|"
        r"invoice|statement|fees?|billing|transactions?|withdrawals?|cash)\b",
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
        # "the ATM only gave me 20", "the machine gave me less": not "the ATM gave my card back"
        r"\b(?:atm|cash machine|machine|cashpoint|cash point)\b(?: \w+){0,5}? (?:only|less|short|"
        r"(?:gave|give|dispensed)(?: me)? (?:only|less|\d+|the wrong|an? (?:wrong|incorrect|"
        r"different|smaller)|half|part|some of|too little|not enough|more|extra|too much)|"
        r"(?:didnt|did not|doesnt|does not|wont|wouldnt|would not) (?:give|dispense) (?:me |out )?"
        r"(?:all|the full|the right|the correct|enough|everything|the whole|my full|as much))\b",
        r"\b(?:didnt|did not|doesnt|does not|wont|wouldnt|would not) (?:the )?(?:atm|cash machine|"
        r"machine|cashpoint) (?:give|dispense) (?:me |out )?(?:all|the full|the right|the correct|"
        r"enough|everything|the whole|my full|as much)\b",
        r"\b(?:only|got only) (?:got|get|received|given|gave me|gave|go|dispensed|have|had|"
        r"counted|came out with)?(?: me)? ?\d+",
        r"\bonly \d+ (?:\w+ )?(?:came out|was dispensed|were dispensed|come out)\b",
        r"\b(?:got|get|received|given) less\b|\bless (?:money|cash) than\b",
        r"\bless than (?:what )?(?:was |i was |we were )?(?:asked for|requested|expected|shown|"
        r"displayed|withdrawn)\b",
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
        r"\b(?:received|got|given|gave me|gives me|give me) (?:the |an? )?(?:wrong|incorrect|less) "
        r"(?:amount|cash|"
        r"money)",
        r"\b(?:didnt|did not|not|never) (?:i )?(?:get|receive|received|got|given|distributed|"
        r"dispensed)\b(?: \w+){0,5}? (?:amount|cash|money)\b(?: \w+){0,3}? (?:i|that i|we) "
        r"(?:requested|asked|wanted|specified|selected|entered|needed|withdrew|tried|put in|was "
        r"supposed|were supposed|should)\b",
        r"\bcash (?:i|we) (?:asked for|requested|wanted|withdrew)\b(?: \w+){0,4}? (?:not|hasnt|"
        r"havent|wasnt|isnt|never)\b",
        # Part of the money: "didn't give me all my cash". ("Didn't give me cash" alone is a
        # declined withdrawal, read below only when money was taken all the same.)
        r"\b(?:didnt|did not|wont|would not|wouldnt) (?:give|dispense|pay)(?: out)? (?:me )?"
        r"(?:all |all of |all of my |all of the |all the |enough |the full |the right |the "
        r"correct |the whole )(?:\w+ )?(?:cash|money|amount)\b",
        r"\b(?:didnt|did not|wont|would not|wouldnt) (?:give|dispense|pay)(?: out)? (?:me )?"
        r"(?:the|that|this) amount\b",
        r"\b(?:didnt|did not|wont|would not|wouldnt) (?:give|dispense|pay)(?: out)? (?:me )?"
        r"(?:everything|all of it|the rest|the whole|what i)\b",
        r"\b(?:money|cash|amount)\b(?: \w+){0,8}? (?:did not|didnt|never) come out\b",
        r"\bgot \d+ (?:\w+ )?when (?:i|we) (?:should(?:ve| have) (?:gotten|got|received)|tried|"
        r"asked|wanted|requested)\b",
        also="didnt did not never wont would wouldnt got hasnt havent wasnt isnt",
    ),
    GatedPatterns.build(
        "more higher larger bigger",
        r"\b(?:more|higher|larger|bigger) than (?:what |the amount )?(?:i|we) (?:actually )?"
        r"(?:received|got|took out|withdrew|did|spent|ordered|agreed)\b",
        r"\bmore than (?:what )?(?:the )?(?:atm|machine|cashpoint|cash machine) (?:actually )?"
        r"(?:gave|dispensed|paid)\b",
    ),
    GatedPatterns.build(
        "missing",
        r"\b(?:cash|money|notes|\d+) (?:\w+ )?(?:was |is |are |were )?missing (?:at|from|after) "
        r"(?:the |my |an |a )?(?:atm|machine|withdrawal|cash machine|cashpoint)\b",
        r"\bmissing (?:\w+ ){0,2}(?:from|at|after) (?:the |my |an |a )?(?:atm|machine|withdrawal|"
        r"cash machine|cashpoint)\b",
    ),
    GatedPatterns.build(
        "same two multiple several only 2 3 three more",
        r"\b(?:two|2|three|3|multiple|several|more than one) of the same (?:\w+ )?(?:transactions?|"
        r"charges?|"
        r"payments?|"
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
    Together((word_set("rate rates"), word_set(
        "wrong incorrect incorrectly wrongly error mistake different overcharged unfair bad "
        "terrible awful atrocious higher poor unfavorable unfavourable worse"
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

# --- general shapes of a complaint -----------------------------------------------------------
# The phrasings above name a dispute; these read its general shapes, whatever the words
# around them: cash received short of what was asked, money taken more than once, a rate
# that is not the right one, a charge made in error or that nobody can explain, more taken
# than it should have been, and charges that go on after cancelling. Each shape is a few
# patterns run over the clauses holding its trigger words (see patterns.GatedPatterns).
_CHARGE = r"(?:charges?|charged|fees?|payments?|transactions?|debits?|debited|billed|bill)"
_CASH = r"(?:cash|money|withdrawal|funds|amount|notes)"
_UNEXPLAINED = (
    r"(?:dont know|do not know|didnt know|no idea|not sure|unsure|cant figure out|cannot "
    r"figure out|cant work out|cant understand|cannot understand|dont understand|do not "
    r"understand|confused about|wondering|explain|tell me)"
)

# Cash short: "only got some of the cash I requested", "the ATM kept half my money".
_CASH_SHORT = GatedPatterns.build(
    "some part half portion fraction bit rest partially partly partial incomplete smaller "
    "entirely fully completely all little enough",
    r"\b(?:only|just) (?:\w+ ){0,4}(?:some|part|half|a portion|a fraction|a bit|a little) "
    r"(?:of )?(?:the|my|what|it)\b",
    rf"\bnot all (?:of )?(?:my |the )?{_CASH}\b",
    r"\bnot enough (?:cash|money|notes) (?:\w+ ){0,2}(?:came out|come out|dispensed|given|"
    r"from the (?:atm|machine|cashpoint))\b",
    r"\b(?:gave|give|dispensed|received|got|paid out) (?:me )?(?:\w+ ){0,2}(?:too little|not "
    r"enough)\b",
    rf"\b(?:some|part|half|a portion|a fraction|the rest) of (?:my|the) {_CASH}\b"
    r"(?: \w+){0,4}? (?:is |was |are |were )?(?:missing|kept|stuck|never came|didnt come|"
    r"did not come|not dispensed|wasnt dispensed|was not dispensed)\b",
    rf"\b(?:kept|keeps|held|retained|swallowed|ate) (?:some|part|half|a portion|the rest) of "
    rf"(?:my|the) {_CASH}\b",
    rf"\bonly half (?:of )?(?:my|the) {_CASH}\b",
    r"\b(?:got|received|given|gave me|dispensed|came out with) (?:a |an |only a |only an )?"
    r"(?:smaller|lower|reduced|partial|incomplete) (?:amount|sum|withdrawal)\b",
    r"\b(?:withdrawal|cash|transaction|money)\b(?: \w+){0,4}? (?:was |is |wasnt |was not |"
    r"isnt |is not |not )(?:only )?(?:partially|partly|not entirely|not fully|not completely) "
    r"(?:complete|completed|dispensed|given|paid out|declined|failed|processed)\b",
    r"\b(?:withdrawal|cash|transaction)\b(?: \w+){0,4}? (?:not|wasnt|isnt|never) (?:entirely|"
    r"fully|completely) (?:complete|completed|dispensed|given)\b",
    r"\b(?:partial|incomplete) (?:cash )?(?:withdrawal|dispense|payout)\b",
    also="cash money withdrawal withdrew withdraw withdrawing funds atm machine amount notes "
    "requested asked dispensed",
)
# "asked for 30 pounds, got 10", "requested a higher amount than I got"
_ASKED_GOT = GatedPatterns.build(
    "asked requested wanted withdraw withdrew selected entered tried",
    r"\b(?:asked for|requested|wanted|tried to (?:withdraw|get|take out)|withdrew|selected|"
    r"entered) (?:\w+ )?\d+(?: \w+){0,4}? (?:but |and |yet )?(?:\. )?(?:i |it |the \w+ )?"
    r"(?:only |just )?(?:got|received|gave me|given|dispensed)(?: me)? (?:only )?\d+\b",
    r"\b(?:asked for|requested|wanted|selected|entered) (?:a )?(?:higher|larger|bigger) "
    r"amount\b",
    also="got received gave given dispensed higher larger bigger",
    following=1,
)
_ATM_FAULT = GatedPatterns.build(
    "messed screwed mistake error wrong shortchanged missing",
    r"\b(?:atm|machine|cashpoint|cash point)\b(?: \w+){0,2}? (?:messed up|screwed up|made a "
    r"mistake|made an error|got it wrong|shortchanged)\b",
    r"\bmissing (?:some |part of (?:the |my )?)?(?:cash|money|notes)\b(?: \w+){0,3}? (?:from|"
    r"at|after) (?:the |my |an |a )?(?:atm|machine|withdrawal|cash machine)\b",
)

# More than once: "declined but it shows as multiple charges", "ordered one, billed for two".
_MORE_THAN_ONCE = GatedPatterns.build(
    "multiple several many duplicate duplicated duplicates repeated two 2 three 3 second again "
    "once time twice both",
    r"\b(?:shows?|showing|showed|appears?|appearing|appeared|posted|listed|there are|theres|"
    r"i see|i can see|ive got|i got|got|now have|ended up with)\b(?: \w+){0,3}? (?:as )?"
    r"(?:multiple|several|many|duplicate|duplicated|repeated|two|2|three|3) (?:\w+ )?(?:charges|"
    r"payments|transactions|debits|withdrawals)\b",
    r"\b(?:too|to|so) many (?:\w+ )?(?:charges|payments|transactions|debits)\b",
    r"\b(?:two|2|three|3|multiple|several) (?:\w+ )?(?:payments|charges|transactions|debits) "
    r"(?:\w+ ){0,4}(?:for|on|from) (?:one|a single|1|the same|only one)\b",
    r"\b(?:charged|billed|debited|took|taken) (?:me |us )?(?:\w+ )?(?:a )?second time\b",
    r"\b(?:was|were|been|got|get|being) (?:charged|billed|debited|taken|deducted|withdrawn) "
    r"(?:\w+ )?again\b",
    r"\bcharged (?:me|us) (?:\w+ )?again\b",
    r"\b(?:paid|bought|ordered|purchased) (?:\w+ ){0,3}once\b(?: \w+){0,5}? (?:but |and |yet )?"
    r"(?:\w+ ){0,2}(?:charged|billed|debited|taken)\b",
    r"\b(?:made|charged|taken|processed|debited) (?:two|2|three|3) time\b",
    r"\b(?:didnt|did not|never) (?:buy|order|purchase|pay for|make|book) (?:this|that|it|these|"
    r"them|the \w+) twice\b",
    r"\bonly (?:bought|ordered|paid for|paid|purchased|made|used|booked) (?:it |this |that |"
    r"one |1 |the \w+ )?once\b",
    r"\b(?:there (?:is|was|are) (?:a )?|have a |see a |got a )duplicates?\b",
    r"\b(?:transactions?|charges?|payments?|debits?) (?:is|was|are|were|looks|seems|looks like|"
    r"seems like) (?:a |to be a )?duplicates?\b",
    r"\bwhy (?:are|is) there (?:two|2|three|3|multiple|several|so many|duplicate) (?:\w+ )?"
    r"(?:charges|payments|transactions|debits|fees)\b",
)
_BILLED_FOR_MORE = GatedPatterns.build(
    "one 1 single",
    r"\b(?:ordered|bought|purchased|booked|made) (?:only )?(?:one|1|a single) (?:\w+ ){0,3}"
    r"(?:\. )?(?:but |and |yet )?(?:\w+ ){0,2}(?:charged|billed) (?:\w+ )?for (?:two|2|three|3|"
    r"both|multiple|several)\b",
    following=1,  # "Ordered one item, got billed for two"
)

# The rate: "not getting the correct exchange rate", "the rate was way off".
_WRONG_RATE = GatedPatterns.build(
    "rate rates conversion exchange currency low",
    r"\b(?:not|never|didnt|did not|dont|do not|wasnt|was not|werent|arent|isnt|is not) "
    r"(?:\w+ ){0,2}(?:receiving|getting|given|get|got|receive|received|charged|applied|using|"
    r"use|used|give|giving|offered|offering|apply|applying|charge|charging|offer) (?:me |us )?"
    r"(?:the |a |my )?(?:correct|right|proper|actual|real|official|interbank|true|fair|agreed|"
    r"advertised|quoted|promised|accurate|current) (?:\w+ )?(?:exchange |conversion )?rates?\b",
    r"\b(?:rates?|conversion|exchange|currency)\b(?: \w+){0,6}? (?:is|was|seems|looks|are|"
    r"were|seemed|looked)(?: \w+)? off\b",
    r"\b(?:worse|different|higher|lower) than (?:the |what )?(?:\w+ )?(?:market|official|"
    r"interbank|real|actual|mid market|google|advertised|quoted|published|agreed|shown|"
    r"displayed) (?:exchange )?(?:rate|rates)\b",
    r"\b(?:cant|cannot|can not|isnt|is not|wasnt|was not) (?:be )?(?:the )?(?:official|real|"
    r"actual|correct|right|proper|interbank|market|fair) (?:\w+ )?(?:exchange )?rates?\b",
    r"\brates? (?:\w+ ){0,2}(?:applied|calculated|charged|used|given|converted) (?:\w+ )?"
    r"(?:correctly|incorrectly|properly|wrongly|right|wrong|correct)\b",
    r"\b(?:conversion|converted|currency)\b(?: \w+){0,6}? (?:is|was|seems|looks|are|were) "
    r"(?:\w+ )?(?:wrong|incorrect|inaccurate)\b",
    r"\brates?\b(?: \w+){0,4}? (?:is|was|seems|looks|are|were) (?:\w+ )?(?:too|so|very|really|"
    r"ridiculously|extremely) low\b",
    r"\b(?:charged|billed|debited|converted) (?:me |us |it )?(?:above|over|higher than|more "
    r"than|below|under) the (?:\w+ )?(?:exchange |conversion )?rate\b",
)

# In error: "charged by mistake", "is this fee an error?", "the amount is wrong".
_IN_ERROR = GatedPatterns.build(
    "mistake error mistakenly accidentally erroneously incorrect wrong add",
    r"\b(?:charged|billed|debited|charge|deducted|taken)\b(?: \w+){0,4}? (?:by mistake|"
    r"in error|by error|accidentally|mistakenly|erroneously)\b",
    rf"\b{_CHARGE}\b(?: \w+){{0,6}}? (?:is|was|looks like|seems like|seems to be|appears to "
    r"be|must be|could be|might be) (?:a |an )?(?:mistake|error)\b",
    r"\b(?:is|was) (?:this|that|the|my) (?:\w+ ){0,3}(?:charge|fee|payment|transaction|"
    r"debit)\b(?: \w+){0,4}? (?:a |an )?(?:mistake|error)\b",
    r"\b(?:amount|cash|withdrawal|sum|total|charge|rate)\b (?:\w+ )?(?:incorrect|wrong)\b",
    r"\b(?:cash|money|amount|charges|total|withdrawal|bill|fees)\b(?: \w+){0,6}? (?:doesnt|"
    r"does not|dont|do not|didnt|did not) add up\b",
)

# Unexplained: "I don't know why I was charged", "a fee nobody told me about".
_UNEXPLAINED_CHARGE = GatedPatterns.build(
    "charged billed debited deducted charge charges fee fees renewed increased raised went "
    "took taken removed",
    rf"\b{_UNEXPLAINED} (?:why|what for)\b(?: \w+){{0,5}}? (?:charged|billed|debited|"
    r"deducted|charges?|fees?)\b",
    r"\b(?:charged|billed|debited|charges?|fees?)\b(?: \w+){0,8}? (?:\. )?(?:and )?(?:i |im |"
    rf"i am |we )?(?:am |are )?{_UNEXPLAINED} (?:why|what (?:it|this|that) (?:is|was) for|"
    r"what its for|what for)\b",
    rf"\b(?:dont|do not|cant|cannot|didnt|did not) understand (?:\w+ ){{0,2}}{_CHARGE}",
    rf"\b{_CHARGE}\b(?: \w+){{0,5}}? (?:i|we) (?:dont|do not|cant|cannot|didnt|did not) "
    r"understand\b",
    r"\b(?:charged|billed|debited|charge|fee|deducted|renewed|increased|raised|went up|took|"
    r"taken|removed)\b"
    r"(?: \w+){0,4}? (?:for no reason|out of nowhere|randomly|at random|without (?:any |a )?"
    r"(?:reason|explanation|notice|warning))\b",
    r"\b(?:fee|charge)s?\b(?: \w+){0,4}? (?:nobody|no one|never|wasnt|was not|werent|were "
    r"not) (?:told|informed|mentioned|warned|notified)\b",
    r"\b(?:wasnt|was not|werent|were not|never) (?:told|informed|warned|notified) (?:about|of)"
    r"\b(?: \w+){0,3}? (?:fee|charge)s?\b",
    r"\b(?:explain|tell me about|what is|whats|what was) (?:this|that|the|these) (?:\w+ )?"
    r"(?:extra|additional|unexpected|mystery|new|strange|random|unknown) (?:\w+ )?"
    r"(?:charges?|fees?)\b",
    # "a charge ... why is it there?", "a fee on my account, what is it for?"
    rf"\b{_CHARGE}\b(?: \w+){{0,8}}? (?:\. )?(?:why (?:is|was) (?:it|this|that) (?:there|here|"
    r"on)|(?:what|whats) (?:is |was )?(?:it|this|that) for)\b",
    also="why what whats know idea sure unsure figure understand confused wondering reason "
    "nowhere randomly random without nobody never told informed mentioned warned notified "
    "explain extra additional unexpected mystery new strange unknown tell",
    following=1,
)
_QUESTIONED_CHARGE = GatedPatterns.build(
    "come why okay ok happy unhappy pleased purpose explained explanation explain expecting "
    "expect expected anticipate anticipating",
    r"\bhow come (?:i|we|my|you) (?:\w+ ){0,3}(?:charged|billed|debited)\b",
    r"\bwhy (?:does|do|did|is|has) (?:my|the) (?:statement|account|app|card|balance|bill|"
    r"invoice)\b(?: \w+){0,2}? (?:show|showing|have|having|list|listing|include|including|"
    r"contain)\b(?: \w+){0,4}? (?:charges?|fees?|debits?)\b",
    r"\b(?:not okay|not ok|not happy|unhappy|not pleased|not fine) (?:with|about) (?:this|the|"
    r"that|these|those) (?:\w+ )?(?:fee|charge|payment|debit|amount|rate)s?\b",
    r"\bpurpose of (?:this|that|these|those) (?:\w+ )?(?:fees?|charges?|debits?)\b",
    r"\b(?:fee|charge|debit)s?\b(?: \w+){0,6}? (?:explained|needs? (?:an )?explanation)\b",
    r"\bexplain (?:this|that|these|those) (?:\w+ )?(?:fees?|charges?|debits?)\b",
    rf"\b{_CHARGE}\b(?: \w+){{0,3}}? (?:i|we) (?:wasnt|was not|werent|were not|didnt|did not|"
    r"never) (?:expecting|expect|expected|anticipate|anticipating)\b",
)

# More than it should be: "took more money than it should have", "isn't the price you
# advertised", "charged $150 instead of $50", "my refund was less than I paid".
_MORE_THAN_DUE = GatedPatterns.build(
    "more higher larger bigger greater worse steeper different differs differ differed one "
    "what instead quoted told promised advertised agreed much full regular normal original "
    "less smaller lower short partial",
    r"\b(?:took|taken|charged|deducted|debited|removed|withdrew|withdrawn)\b(?: \w+){0,3}? "
    r"more (?:money )?than (?:i|we|it|you|what|the)\b",
    r"\b(?:amount|price|total|bill|charge|rate|fee|sum|cost|money)s?\b(?: \w+){0,6}? (?:is |"
    r"was |are |were )?(?:higher|more|larger|bigger|greater|worse|steeper) than (?:the |my )?"
    r"(?:what|the one|it should|it was supposed|we agreed|i agreed|i was told|i was quoted|"
    r"expected|agreed|quoted|advertised|listed|shown|displayed|on the|price|receipt|i paid|"
    r"i spent|total|bank|market|official|real|usual|normal)\b",
    r"\b(?:shows?|showing|charged|billed|debited|took|taken) (?:me |us )?(?:a |an |the )?"
    r"(?:higher|larger|bigger|greater|different) (?:amount|price|total|rate|fee|sum)\b",
    r"\b(?:worse|higher|bigger|larger|different) (?:exchange |conversion )?(?:rate|price|"
    r"amount|fee|total) than (?:i |we )?(?:expected|agreed|was quoted|were quoted|quoted|"
    r"advertised|shown|displayed|the official|the market|it should)\b",
    r"\b(?:rates?|exchange|conversion|price|amount|total|charge)\b(?: \w+){0,4}? (?:differs?|"
    r"differed|is different|was different) from\b",
    r"\b(?:rate|price|amount|charge|fee|total)s?\b(?: \w+){0,6}? (?:isnt|is not|wasnt|was not|"
    r"arent|are not|werent|were not|not) (?:the one|the same as the one|what) (?:\w+ ){0,3}"
    r"(?:advertised|quoted|promised|showed|shown|displayed|agreed|said|told|offered|charged|"
    r"paid|expected)\b",
    r"\b(?:charged|billed|debited|took|taken|deducted)\b(?: \w+){0,3}? instead of\b",
    r"\b(?:charged|billed|debited) (?:\w+ ){0,3}(?:but|when|although|though|yet) (?:i was |"
    r"we were |it was |you |the price was )?(?:quoted|told|promised|advertised|agreed|shown)\b",
    r"\b(?:took|taken|take|deducted|debited|removed|withdrew|withdrawn|billed|charged|"
    r"charging)\b(?: \w+){0,2}? too much\b",
    r"\bcharged (?:me |us )?(?:the )?(?:full|regular|normal|original) price\b",
    r"\b(?:charged|paid|billed|pay)\b(?: \w+){0,4}? more than (?:the )?(?:listed|advertised|"
    r"quoted|displayed|shown|agreed|original|sale|actual|stated) (?:price|amount|total|rate)\b",
    r"\brefund\w*\b(?: \w+){0,4}? (?:less|smaller|lower) than\b",
    r"\b(?:only )?(?:a )?partial refund\b|\brefund\w* (?:was |is )?short\b",
)

# Charged regardless: "still charged after I cancelled", "a late fee though I paid on time".
_CHARGED_REGARDLESS = GatedPatterns.build(
    "still returned cancelled canceled refunded keep keeps kept though although despite but",
    r"\b(?:charges?|payments?|debits?|fees?)\b(?: \w+){0,3}? still (?:\w+ ){0,2}(?:after|even "
    r"though|despite|although) (?:\w+ ){0,3}(?:cancell?ed|returned|refunded|unsubscribed)\b",
    r"\b(?:charged|billed) (?:me |us )?for (?:\w+ ){0,4}(?:i|we) (?:had )?(?:returned|"
    r"cancell?ed|sent back)\b",
    r"\b(?:keep|keeps|kept|still) (?:on )?(?:charging|billing|debiting|taking (?:money|"
    r"payments?))\b",
    r"\b(?:charged|billed|debited|charging|billing)\b(?: \w+){0,5}? (?:even though|although|"
    r"despite|though) (?:i|we) (?:\w+ ){0,2}(?:paid|cancell?ed|returned|never|didnt|did not|"
    r"wasnt|was not|had|have|already|stopped|used)\b",
    r"\b(?:charged|billed|debited|charging|billing)\b(?: \w+){0,5}? (?:even though|although|"
    r"despite|though) (?:it|the \w+|you|your \w+|they) (?:said|says|was supposed|is supposed|"
    r"was meant|should|promised|advertised|stated|showed)\b",
    r"\b(?:charged|billed|debited)\b(?: \w+){0,5}? but (?:i|we) (?:am |m |are |was |were )?"
    r"(?:only|never|on the|on a|didnt|did not|dont|do not|havent|have not|already|"
    r"cancell?ed)\b",
    r"\b(?:charged|billed|debited)\b(?: \w+){0,5}? but (?:im|i am|we are) on\b",
)

BILLING_COMPLAINTS = Detector.of(
    _CASH_SHORT, _ASKED_GOT, _ATM_FAULT, _MORE_THAN_ONCE, _BILLED_FOR_MORE, _WRONG_RATE,
    _IN_ERROR, _UNEXPLAINED_CHARGE, _QUESTIONED_CHARGE, _MORE_THAN_DUE, _CHARGED_REGARDLESS,
)

# A charge for a named activity ("why was I charged for topping up?") asks about a fee.
_FEE_ACTIVITIES = word_set(
    "top topping topped topup transfer transfers transferring exchanging withdrawing sending "
    "delivery shipping postage withdrawal withdrawals atm abroad foreign international"
)
COMPLAINT_TOGETHER = (
    # "the ATM took my money but didn't give me the cash": money taken, none received.
    Together((word_set("atm machine cashpoint"),
              word_set("took taken debited deducted charged balance"),
              word_set("didnt never not wont wouldnt"), word_set("give gave dispense cash money")),
             unless=word_set("card declined rejected because")),
    # "the machine took it but I never got the cash"; not a declined or failed withdrawal.
    Together((word_set("atm machine cashpoint withdraw withdrew withdrawal withdrawing"),
              word_set("cash money notes"), word_set("didnt never not wasnt"),
              word_set("receive received get got come came dispense dispensed")),
             unless=word_set(
                 "declined rejected refused blocked failed because cant cannot work working "
                 "let allow allowed pending progress"
             )),
    # "why was I charged?", "why did I get billed": a specific charge the visitor can't place.
    Together((word_set("why"), word_set("charged billed debited"), word_set("i we me us my")),
             unless=_FEE_ACTIVITIES | _FEE_QUESTION | word_set("be")),
)

# --- not a dispute ---------------------------------------------------------------------------

# "Refund not received" is a dispute only when the visitor says money was taken.
_REFUND_MISSING = GatedPatterns.build(
    "refund refunds refunded",
    r"\brefund\w*\b(?: \w+){0,4}? (?:not|never|still not|hasnt|has not|havent|have not|didnt|"
    r"did not) (?:\w+ )?(?:received|arrived|come|came|showed|shown|credited|processed|appeared)\b",
)
# The visitor's own slip ("I transferred the wrong amount", "I typed the incorrect amount")
# asks to cancel or correct a payment; it is a dispute only if money was taken from them too.
_SELF_ERROR = GatedPatterns.build(
    "wrong incorrect",
    r"\b(?:i|we)\b(?: \w+){0,6}? (?:accidentally |mistakenly |just )?(?:sent|transferred|typed|"
    r"entered|put|paid|made|input|keyed|selected|chose) (?:in )?(?:\w+ ){0,2}(?:the |a |an )?"
    r"(?:wrong|incorrect)\b",
)
_TAKEN_FROM_THEM = word_set(
    "charged billed debited overcharged fee fees twice duplicate atm machine cashpoint rate"
)


def detect_billing_dispute(text: Text) -> str | None:
    """Dispute intent: charged twice, overcharged, wrong amount, unexplained charge, ..."""
    if not text.has_any(_TAKEN_FROM_THEM) and _SELF_ERROR.find(text):
        return None
    # "Charged twice", the commonest dispute, is read first: one small pattern group.
    found = (
        _repeated_charge(text)
        or BILLING_DISPUTE.find(text)
        or first_match(BILLING_TOGETHER, text)
        or BILLING_COMPLAINTS.find(text)
        or first_match(COMPLAINT_TOGETHER, text)
    )
    if found:
        return found
    missing_refund = _REFUND_MISSING.find(text)
    return missing_refund if missing_refund and text.has_any(_MONEY_TAKEN) else None


def _repeated_charge(text: Text) -> str | None:
    if not text.has_any(_ATTEMPT_WORDS):
        return REPEATED_CHARGE.find(text)
    scope = " . ".join(
        text.clause_texts[number]
        for number in sorted(text.clause_numbers(text.words & REPEATED_CHARGE.triggers))
        if _ATTEMPT_WORDS.isdisjoint(text.clauses[number])
        or not _MONEY_TAKEN.isdisjoint(text.clauses[number])
    )
    return REPEATED_CHARGE.search(scope)


# --- the disputed amount ---------------------------------------------------------------------

# Words that set two sums against each other, the one expected and the one got or charged:
# "$20 instead of $100", "only got 20 of the 100 I asked for", "charged 150, quoted 50".
_CONTRAST_WORDS = word_set(
    "instead rather only should shouldve supposed expected quoted told requested asked wanted "
    "tried trying attempted less short than"
)


def disputed_amount(amounts: tuple[Money, ...], text: Text | None = None) -> Money | None:
    """The sum in dispute. Two sums set against each other ("only got $20 of the $100 I
    asked for", "charged $150 instead of $50") dispute their difference: the $80 that never
    came out, the $100 charged too much. Otherwise the largest sum mentioned: "charged $150
    twice" disputes $150, not $300."""
    if not amounts:
        return None
    largest = max(amounts, key=lambda money: money.amount)
    if text is None or not text.has_any(_CONTRAST_WORDS):
        return largest
    sums = sorted({m.amount for m in amounts if m.currency == largest.currency})
    if len(sums) != 2:
        return largest  # one sum (repeated or alone), or too many to pair up
    low = next(m for m in amounts if m.currency == largest.currency and m.amount == sums[0])
    difference = round(largest.amount - low.amount, 2)
    described = (
        f"{difference:g} {largest.currency} (the difference between {low.text} and "
        f"{largest.text})"
    )
    return Money(difference, largest.currency, described)
