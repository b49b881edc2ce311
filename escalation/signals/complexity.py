"""Category 4: issues that need human judgment.

Each detector returns the words that showed the issue, or None. They read normalised text
(lower case, no apostrophes: "didnt"); each pattern group runs only over the clauses that
hold one of its trigger words. Amount thresholds and order ages are applied by the engine,
from the policy. Security and billing disputes live in their own modules (re-exported here).
"""

from __future__ import annotations

from datetime import date

from escalation.signals.billing import detect_billing_dispute, disputed_amount
from escalation.signals.entities import find_dates
from escalation.signals.patterns import Detector, GatedPatterns
from escalation.signals.security import detect_security
from escalation.signals.text import Text, word_set

__all__ = [
    "detect_billing_dispute",
    "detect_legal",
    "detect_multi_step",
    "detect_policy_exception",
    "detect_refund_request",
    "detect_security",
    "detect_technical",
    "disputed_amount",
    "order_age_days",
]

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
