"""Billing disputes: charged twice, overcharged, wrong amount, a charge not recognised, ...

The engine applies the policy's amount threshold to what this finds (see
engine._read_billing_dispute); `disputed_amount` picks the amount to compare.
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
    r"\b(?:showed|showing|shows|show|appears?|appearing|appeared|went through|processed|posted)"
    rf"(?: up)? (?:\w+ )?{TWICE}\b",
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
        r"\b(?:amount|rate|price) (?:that )?(?:i|we) (?:received|got|paid|was charged) "
        r"(?:is |was |are )?different\b",
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
    Together((word_set("rate rates"), word_set(
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
