"""The admin-editable escalation policy, and the record of every escalation.

The engine never sees these rows: `escalation.policy_store` turns them into the pure
`escalation.policy.Policy` it decides with.
"""

from __future__ import annotations

import hashlib
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from escalation.policy import SENSITIVE_TOPIC_LABELS, Action, Category, Priority
from escalation.signals.classifier import LABELS


def _choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ").capitalize()) for member in enum]


def validate_categories(value: object) -> None:
    known = {str(c) for c in Category}
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError("A list of escalation categories.")
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValidationError(f"Unknown categories: {', '.join(unknown)}.")


SENSITIVE_TOPIC_CHOICES = [(str(topic), label) for topic, label in SENSITIVE_TOPIC_LABELS.items()]


class Plan(models.Model):
    """A customer plan. A VIP plan's skip-AI categories go straight to its queue, at its
    priority; a manager checks in when such a customer waits past its check-in minutes."""

    name = models.CharField(
        max_length=60, unique=True, help_text="The host site's plan claim matches it, any case."
    )
    tier = models.PositiveSmallIntegerField(default=0, help_text="Higher is more premium.")
    vip = models.BooleanField("VIP", default=False)
    skip_ai_categories = models.JSONField(
        "skip the AI for",
        default=list,
        blank=True,
        validators=[validate_categories],
        help_text="Issues of these categories go straight to a person (VIP plans only).",
    )
    dedicated_queue = models.SlugField(
        max_length=60, blank=True, help_text="The queue VIP escalations wait in."
    )
    priority = models.CharField(
        max_length=10,
        choices=_choices(Priority),
        default=Priority.URGENT.value,
        help_text="The priority of the issues that skip the AI.",
    )
    proactive_checkin_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Managers are alerted (console and email) when this plan's customer waits "
        "longer than this.",
    )

    class Meta:
        ordering = ["-tier", "name"]

    def __str__(self) -> str:
        return self.name


class EscalationRule(models.Model):
    """One category rule, as in the spec's `escalation_rules:` YAML."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120, blank=True)
    category = models.CharField(max_length=32, choices=_choices(Category))
    phrases = models.TextField(
        blank=True,
        help_text="Extra phrases or keywords, one per line. They extend the built-in "
        "detector of the category.",
    )
    amount_threshold = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Billing disputes over this amount escalate.",
    )
    order_age_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Refund requests for orders older than this escalate."
    )
    action = models.CharField(max_length=20, choices=_choices(Action), default=Action.ESCALATE)
    priority = models.CharField(max_length=10, choices=_choices(Priority), default=Priority.NORMAL)
    target_queue = models.SlugField(max_length=60, default="general")
    active = models.BooleanField(default=True)
    order = models.PositiveIntegerField(default=100, help_text="Lower runs first.")

    class Meta:
        ordering = ["order", "key"]

    def __str__(self) -> str:
        return self.name or self.key

    @property
    def phrase_list(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.phrases.splitlines() if line.strip())


def _unit() -> list[MinValueValidator | MaxValueValidator]:
    return [MinValueValidator(0.0), MaxValueValidator(1.0)]


def _signed_unit() -> list[MinValueValidator | MaxValueValidator]:
    return [MinValueValidator(-1.0), MaxValueValidator(1.0)]


class EscalationSettings(models.Model):
    """The spec's thresholds. One row (pk=1)."""

    respond_above = models.FloatField(
        default=0.8, validators=_unit(), help_text="Confidence above this: answer."
    )
    check_above = models.FloatField(
        default=0.6, validators=_unit(), help_text='From here: answer and ask "Did this help?".'
    )
    offer_above = models.FloatField(
        default=0.4,
        validators=_unit(),
        help_text="From here: answer and offer a person. Below: escalate.",
    )
    sentiment_escalate_below = models.FloatField(default=-0.5, validators=_signed_unit())
    sentiment_offer_below = models.FloatField(
        default=-0.2, validators=_signed_unit(), help_text="Acknowledge and offer a person."
    )
    same_question_count = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1)]
    )
    not_helpful_count = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1)]
    )
    unresolved_turns = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1)]
    )
    same_question_similarity = models.FloatField(default=0.5, validators=_unit())
    default_queue = models.SlugField(max_length=60, default="general")

    class Meta:
        verbose_name = verbose_name_plural = "escalation thresholds"

    def __str__(self) -> str:
        return "Escalation thresholds"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1  # A singleton: every save edits the one row.
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if not self.offer_above <= self.check_above <= self.respond_above:
            raise ValidationError("Confidence bands must satisfy offer ≤ check ≤ respond.")
        if not self.sentiment_escalate_below <= self.sentiment_offer_below:
            raise ValidationError(
                "Sentiment: the escalate threshold must be ≤ the offer threshold."
            )


class ClassifierThreshold(models.Model):
    """An admin's override of one trained classifier's thresholds (empty: the model's own,
    chosen on the frozen validation split for precision)."""

    label = models.CharField(max_length=40, unique=True, choices=[(x, x) for x in LABELS])
    settings = models.ForeignKey(
        EscalationSettings, on_delete=models.CASCADE, related_name="classifier_thresholds"
    )
    escalate_at = models.FloatField(
        null=True,
        blank=True,
        validators=_unit(),
        help_text="Probability from which this trigger escalates. Empty: the model's value.",
    )
    offer_at = models.FloatField(
        null=True,
        blank=True,
        validators=_unit(),
        help_text="Probability from which the bot offers a person. Empty: the model's value.",
    )

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        both = self.escalate_at is not None and self.offer_at is not None
        if both and not 0 < self.offer_at <= self.escalate_at:  # type: ignore[operator]
            raise ValidationError("The offer threshold must be above 0 and ≤ escalate.")


GATHERED_LABELS = {
    "order_numbers": "Order",
    "invoice_ids": "Invoice",
    "amounts": "Amount",
    "emails": "Email",
    "phones": "Phone",
    "dates": "Date",
}


def gathered_items(*entity_dicts: dict[str, Any]) -> list[dict[str, str]]:
    """Labelled, de-duplicated items ("Order #48213") from entity dicts, first seen first."""
    items: list[dict[str, str]] = []
    for entities in entity_dicts:
        for key, label in GATHERED_LABELS.items():
            for value in entities.get(key, []):
                text = str(value.get("text") if isinstance(value, dict) else value)
                if text and {"label": label, "text": text} not in items:
                    items.append({"label": label, "text": text})
    return items


class Outcome(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    NOT_RESOLVED = "not_resolved", "Not resolved"


class Escalation(models.Model):
    """A handoff from the bot to a person: why, how sure, and what the agent needs to know."""

    conversation = models.ForeignKey(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="escalations"
    )
    message = models.ForeignKey(
        "conversations.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The visitor message that triggered it.",
    )
    created = models.DateTimeField(auto_now_add=True)
    category = models.CharField(max_length=32, choices=_choices(Category))
    rule = models.CharField(
        max_length=60, blank=True, help_text="Rule key or threshold that fired."
    )
    priority = models.CharField(max_length=10, choices=_choices(Priority), default=Priority.NORMAL)
    target_queue = models.SlugField(max_length=60, default="general")
    sensitive_topic = models.CharField(
        max_length=20,
        choices=SENSITIVE_TOPIC_CHOICES,
        blank=True,
        help_text="Set when the conversation was escalated for a sensitive topic: specialists "
        "handle it and the bot never answers in it again.",
    )
    explanation = models.CharField(max_length=500, help_text="The reason, in one sentence.")
    reasons = models.JSONField(
        default=list, help_text="Every trigger: signal, value, rule, threshold."
    )
    signals = models.JSONField(default=dict, blank=True)
    sentiment = models.FloatField(default=0.0)
    sentiment_breakdown = models.JSONField(default=dict, blank=True)
    # What the visitor wrote last while waiting for a person, for the live queue row.
    waiting_sentiment = models.FloatField(
        null=True,
        blank=True,
        help_text="Sentiment of the visitor's latest message while waiting; empty: none yet.",
    )
    waiting_line = models.CharField(
        max_length=200, blank=True, help_text="The visitor's latest message while waiting."
    )
    ai_attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Bot answers before handoff."
    )
    ai_answers = models.JSONField(
        default=list, blank=True, help_text="What the bot answered, with confidence."
    )
    entities = models.JSONField(
        default=dict, blank=True, help_text="Order numbers, amounts, emails…"
    )
    summary = models.TextField(blank=True)
    summary_source = models.CharField(max_length=12, blank=True, help_text="extractive or llm")

    # What happened next, for the metrics: time to human, resolution, the agent's verdict on
    # the escalation and the handoff, and the visitor's post-escalation CSAT.
    agent = models.ForeignKey(
        "agents.AgentProfile",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalations",
        help_text="The agent who took it (the last one, after transfers).",
    )
    assigned_at = models.DateTimeField(null=True, blank=True, help_text="A person took over.")
    first_agent_reply_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=14, choices=Outcome.choices, blank=True)
    appropriate = models.BooleanField(
        null=True, blank=True, help_text="The agent's answer to “Was this escalation appropriate?”"
    )
    could_ai_have_handled = models.BooleanField(null=True, blank=True)
    handoff_quality = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    handoff_comment = models.TextField(blank=True)
    csat_score = models.PositiveSmallIntegerField(
        "CSAT", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    csat_comment = models.TextField("CSAT comment", blank=True)
    csat_at = models.DateTimeField(null=True, blank=True)
    model_version = models.CharField(
        max_length=60, blank=True, help_text="The triage model version that made the decision."
    )

    class Meta:
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["-created"]),
            models.Index(fields=["category", "-created"]),
            # The dashboard's set of conversations escalated since a day, from the index alone.
            models.Index(fields=["created", "conversation"], name="escalation_created_conv"),
            # Every column the dashboard's passes over a period's escalations read (KPI counts,
            # time to human, the chart series, the reasons): an index-only range scan instead of
            # a table lookup per escalation.
            models.Index(
                fields=[
                    "created",
                    "category",
                    "rule",
                    "target_queue",
                    "outcome",
                    "first_agent_reply_at",
                    "appropriate",
                    "could_ai_have_handled",
                    "csat_score",
                    "handoff_quality",
                    "conversation",
                ],
                name="escalation_dashboard_cover",
            ),
            # A conversation's escalations from a time on (did the visitor accept the bot's
            # offer of a person?). Without it PostgreSQL probes `escalation_created_conv` from
            # the offer's time to now, for every offer: seconds over a quarter.
            models.Index(fields=["conversation", "created"], name="escalation_conv_created"),
            # The dashboard's latest handoff comments: the few commented escalations only.
            models.Index(
                fields=["created"],
                condition=~models.Q(handoff_comment=""),
                name="escalation_commented",
            ),
            # The supervisor's live count of resolved escalations without a verdict, pushed on
            # every resolve to every supervisor socket: the unreviewed ones only.
            models.Index(
                fields=["resolved_at"],
                condition=models.Q(resolved_at__isnull=False, appropriate__isnull=True),
                name="escalation_unreviewed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.created:%Y-%m-%d %H:%M}"

    @property
    def reason_sentence(self) -> str:
        """The deciding reason in one sentence ("The visitor asked for a human.")."""
        text = (self.reasons[0].get("text") if self.reasons else "") or self.explanation
        text = text.strip()
        return f"{text[:1].upper()}{text[1:]}{'' if text.endswith('.') else '.'}"

    @property
    def sensitive_label(self) -> str:
        """ "Health & safety", for the console's "Sensitive · …" marker ("" if not sensitive)."""
        return SENSITIVE_TOPIC_LABELS.get(self.sensitive_topic, "") if self.sensitive_topic else ""

    @property
    def gathered(self) -> list[dict[str, str]]:
        """Order numbers, amounts, emails… as labelled items for the handoff card."""
        return gathered_items(self.entities or {})

    @property
    def time_to_human_seconds(self) -> float | None:
        """Escalation → the first message a person actually wrote (the spec's key metric);
        None while nobody has written, however long ago someone was assigned."""
        if self.first_agent_reply_at is None:
            return None
        return (self.first_agent_reply_at - self.created).total_seconds()

    @property
    def time_to_assignment_seconds(self) -> float | None:
        """Escalation → an agent took the chat (auto-assign or a claim)."""
        if self.assigned_at is None:
            return None
        return (self.assigned_at - self.created).total_seconds()

    @property
    def first_reply_seconds(self) -> float | None:
        if self.first_agent_reply_at is None:
            return None
        return (self.first_agent_reply_at - self.created).total_seconds()


HANDOFF_PLACEHOLDERS = {
    "team": "billing",
    "wait": "about 2–3 minutes",
    "help": "They'll be able to review your account history and process any adjustments.",
}


def validate_handoff_text(value: str) -> None:
    try:
        value.format(**HANDOFF_PLACEHOLDERS)
    except (KeyError, IndexError, ValueError) as error:
        raise ValidationError(
            f"Use only the placeholders {{team}}, {{wait}} and {{help}} ({error})."
        ) from error


class HandoffMessage(models.Model):
    """What the visitor reads at the handoff, per escalation reason (blank category: default)."""

    category = models.CharField(
        max_length=32,
        choices=_choices(Category),
        blank=True,
        unique=True,
        help_text="Leave blank for the default used by every reason without its own text.",
    )
    text = models.TextField(
        validators=[validate_handoff_text],
        help_text="Placeholders: {team} (e.g. “billing”), {wait} (“in about 2–3 minutes”, or "
        "“as soon as possible” when no one is online) and {help} (what the team can do, e.g. "
        "“They'll be able to review your account history and process any adjustments.”).",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category"]

    def __str__(self) -> str:
        return self.get_category_display() if self.category else "Default"


def validate_protocol_text(value: str) -> None:
    try:
        value.format(**HANDOFF_PLACEHOLDERS)
    except (KeyError, IndexError, ValueError) as error:
        raise ValidationError(
            f"Use only the placeholders {{team}} and {{wait}} ({error}); write {{{{ and }}}} "
            "for a literal brace."
        ) from error


class SensitiveProtocol(models.Model):
    """The documented response protocol for one sensitive topic: what the visitor reads when
    the chat goes to the specialists, and what the agent is asked to do."""

    topic = models.CharField(max_length=20, choices=SENSITIVE_TOPIC_CHOICES, unique=True)
    visitor_text = models.TextField(
        validators=[validate_protocol_text],
        help_text="Shown to the visitor at the handoff instead of the usual handoff message. "
        "Placeholders: {team} (e.g. “specialist”) and {wait} (“in about 2–3 minutes”, or “as "
        "soon as possible” when no one is online).",
    )
    agent_guidance = models.TextField(
        help_text="Shown to the agent on the handoff card: the steps of the protocol."
    )
    active = models.BooleanField(
        default=True, help_text="Inactive: the built-in text for this topic is used."
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["topic"]
        verbose_name = "sensitive-topic protocol"

    def __str__(self) -> str:
        return self.get_topic_display()


# The learning loop (docs/escalation.md, "Learning from verdicts").

NONE_LABEL = "none"
EXAMPLE_LABEL_CHOICES = [(NONE_LABEL, "none (the bot should have answered)")] + [
    (label, label.replace("_", " ")) for label in LABELS
]


class TriageExample(models.Model):
    """A visitor message a supervisor labelled from an agent's verdict, for retraining the
    triage (`escalation_train --with-verdicts`). Never part of the frozen validation split."""

    text = models.TextField()
    # sha256 of `text`, set on save: the unique key (a long text exceeds PostgreSQL's btree
    # row limit, ~2.7 KB, so the text itself cannot be in the unique index).
    text_hash = models.CharField(max_length=64, editable=False, default="")
    label = models.CharField(max_length=40, choices=EXAMPLE_LABEL_CHOICES, default=NONE_LABEL)
    conversation = models.ForeignKey(
        "conversations.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="triage_examples",
    )
    escalation = models.ForeignKey(
        Escalation, on_delete=models.SET_NULL, null=True, blank=True, related_name="examples"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Clicking twice stores once (the label of the first click stands).
            models.UniqueConstraint(
                fields=["conversation", "text_hash"], name="triage_example_unique_hash"
            )
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.text[:60]}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.text_hash = self.hash_of(self.text)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "text" in update_fields:
            kwargs["update_fields"] = {*update_fields, "text_hash"}
        super().save(*args, **kwargs)

    @staticmethod
    def hash_of(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()


class TriageModelVersion(models.Model):
    """A trained triage model with its validation metrics. The active row is the model the
    engine decides with; none active (or a row without weights): the shipped file's."""

    version = models.CharField(max_length=60, unique=True, help_text="Timestamp + content hash.")
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    metrics = models.JSONField(
        default=dict, blank=True, help_text="Per label and macro, on the frozen validation split."
    )
    examples = models.PositiveIntegerField(
        default=0, help_text="Supervisors' labelled examples it was trained with."
    )
    note = models.CharField(max_length=300, blank=True, help_text="Why it was (not) activated.")
    model = models.JSONField(null=True, blank=True, help_text="The whole model (weights).")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "triage model version"
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="one_active_triage_model"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version}{' (active)' if self.active else ''}"
