"""The escalation policy: rules, thresholds and plans, as plain serialisable dataclasses.

`Policy.default()` is the spec (seed/escalation-guide.txt) verbatim: confidence bands
0.8 / 0.6 / 0.4, sentiment -0.5 / -0.2, failures 3 / 2 / 10, billing disputes over $100,
security keywords hacked / unauthorized / fraud at priority, refunds past 90 days to a
manager, Enterprise and VIP plans skipping the bot for complex and sensitive issues. The Django
side builds a Policy from admin-edited rows with `Policy.from_dict`.

A rule's phrases *extend* the engine's built-in detector for its category (they never replace
it); set `active=False` to switch a category off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from escalation.engine import Decision
    from escalation.signals.classifier import TriageModel


class Action(StrEnum):
    RESPOND = "respond"
    RESPOND_CHECK = "respond_check"  # respond, then ask "Did this help?"
    OFFER = "offer"  # respond, and offer a human
    ACKNOWLEDGE_OFFER = "acknowledge_offer"  # acknowledge the frustration, offer a human
    ESCALATE = "escalate"  # hand over to a human now


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Category(StrEnum):
    NONE = "none"
    HUMAN_REQUEST = "human_request"
    LOW_CONFIDENCE = "low_confidence"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    BILLING_DISPUTE = "billing_dispute"
    SECURITY = "security"
    LEGAL = "legal"
    REFUND_EXCEPTION = "refund_exception"
    POLICY_EXCEPTION = "policy_exception"
    TECHNICAL = "technical"
    MULTI_STEP = "multi_step"
    SENSITIVE = "sensitive"
    REPEATED_FAILURE = "repeated_failure"
    VIP = "vip"


class SensitiveTopic(StrEnum):
    """The spec's sensitive topics ("Special Escalation Scenarios"). A conversation escalated
    for one stays with the specialists: the bot never answers in it again."""

    HEALTH_SAFETY = "health_safety"
    LEGAL_THREAT = "legal_threat"
    HARASSMENT = "harassment"
    ACCESSIBILITY = "accessibility"
    PRIVACY = "privacy"
    OTHER = "other"  # an operator's own keyword on the sensitive rule

    @property
    def label(self) -> str:
        return SENSITIVE_TOPIC_LABELS[self]


SENSITIVE_TOPIC_LABELS: dict[str, str] = {  # keyed by SensitiveTopic (a str)
    SensitiveTopic.HEALTH_SAFETY: "Health & safety",
    SensitiveTopic.LEGAL_THREAT: "Legal threat",
    SensitiveTopic.HARASSMENT: "Harassment",
    SensitiveTopic.ACCESSIBILITY: "Accessibility",
    SensitiveTopic.PRIVACY: "Privacy & data",
    SensitiveTopic.OTHER: "Sensitive topic",
}


# The specific issues (rather than a mood or a confidence) that name a conversation's category
# and queue; also what the VIP plans skip the bot for by default ("complex issues").
COMPLEX_CATEGORIES = frozenset(
    {
        Category.BILLING_DISPUTE,
        Category.SECURITY,
        Category.LEGAL,
        Category.REFUND_EXCEPTION,
        Category.POLICY_EXCEPTION,
        Category.TECHNICAL,
        Category.MULTI_STEP,
        Category.SENSITIVE,
    }
)

# The spec's YAML writes these actions as one word.
ACTION_SHORTHANDS: dict[str, dict[str, str]] = {
    "escalate_priority": {"action": "escalate", "priority": "urgent"},
    "escalate_to_manager": {"action": "escalate", "target_queue": "manager"},
}


@dataclass(frozen=True)
class Rule:
    """One admin-editable trigger. Lower `order` wins a tie between equal actions."""

    key: str
    category: str
    name: str = ""
    phrases: tuple[str, ...] = ()
    amount_threshold: float | None = None  # billing disputes: escalate above this amount
    order_age_days: int | None = None  # refunds: escalate orders older than this
    action: Action = Action.ESCALATE
    priority: Priority = Priority.NORMAL
    target_queue: str = "general"
    active: bool = True
    order: int = 100

    def __post_init__(self) -> None:
        # Accept plain strings (from the database or YAML) and fail early on a typo.
        object.__setattr__(self, "category", str(self.category))
        object.__setattr__(self, "action", Action(self.action))
        object.__setattr__(self, "priority", Priority(self.priority))
        object.__setattr__(self, "phrases", tuple(self.phrases))
        if not self.key or not self.category:
            raise ValueError("a rule needs a key and a category")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(
            action=str(self.action), priority=str(self.priority), phrases=list(self.phrases)
        )
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rule:
        values = _known_fields(cls, _expand_shorthand(data))
        if values.get("amount_threshold") is not None:
            values["amount_threshold"] = float(values["amount_threshold"])
        return cls(**values)


@dataclass(frozen=True)
class Thresholds:
    """The spec's numbers. Confidence bands: above respond_above respond; from check_above
    respond and ask "Did this help?"; from offer_above offer a human; below it escalate."""

    respond_above: float = 0.8
    check_above: float = 0.6
    offer_above: float = 0.4
    sentiment_escalate_below: float = -0.5
    sentiment_offer_below: float = -0.2
    same_question_count: int = 3
    not_helpful_count: int = 2
    unresolved_turns: int = 10
    same_question_similarity: float = 0.5  # Jaccard overlap that makes two questions "the same"

    def __post_init__(self) -> None:
        if not 0 <= self.offer_above <= self.check_above <= self.respond_above <= 1:
            raise ValueError("confidence bands must satisfy 0 <= offer <= check <= respond <= 1")
        if not -1 <= self.sentiment_escalate_below <= self.sentiment_offer_below <= 1:
            raise ValueError("sentiment thresholds must satisfy -1 <= escalate <= offer <= 1")
        if min(self.same_question_count, self.not_helpful_count, self.unresolved_turns) < 1:
            raise ValueError("failure counts must be at least 1")
        if not 0 < self.same_question_similarity <= 1:
            raise ValueError("same_question_similarity must be in (0, 1]")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Thresholds:
        return cls(**_known_fields(cls, data))


@dataclass(frozen=True)
class Plan:
    """A customer plan. A VIP plan sends issues of its `skip_ai_categories` straight to
    `dedicated_queue` at `priority`, skipping the bot; the manager's proactive check-in after
    `proactive_checkin_minutes` is the agents app's beat task."""

    name: str
    tier: int = 0
    vip: bool = False
    skip_ai_categories: tuple[str, ...] = ()
    dedicated_queue: str = ""
    priority: Priority = Priority.URGENT
    proactive_checkin_minutes: int | None = None

    def __post_init__(self) -> None:
        # Accept lists (JSON, YAML) and plain strings, and fail early on a typo.
        categories = tuple(str(Category(category)) for category in self.skip_ai_categories)
        object.__setattr__(self, "skip_ai_categories", categories)
        object.__setattr__(self, "priority", Priority(self.priority))

    def skips_ai_for(self, category: str) -> bool:
        return self.vip and category in self.skip_ai_categories

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(skip_ai_categories=list(self.skip_ai_categories), priority=str(self.priority))
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Plan:
        return cls(**_known_fields(cls, data))


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]
    thresholds: Thresholds = field(default_factory=Thresholds)
    plans: tuple[Plan, ...] = ()
    default_queue: str = "general"  # for confidence, sentiment and failure escalations
    # The trained classifiers for the fuzzy triggers, with the admin's thresholds applied.
    # Not part of the editable policy (no YAML): the caller attaches the shipped model.
    classifier: TriageModel | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "plans", tuple(self.plans))
        keys = [rule.key for rule in self.rules]
        if len(keys) != len(set(keys)):
            raise ValueError("rule keys must be unique")

    @classmethod
    def default(cls) -> Policy:
        return cls(rules=DEFAULT_RULES, plans=DEFAULT_PLANS)

    def with_classifier(self, classifier: TriageModel | None) -> Policy:
        return replace(self, classifier=classifier)

    def active_rules(self) -> tuple[Rule, ...]:
        """Active rules, lowest `order` first (sorted once per policy)."""
        return self._active_rules

    @cached_property
    def _active_rules(self) -> tuple[Rule, ...]:
        return tuple(sorted((r for r in self.rules if r.active), key=lambda r: r.order))

    def plan_named(self, name: str) -> Plan | None:
        return next((p for p in self.plans if p.name.lower() == name.lower()), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rules": [rule.to_dict() for rule in self.rules],
            "thresholds": self.thresholds.to_dict(),
            "plans": [plan.to_dict() for plan in self.plans],
            "default_queue": self.default_queue,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        return cls(
            rules=tuple(Rule.from_dict(rule) for rule in data.get("rules", ())),
            thresholds=Thresholds.from_dict(data.get("thresholds", {})),
            plans=tuple(Plan.from_dict(plan) for plan in data.get("plans", ())),
            default_queue=data.get("default_queue", "general"),
        )


def _expand_shorthand(data: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(data)
    expansion = ACTION_SHORTHANDS.get(str(values.get("action", "")))
    if expansion:
        values.update({k: v for k, v in expansion.items() if k == "action" or k not in data})
    return values


def _known_fields(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"unknown {cls.__name__} field(s): {', '.join(sorted(unknown))}")
    return dict(data)


HUMAN_REQUEST_PHRASES = (
    # The spec's trigger phrases, then common variants. Single words ("agent") count when
    # addressed ("speak to an agent", "agent please"), not in passing ("my travel agent");
    # so do the built-in roles ("customer service", "someone", "a person").
    "talk to a human",
    "speak to someone",
    "real person",
    "agent",
    "representative",
    "manager",
    "someone who can help",
    "this isn't working",
    "operator",
    "supervisor",
    "live chat with a person",
    "human agent",
    "live agent",
    "live person",
    "real human",
    "actual person",
    "actual human",
    "human being",
    "someone who can actually help",
    "anyone who can help",
    "somebody who can help",
    "this is not working",
    "this doesn't work",
    "this isn't helping",
    "you're not helping",
    "connect me to a human",
)

DEFAULT_RULES = (
    Rule(
        key="security_concern",
        name="Account security concern",
        category=Category.SECURITY,
        phrases=("hacked", "unauthorized", "fraud"),
        priority=Priority.URGENT,
        target_queue="security",
        order=10,
    ),
    Rule(
        key="legal_compliance",
        name="Legal or compliance question",
        category=Category.LEGAL,
        priority=Priority.HIGH,
        target_queue="legal",
        order=20,
    ),
    Rule(
        key="sensitive_topic",
        name="Sensitive topic",
        category=Category.SENSITIVE,
        priority=Priority.URGENT,
        target_queue="specialists",
        order=30,
    ),
    Rule(
        key="human_request",
        name="Explicit request for a human",
        category=Category.HUMAN_REQUEST,
        phrases=HUMAN_REQUEST_PHRASES,
        order=40,
    ),
    Rule(
        key="refund_request",
        name="Refund beyond the normal policy",
        category=Category.REFUND_EXCEPTION,
        order_age_days=90,
        target_queue="manager",
        order=50,
    ),
    Rule(
        key="billing_dispute",
        name="Billing dispute over the threshold",
        category=Category.BILLING_DISPUTE,
        amount_threshold=100.0,
        target_queue="billing",
        order=60,
    ),
    Rule(
        key="policy_exception",
        name="Request for an exception to policy",
        category=Category.POLICY_EXCEPTION,
        target_queue="manager",
        order=70,
    ),
    Rule(
        key="technical_issue",
        name="Technical issue needing system access",
        category=Category.TECHNICAL,
        target_queue="technical",
        order=80,
    ),
    Rule(
        key="multi_step",
        name="Multi-step process with dependencies",
        category=Category.MULTI_STEP,
        order=90,
    ),
)

# The spec's "complex and sensitive issues", in a stable order (admin, YAML).
VIP_SKIP_AI_CATEGORIES = tuple(str(c) for c in Category if c in COMPLEX_CATEGORIES)

DEFAULT_PLANS = (
    Plan(name="Free", tier=0),
    Plan(name="Pro", tier=1),
    Plan(
        name="Enterprise",
        tier=2,
        vip=True,
        skip_ai_categories=VIP_SKIP_AI_CATEGORIES,
        dedicated_queue="vip",
        priority=Priority.URGENT,
        proactive_checkin_minutes=15,
    ),
    Plan(
        name="VIP",
        tier=3,
        vip=True,
        skip_ai_categories=VIP_SKIP_AI_CATEGORIES,
        dedicated_queue="vip",
        priority=Priority.URGENT,
        proactive_checkin_minutes=15,
    ),
)


# --- priority while waiting -----------------------------------------------------------------
# A visitor who writes while queued can change how urgent the chat is ("Useless!", "someone
# used my card"): the queue re-sorts on it. Raise only: an agent's or a rule's priority is
# never undone by a calmer message, and a row never jumps back down under a watching agent.

_PRIORITY_ORDER = (Priority.NORMAL, Priority.HIGH, Priority.URGENT)
# Issues that put a waiting chat first however it came in (the spec's "escalate_priority"
# security keywords, legal questions, the sensitive topics' "priority routing").
URGENT_WHILE_WAITING = frozenset({Category.SECURITY, Category.LEGAL, Category.SENSITIVE})


def priority_while_waiting(*, current: str, decision: Decision) -> Priority:
    """The priority after a message written while waiting, from the engine's decision on it.
    A security, legal or sensitive issue it would escalate for makes it urgent; a mood it acts
    on (frustration acknowledged, or anger escalated: the policy's sentiment thresholds and
    the classifier) makes it at least high. It never goes down."""
    wanted = Priority.NORMAL
    if decision.sensitive_topic or (
        decision.escalates and decision.category in URGENT_WHILE_WAITING
    ):
        wanted = Priority.URGENT
    elif any(reason.signal == "sentiment" for reason in decision.reasons):
        wanted = Priority.HIGH
    now = Priority(current) if current in Priority._value2member_map_ else Priority.NORMAL
    return max(now, wanted, key=_PRIORITY_ORDER.index)
