"""Category 4 rules that are grammar, not vocabulary: a refund request (for the spec's
order-age rule), technical issues needing system access, multi-step processes.

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
