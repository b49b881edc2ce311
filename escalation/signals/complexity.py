"""Category 4 rules that are grammar, not vocabulary: a refund request (for the spec's
order-age rule), technical issues needing system access, multi-step processes; and what makes
a legal matter a legal *threat* (one of the spec's sensitive topics).

Security, billing disputes, legal matters, policy exceptions and sensitive topics are
questions of language: the trained classifiers (`classifier.py`) read those. Each detector
here returns the words that showed the issue, or None; it reads normalised text (lower case,
no apostrophes) and runs its patterns only over the clauses holding a trigger word.
"""

from __future__ import annotations

from datetime import date

from escalation.signals.entities import find_dates
from escalation.signals.patterns import Detector, GatedPatterns
from escalation.signals.text import Text, word_set

# --- refunds, technical, multi-step ---------------------------------------------

REFUND_REQUEST = GatedPatterns.build(
    "refund refunds refunded refunding money reimburse reimbursement reimbursed return "
    "returning send exchange",
    r"\b(?:refund\w*|money back|reimburs\w*)\b",
    r"\b(?:return|returning|send back|exchange) (?:it|this|them|these|the \w+|my \w+)\b",
    r"\bsend (?:it|this|them) back\b",
)
_PURCHASE_WORDS = word_set(
    "order ordered orders purchase purchased bought buy got received delivered arrived placed paid"
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


# A legal threat, as opposed to a legal or compliance question ("is your policy compliant with
# EU law?"): the visitor says they will act. The engine asks only when the `legal` classifier
# agrees the message is a legal matter, so "Sue from support" or "a court date" pass.
LEGAL_THREAT = Detector.of(
    GatedPatterns.build(
        "sue suing sued lawsuit lawsuits",
        r"\b(?:sue|suing) (?:you|your|this|the|them|him|her|over|for)\b",
        r"\b(?:going to|gonna|will|ill|shall|to|might|may|can) sue\b",
        r"\blaw ?suits?\b",
    ),
    GatedPatterns.build(
        "lawyer lawyers attorney attorneys solicitor solicitors counsel",
        r"\b(?:my|our|a) (?:\w+ )?(?:lawyers?|attorneys?|solicitors?|legal counsel)\b",
    ),
    GatedPatterns.build(
        "court courts claims proceedings action",
        r"\b(?:take|taking|see|drag|dragging) (?:you|your \w+|this|them|it)(?: \w+){0,3} "
        r"(?:to|in) court\b",
        r"\bsmall claims\b",
        r"\b(?:legal|class|court) (?:action|proceedings)\b",
    ),
    GatedPatterns.build(
        "report reporting complaint charges",
        r"\breport(?:ing)? (?:you|your \w+|this|it|them)(?: \w+){0,3} to (?:the )?"
        r"(?:ftc|bbb|police|authorities|regulators?|trading standards|attorney general|"
        r"ombudsman|consumer protection|cfpb|ico)\b",
        r"\b(?:file|filing|lodge|lodging) (?:a )?(?:formal )?complaint with\b",
        r"\bpress(?:ing)? charges\b",
    ),
)


def detect_legal_threat(text: Text) -> str | None:
    """The words that make a legal matter a threat ("going to sue", "my lawyer"), or None."""
    return LEGAL_THREAT.find(text)


# A legal matter about the visitor's own data (GDPR / CCPA requests, "delete my data"): a
# privacy/data concern, one of the spec's sensitive topics. Asked only when the `legal`
# classifier is sure.
DATA_REQUEST = Detector.of(
    GatedPatterns.build("gdpr ccpa dsar", r"\b(?:gdpr|ccpa|dsar)\b"),
    GatedPatterns.build(
        "data information details",
        r"\b(?:my|personal|our) (?:personal )?(?:data|information|details)\b",
        also="delete erase remove copy access hold holding stored store keep sold share shared",
    ),
)


def detect_data_request(text: Text) -> str | None:
    """The words that make a legal matter a request about the visitor's data, or None."""
    return DATA_REQUEST.find(text)


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


def detect_technical(text: Text) -> str | None:
    return TECHNICAL.find(text)


def detect_multi_step(text: Text) -> str | None:
    """Several ordered steps that depend on each other ("first..., then..., before I can")."""
    steps = _STEP_MARKERS.find(text)
    if steps and _DEPENDENCY.find(text):
        return steps
    return None
