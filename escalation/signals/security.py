"""Account security: hacked accounts, fraud, stolen cards, and payments the visitor disowns.

A charge the visitor does not recognise ("a payment I didn't make") is read as a security
concern: until shown otherwise it is fraud, so it escalates at urgent priority. The regexes
spell out common phrasings; the clause-level co-occurrence rules below them catch the rest
whatever the word order.
"""

from __future__ import annotations

from escalation.signals.patterns import Detector, GatedPatterns, Together, first_match
from escalation.signals.payment_phrases import (
    DISOWN,
    NOT_ME,
    PAYMENT,
    PAYMENT_WORDS,
    STRANGE,
    STRANGE_WORDS,
)
from escalation.signals.text import Text, word_set

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
        r"must have my|knows my|saw my|has seen my|has a copy|made (?:\w+ ){0,3}(?:payments?|"
        r"purchases?|charges?|transactions?|withdrawals?))\b",
        r"\b(?:used|using|accessed|charged|withdrawn|made) by (?:someone|somebody|a stranger|"
        r"another person|people|others|strangers)\b",
        r"\b(?:other )?(?:people|strangers) (?:are |have been |were )?(?:using|used|accessing|"
        r"stealing) (?:my|our)\b",
        r"\b(?:payment|purchase|charge|transaction|withdrawal|debit)s? (?:\w+ ){0,3}by someone "
        r"(?:i|we) (?:dont|do not|didnt) know\b",
    ),
    GatedPatterns.build(
        "without authorized authorised",
        r"\bwithout (?:my|our|me|us) (?:permission|knowledge|consent|authori[sz]ation|approval|"
        r"knowing|agreeing|approving)\b",
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
        PAYMENT_WORDS,
        rf"\b{PAYMENT}\b(?: \w+){{0,8}}? (?:that |which )?(?:{DISOWN})",
        rf"\b(?:{DISOWN})\b(?: \w+){{0,5}}? {PAYMENT}\b",
        rf"\b{PAYMENT}\b(?: \w+){{0,8}}? (?:that |which |but |and )?(?:it )?(?:{NOT_ME})\b",
        rf"\b{PAYMENT} (?:\w+ ){{0,3}}(?:is|was|are|were) not (?:mine|recogni[sz]ed|"
        r"authori[sz]ed)\b",
        also="didnt never dont not havent hadnt cant cannot couldnt familiar aware recognizing "
        "recognising mine me ours shouldnt",
    ),
    GatedPatterns.build(
        PAYMENT_WORDS,
        rf"\b{PAYMENT}\b(?: \w+){{0,5}}? (?:looks|seems|is|appears) (?:\w+ )?(?:suspicious|"
        r"fishy|strange|odd|weird|shady|dodgy)\b",
        rf"\b(?:what|whats) (?:is |was |are |were )?(?:this|these|those) (?:\w+ ){{0,2}}"
        rf"{PAYMENT}\b",
        rf"\bwhere (?:did|does|do|has|have) (?:this|that|these|the) (?:\w+ ){{0,2}}{PAYMENT}\b"
        r"(?: \w+){0,3}? (?:come|came) from\b",
        rf"\bwhy (?:is|are) (?:this|these) (?:\w+ ){{0,2}}{PAYMENT} (?:on|in) (?:my|the)\b",
        rf"\bwhat (?:the|this|that) (?:\w+ ){{0,2}}{PAYMENT} (?:is|was) (?:in|on|for)\b",
        rf"\b(?:dont|do not|not sure|unsure|no idea) (?:know )?(?:what|where|why) (?:this|that|"
        rf"these) (?:\w+ ){{0,2}}{PAYMENT}\b",
        also="suspicious fishy strange odd weird shady dodgy what whats why where sure unsure idea",
    ),
    GatedPatterns.build(
        STRANGE_WORDS,
        rf"\b{STRANGE}(?: \w+){{0,2}}? {PAYMENT}\b",
        rf"\b{STRANGE} (?:\w+ )?(?:activity|activities|logins?|log ins?|sign ins?|access)\b",
        rf"\b(?:to|from|at) (?:an? |some )?{STRANGE} (?:vendor|merchant|seller|store|company|"
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
        r"\b(?:show\w*|app|statement)\b(?: \w+){0,6}? (?:that )?(?:i|we) (?:did not|didnt|never) "
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
        PAYMENT_WORDS,
        rf"\b{PAYMENT}\b(?: \w+){{0,8}}? \. (?:but |and |however )?(?:\. )?"
        rf"(?:it |this |that |its |thats |it is |that is )?(?:{NOT_ME})\b",
        also="me mine ours shouldnt",
        following=2,
    ),
    GatedPatterns.build(
        PAYMENT_WORDS,
        rf"\b{PAYMENT}\b(?: \w+){{0,8}}? \. (?:but |and |however )?(?:\. )?(?:{DISOWN}) "
        r"(?:that|this|it|them|so)\b",
        also="didnt never havent hadnt dont not",
        following=2,
    ),
    GatedPatterns.build(
        PAYMENT_WORDS,
        rf"\b{PAYMENT}\b(?: \w+){{0,8}}? \. (?:but |and |however )?(?:\. )?"
        r"(?:thats|that is|its|it is) (?:a mistake|an error|wrong|not right)\b",
        also="mistake error wrong",
        following=2,
    ),
)

_PAYMENT_SET = word_set(PAYMENT_WORDS + " fee fees debit")
_NEGATION = word_set("not didnt dont never havent hadnt doesnt wasnt werent no")
# Clause-level co-occurrence, whatever the word order: these generalise beyond the phrasings
# the regexes above spell out.
SECURITY_TOGETHER = (
    Together((_PAYMENT_SET, _NEGATION, word_set(
        "recognise recognize recognised recognized recognising recognizing authorise authorize "
        "authorised authorized initiate initiated consent familiar"
    ))),
)


def detect_security(text: Text) -> str | None:
    """Hacked accounts, fraud, stolen cards, and payments the visitor disowns."""
    return SECURITY.find(text) or first_match(SECURITY_TOGETHER, text)
