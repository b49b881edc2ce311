"""Category 4: issues that need human judgment.

Each detector returns the words that showed the issue, or None. They read normalised text
(lower case, no apostrophes: "didnt"), and each runs only over the clauses holding one of its
trigger words. Amount thresholds and order ages are applied by the engine, from the policy.

An unrecognised charge ("a payment I didn't make") is read both as a billing dispute and as
a security concern: until shown otherwise it is fraud, so the engine ranks security first.
"""

from __future__ import annotations

from datetime import date

from escalation.signals.entities import Money, find_amounts, find_dates
from escalation.signals.text import GatedPatterns, Text

_PAYMENT = (
    r"(?:payments?|charges?|transactions?|withdrawals?|withdrawl|debits?|direct debit|"
    r"purchases?|transfers?|deductions?|spending|withdraw)"
)
_DISOWN = (
    r"(?:i|we) (?:did not|didnt|never|do not|dont|have not|havent|had not|hadnt)"
    r"(?: \w+)? (?:make|made|do|did|done|authori[sz]e|authori[sz]ed|recogni[sz]e|approve|"
    r"approved|recall|remember|buy|bought|withdraw|withdrew|set up|setup|create|created|spend|"
    r"spent|request|requested|sign up for|signed up for|know about|initiate|initiated|perform|"
    r"performed|submit|submitted|complete|completed|take out|took out|use|used|go to|went to)"
    r"|(?:i|we) (?:cant|cannot|couldnt|can not) (?:recall|remember|recogni[sz]e|identify)"
    r"|(?:i|we) (?:dont|do not) (?:think|believe|know if) (?:i|we) (?:made|did|authori[sz]ed|"
    r"spent|bought|withdrew)"
    r"|(?:im|i am|we are|were) not (?:familiar with|recogni[sz]ing|aware of)"
    r"|(?:i|we) (?:have |had )?never (?:seen|heard of)"
)
_STRANGE = (
    r"(?:unknown|unrecogni[sz]ed|unfamiliar|strange|unusual|weird|mystery|mysterious|"
    r"unexplained|fraudulent|false|fake|suspicious|random)"
)
_NOT_ME = (
    r"(?:was not|wasnt|were not|werent|is not|isnt|are not|arent|not|never) (?:\w+ )?"
    r"(?:done by me|made by me|by me|me|mine|belong to me|ours)"
)
_DISOWNED_PAYMENT = (
    rf"\b{_PAYMENT}\b(?: \w+){{0,6}}? (?:that |which )?(?:{_DISOWN})",
    rf"\b{_PAYMENT}\b(?: \w+){{0,8}}? (?:that |which |but |and )?(?:it )?{_NOT_ME}\b",
    rf"\b{_PAYMENT}\b(?: \w+){{0,5}}? (?:looks|seems|is|appears) (?:\w+ )?(?:suspicious|fishy|"
    r"strange|odd|weird|shady|dodgy)\b",
    rf"\bwhat (?:is|was|are|were) (?:this|that|these|those) (?:\w+ ){{0,2}}{_PAYMENT}\b",
    rf"\b(?:dont|do not|not sure|unsure) (?:know )?(?:what|where|why) (?:this|that|these) "
    rf"(?:\w+ ){{0,2}}{_PAYMENT}\b",
    r"\b(?:says|said|shows|showing|claims|states) (?:that )?(?:i|we) (?:\w+ ){1,5}(?:but|however) "
    r"(?:i|we) (?:did not|didnt|never|have not|havent)\b",
    rf"\b(?:{_DISOWN})\b(?: \w+){{0,4}}? {_PAYMENT}\b",
    rf"\b{_PAYMENT} (?:\w+ ){{0,3}}(?:is|was|are|were) not (?:mine|recogni[sz]ed|authori[sz]ed)\b",
    rf"\b{_STRANGE}(?: \w+){{0,2}}? {_PAYMENT}\b",
    r"\b(?:unexpected|random|unknown|strange|unexplained|extra) (?:money|cash|funds|deposits?) "
    r"(?:in|on|into) (?:my|our) (?:account|app|card)\b",
    r"\b(?:money|cash|funds) (?:is |are |was |has been |have been )?(?:missing|gone|taken|"
    r"withdrawn|deducted)(?: out)? (?:from|of|in) (?:my|our) (?:account|card|balance)\b",
    r"\b(?:vendor|merchant|seller|store|shop|company|payee)(?: name)? (?:that )?"
    r"(?:i|we) (?:dont|do not|didnt|did not) (?:recogni[sz]e|know)\b",
    rf"\b(?:to|from|at) (?:an? |some )?{_STRANGE} (?:vendor|merchant|seller|store|company|shop)\b",
)
_PAYMENT_WORDS = (
    "payment payments charge charges transaction transactions withdrawal withdrawals "
    "withdrawl withdraw debit debits purchase purchases transfer transfers deduction "
    "deductions spending vendor merchant seller store shop company payee money cash funds "
    "deposit deposits "
)

SECURITY = GatedPatterns.build(
    "hack hacked hacking hacker hackers compromised fraud fraudulent fraudster fraudsters "
    "unauthorized unauthorised stolen stole steal theft phishing scam scammed scammer "
    "scammers cloned skimmed breach someone somebody stranger without recognize recognise "
    "recognized recognised authorized authorised lost missing accessed access login logged "
    "password people strangers copy used me mine ours belong fishy shady dodgy familiar seen "
    "says said shows showing claims states what sure unsure unexpected random extra "
    "exposed leaked " + _PAYMENT_WORDS,
    r"\b(?:hack(?:ed|ing|er|ers)?|compromised|fraud\w*|unauthori[sz]ed|stolen|stole|"
    r"identity theft|phishing|scam(?:med|mer|mers)?|cloned|skimmed|(?:data|security) breach)\b",
    r"\b(?:someone|somebody|a stranger|another person|people|strangers)(?: else)?"
    r"(?: \w+){0,4}? (?:using|used|uses|accessed|accessing|logged|log|logging|got into|"
    r"gotten into|broke into|broken into|hacked|withdrew|withdrawn|withdrawing|took|taken|"
    r"taking|stole|stealing|spent|spending|bought|ordered|changed|gained|charged|has access|"
    r"have access|had access|has my|have my|had my|knows my|has a copy|have a copy|"
    r"made (?:\w+ ){0,3}(?:payments?|purchases?|charges?|transactions?|withdrawals?))\b",
    r"\b(?:used|using|accessed|charged|withdrawn|made) by (?:someone|somebody|a stranger|"
    r"another person|people|others|strangers)\b",
    r"\b(?:payment|purchase|charge|transaction|withdrawal|debit)s? (?:\w+ ){0,3}by someone "
    r"(?:i|we) (?:dont|do not|didnt) know\b",
    r"\bwithout (?:my|our) (?:permission|knowledge|consent|authori[sz]ation|approval)\b",
    r"\bnot authori[sz]ed by (?:me|us)\b",
    *_DISOWNED_PAYMENT,
    r"\b(?:lost|missing) (?:\w+ ){0,2}(?:card|wallet|purse|phone)\b(?: \w+){0,8}? "
    r"(?:used|using|charges|charged|withdrawn|withdrawal|purchases|spent)\b",
    r"\b(?:card|account|password|pin|details|information) (?:\w+ ){0,3}(?:exposed|leaked)\b",
    r"\baccount (?:\w+ ){0,2}(?:accessed|taken over|broken into)\b",
    r"\b(?:i|we) (?:didnt|did not|never) change (?:my|the) (?:password|email|phone|pin)\b",
)

BILLING_DISPUTE = GatedPatterns.build(
    "charged charge charges charging billed billing bill debited paid taken deducted twice "
    "double doubled duplicate duplicated overcharged overcharge overcharging overbilled "
    "over dispute disputed disputing disputes chargeback chargebacks charge back extra "
    "wrong incorrect inaccurate refund refunds refunded cancelled canceled returned "
    "unsubscribed atm machine only less fee fees amount rate exchange price total sum get "
    "got receive received unexpected unknown additional " + _PAYMENT_WORDS,
    r"\b(?:charged|billed|debited|taken|deducted|paid|charging|billing) (?:me |us )?"
    r"(?:\w+ ){0,4}?(?:twice|two times|2 times|three times|3 times|multiple times|"
    r"more than once|several times|two separate times)\b",
    r"\bdouble ?(?:charged|charge|charges|charging|billed|billing|payment|debit|debited)\b",
    r"\bduplicated? (?:\w+ )?(?:charges?|payments?|transactions?|debits?|billing|bill)\b",
    r"\b(?:charges?|payments?|transactions?|debits?|purchases?)\b(?: \w+){0,4}? "
    r"(?:twice|more than once|multiple times|two times|doubled)\b",
    r"\bover ?(?:charged|charging|charge|billed|billing)\b",
    r"\b(?:was|were|been|got|you|they|youve|theyve|ive) (?:\w+ )?charged (?:me |us )?"
    r"(?:\w+ )?(?:extra|more|too much|way more|the wrong|an extra|a higher|incorrectly|"
    r"wrongly|a different)\b",
    r"\bdid (?:you|they)(?: guys)? charge (?:me|us)\b(?: \w+){0,2}? (?:extra|more|twice|too)\b",
    r"\b(?:extra|additional|unexpected|unknown|mystery|hidden|random|strange|unexplained|"
    r"weird) (?:\w+ )?(?:charges?|fees?)\b(?: \w+){0,3}? (?:on|in) (?:my|the) "
    r"(?:statement|account|bill|card|invoice|bank|app)\b",
    r"\b(?:statement|account|bill|invoice|app) (?:\w+ ){0,3}(?:shows?|showing|has|contains?|"
    r"lists?) (?:\w+ ){0,2}(?:extra|additional|unexpected|unknown) (?:\w+ )?(?:charges?|fees?)",
    r"\b(?:wrong|incorrect|inaccurate) (?:\w+ ){0,2}(?:amount|charges?|price|total|rate|"
    r"fees?|sum|exchange rate|bill)\b",
    r"\b(?:amount|charges?|price|total|rate|fees?|exchange|sum|bill)\b(?: \w+){0,6}? "
    r"(?:is|was|seems|looks|appears|applied|were|are) (?:\w+ )?(?:wrong|incorrect|"
    r"not right|not correct|inaccurate|wrongly|incorrectly|too much|too high)\b",
    r"\b(?:something|there) (?:is |was )?(?:\w+ )?wrong with (?:my|the) (?:\w+ ){0,2}"
    r"(?:charges?|rate|exchange|bill|amount|statement|invoice)\b",
    r"\bdisput(?:e|ed|es|ing)\b",
    r"\bcharge ?backs?\b",
    r"\b(?:cancell?ed|returned|unsubscribed)\b(?: \w+){0,8}? (?:still|but|and|yet) "
    r"(?:\w+ ){0,2}(?:charged|billed|debited|renewed|charging|billing)\b",
    r"\b(?:charged|billed) (?:\w+ ){0,3}(?:after|even though|despite) (?:\w+ ){0,3}"
    r"(?:cancell?ed|cancell?ing|returned|unsubscribed)\b",
    r"\b(?:charged|billed|paid) (?:\w+ ){0,3}for (?:\w+ ){0,4}(?:never|didnt|did not|not|"
    r"havent|have not) (?:\w+ )?(?:receive|received|order|ordered|get|got|arrive|arrived)\b",
    r"\b(?:atm|cash machine|machine)\b(?: \w+){0,5}? (?:gave|give|dispensed|only|less|short|"
    r"didnt give|did not give)\b",
    r"\bonly (?:got|get|received|given|gave me|gave|go|dispensed)(?: me)? \d+",
    r"\b(?:didnt|did not|never|not) (?:get|receive|got|received) (?:all|the full|the right|"
    r"enough|the correct|the whole|the entire|as much)\b",
    r"\b(?:received|got|given|gave me) (?:the )?(?:wrong|incorrect|less) (?:amount|cash|money)",
    r"\bless (?:money|cash) than\b",
    *_DISOWNED_PAYMENT,
)
# "Refund not received" is a dispute only when the visitor says money was taken.
_REFUND_MISSING = GatedPatterns.build(
    "refund refunds refunded",
    r"\brefund\w*\b(?: \w+){0,4}? (?:not|never|still not|hasnt|has not|havent|have not|didnt|"
    r"did not) (?:\w+ )?(?:received|arrived|come|came|showed|shown|credited|processed|appeared)\b",
)
_MONEY_TAKEN = frozenset("charged charge charges billed debited overcharged".split())
# Clauses about a failed attempt ("tried twice, payment declined") are not disputes.
_ATTEMPT_WORDS = frozenset("tried try trying attempt attempted declined rejected failed".split())

LEGAL = GatedPatterns.build(
    "lawyer lawyers attorney attorneys solicitor solicitors lawsuit litigation subpoena "
    "tribunal ombudsman claims class cease legal sue suing sued court gdpr ccpa cpra hipaa "
    "dsar data information delete erase remove copy export request right report "
    "regulator authorities standards protection general bureau illegal unlawful breach "
    "violate violates violated violation",
    r"\b(?:lawyers?|attorneys?|solicitors?|lawsuit|litigation|subpoena|tribunal|ombudsman|"
    r"small claims|class action|cease and desist|legal (?:action|proceedings|advice|team|"
    r"department|matter|claim))\b",
    r"\b(?:will|going to|gonna|ll|ill|to|can|could|should|might|shall|i|we|and|or) sue\b",
    r"\bsue (?:you|your|them|the company|this company|u)\b|\bsuing\b",
    r"\b(?:take|taking|see|drag|dragging) (?:you|them|this|it|your company|you guys) to court\b",
    r"\bcourt (?:case|order|action|claim|date)\b|\bin court\b",
    r"\b(?:gdpr|ccpa|cpra|hipaa|dsar)\b",
    r"\b(?:data|information|account data|personal data) (?:deletion|erasure|access|"
    r"portability) request\b|\bsubject access request\b",
    r"\bright to (?:be forgotten|erasure|access)\b",
    r"\b(?:delete|erase|remove) (?:all )?(?:of )?(?:my|our) (?:personal )?(?:data|information)\b",
    r"\b(?:copy|export) of (?:all )?(?:my|our) (?:personal )?data\b",
    r"\breport (?:you|this|your company|them|it) to (?:the )?(?:\w+ ){0,2}(?:authorities|"
    r"regulator|police|ftc|fca|cfpb|bbb|trading standards|consumer)",
    r"\b(?:trading standards|consumer protection|attorney general|better business bureau)\b",
    r"\b(?:illegal|unlawful|breach of contract|violat\w+ (?:the |consumer )?(?:law|laws|rights|"
    r"regulations?))\b",
)

REFUND_REQUEST = GatedPatterns.build(
    "refund refunds refunded refunding money reimburse reimbursement reimbursed return "
    "returning send exchange",
    r"\b(?:refund\w*|money back|reimburs\w*)\b",
    r"\b(?:return|returning|send back|exchange) (?:it|this|them|these|the \w+|my \w+)\b",
    r"\bsend (?:it|this|them) back\b",
)
_PURCHASE_WORDS = frozenset(
    "order ordered orders purchase purchased bought buy got received delivered arrived "
    "placed paid".split()
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

TECHNICAL = GatedPatterns.build(
    "locked blocked shut account profile server error database backend api integration "
    "webhook sso oauth data history files merge migrate transfer reset disable remove 2fa "
    "mfa authenticator bug",
    r"\b(?:locked|blocked|shut) out of (?:my |the |our )?(?:account|profile|dashboard|admin)\b",
    r"\b(?:account|profile) (?:\w+ ){0,2}(?:suspended|deactivated|banned|terminated)\b",
    r"\b(?:internal )?server error\b|\berror (?:code )?\d{3,}\b|\b[45]\d\d error\b",
    r"\b(?:database|backend|api|server|integration|webhook|sso|oauth)\b(?: \w+){0,4}? "
    r"(?:error|errors|down|broken|failing|fails|failed|bug)\b",
    r"\b(?:my |our |account |order )?(?:data|history|files) (?:has |have |is |are )?"
    r"(?:disappeared|vanished|gone missing|been deleted|been wiped|corrupted)\b",
    r"\bmerge (?:my |two |the |our )?accounts?\b",
    r"\b(?:migrate|transfer) (?:my |our )?(?:data|account|subscription|license) (?:to|from|between)\b",
    r"\b(?:reset|disable|remove) (?:my |the )?(?:2fa|two factor|mfa|authenticator)\b",
    r"\b(?:found|there is|theres|is a|a) bug\b",
)

_STEP_MARKERS = GatedPatterns.build(
    "first then next finally step once before after",
    r"\bfirst\b.{0,160}?\bthen\b.{0,160}?\b(?:then|after that|finally|and then|next)\b",
    r"\bstep (?:1|one)\b.{0,240}?\bstep (?:2|two)\b",
    r"\b(?:first|before that)\b.{0,160}?\b(?:then|after that|next)\b",
)
_DEPENDENCY = GatedPatterns.build(
    "before until depends depend once so order requires require",
    r"\bbefore (?:i|we) (?:can|could)\b",
    r"\buntil (?:\w+ ){0,4}(?:is|has been|are|have been) (?:done|approved|processed|complete|"
    r"completed|confirmed|verified)\b",
    r"\bdepends? on (?:whether|if|the|my|it)\b",
    r"\bonce (?:\w+ ){0,4}(?:is|has been|are|have been) (?:done|approved|processed|complete|"
    r"completed|confirmed|verified)\b",
    r"\bso (?:that )?(?:i|we) can\b|\bin order to\b|\bwhich requires?\b",
)


def detect_security(text: Text) -> str | None:
    return SECURITY.find(text)


def detect_billing_dispute(text: Text) -> str | None:
    """Dispute intent: charged twice, overcharged, wrong amount, unrecognised charge, ..."""
    found = _dispute_outside_attempts(text)
    if found:
        return found
    missing_refund = _REFUND_MISSING.find(text)
    return missing_refund if missing_refund and text.has_any(_MONEY_TAKEN) else None


def _dispute_outside_attempts(text: Text) -> str | None:
    if not text.has_any(_ATTEMPT_WORDS):
        return BILLING_DISPUTE.find(text)
    scope = " . ".join(
        " ".join(clause)
        for clause, words in zip(text.clauses, text.clause_words)
        if not words.isdisjoint(BILLING_DISPUTE.triggers)
        and (words.isdisjoint(_ATTEMPT_WORDS) or not words.isdisjoint(_MONEY_TAKEN))
    )
    return BILLING_DISPUTE.search(scope)


def disputed_amount(text: Text) -> Money | None:
    """The largest amount mentioned: "$20 of the $100 I asked for" disputes up to $100."""
    amounts = find_amounts(text.lower)
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
    dates = find_dates(text.lower, today)
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

