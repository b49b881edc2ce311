"""The learning loop (docs/escalation.md, "Learning from verdicts"): the escalations whose
agent said the AI could have handled them, or that were not appropriate, become knowledge-base
drafts and labelled triage examples. Reads (`review_*`) and writes (`*_from_escalation`,
`triage_example_save`) for the console's review page; `triage_example_rows` feeds training.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from conversations.models import Article, Message
from escalation.models import NONE_LABEL, Escalation, TriageExample
from escalation.redaction import redacted
from escalation.signals.classifier import LABELS

__all__ = [
    "EXAMPLE_LABELS",
    "REVIEW_LINE",
    "ExampleRefused",
    "NONE_LABEL",
    "ReviewRow",
    "article_draft_from_escalation",
    "review_escalation_get",
    "review_escalations",
    "review_row",
    "triage_example_rows",
    "triage_example_save",
]

EXAMPLE_LABELS = (NONE_LABEL, *LABELS)
# Rows from supervisors' labels: `escalation.evaluation.is_validation` never puts them in the
# frozen validation split (a model must not be judged on the examples it was taught).
VERDICT_SOURCE = "chatsy/verdicts"
ANSWER_MESSAGES = 3  # the agent's first replies make the draft's body


REVIEW_LINE = (
    "Review before publishing: this draft was made from a customer's chat. Emails, order, "
    "invoice and phone numbers, amounts and the customer's name are replaced with "
    "placeholders such as [email] and [order number]; check for any other personal detail, "
    "put back general facts (a price, a policy's limit) and delete this line."
)


class ExampleRefused(ValueError):
    """A triage example cannot be saved: an unknown label, or no visitor message to label."""


def _needs_review() -> Q:
    return Q(could_ai_have_handled=True) | Q(appropriate=False)


@dataclass(frozen=True)
class ReviewRow:
    escalation: Escalation
    question: str
    answer: str
    labels: tuple[str, ...]  # examples already saved from its question
    draft_slug: str | None  # the article draft made from it, if any


def review_escalations(
    *,
    start: datetime,
    end: datetime,
    limit: int = 200,
    avoidable: bool = False,
    category: str = "",
    rule: str = "",
    queue: str = "",
    plan: int | None = None,
) -> list[ReviewRow]:
    """Escalations in [start, end) an agent judged avoidable or inappropriate, newest first,
    each with the visitor's question, the agent's answer and what was already made of it.
    The optional filters narrow it to what a dashboard figure counts: `avoidable` (only "the
    AI could have handled it"), a category, a rule, a target queue, a customer's plan."""
    wanted = {
        "category": category,
        "rule": rule,
        "target_queue": queue,
        "conversation__customer__plan_id": plan,
    }
    queryset = Escalation.objects.filter(
        Q(could_ai_have_handled=True) if avoidable else _needs_review(),
        created__gte=start,
        created__lt=end,
        **{field: value for field, value in wanted.items() if value not in ("", None)},
    )
    escalations = list(
        queryset.select_related("message", "conversation__customer", "agent__user")
        .prefetch_related("examples")
        .order_by("-created")[:limit]
    )
    answers = _agent_answers(escalations)
    slugs = set(
        Article.objects.filter(slug__in=[draft_slug(e) for e in escalations]).values_list(
            "slug", flat=True
        )
    )
    return [
        ReviewRow(
            escalation=e,
            question=escalation_question(e),
            answer=answers.get(e.pk, ""),
            labels=tuple(sorted({x.label for x in e.examples.all()})),
            draft_slug=draft_slug(e) if draft_slug(e) in slugs else None,
        )
        for e in escalations
    ]


def review_row(*, escalation_id: int) -> ReviewRow:
    escalation = (
        Escalation.objects.filter(_needs_review())
        .select_related("message", "conversation__customer", "agent__user")
        .get(pk=escalation_id)
    )
    slug = draft_slug(escalation)
    return ReviewRow(
        escalation=escalation,
        question=escalation_question(escalation),
        answer=_agent_answers([escalation]).get(escalation.pk, ""),
        labels=tuple(sorted(set(escalation.examples.values_list("label", flat=True)))),
        draft_slug=slug if Article.objects.filter(slug=slug).exists() else None,
    )


def review_escalation_get(*, escalation_id: int) -> Escalation:
    """Only escalations the review lists may be turned into drafts and examples."""
    return Escalation.objects.select_related("message", "conversation__customer").get(
        _needs_review(), pk=escalation_id
    )


def escalation_question(escalation: Escalation) -> str:
    """The visitor message that escalated (the latest visitor message before it otherwise)."""
    if escalation.message is not None:
        return escalation.message.body
    message = (
        Message.objects.filter(
            conversation_id=escalation.conversation_id,
            sender=Message.Sender.CUSTOMER,
            created__lte=escalation.created,
        )
        .order_by("-seq")
        .first()
    )
    return message.body if message else ""


def _agent_answers(escalations: list[Escalation]) -> dict[int, str]:
    """Each escalation's first agent replies, keyed by escalation: those after its own
    `created` and before the conversation's next escalation (a conversation can escalate
    twice), joined. Two queries for the page, however many rows."""
    if not escalations:
        return {}
    conversations = {e.conversation_id for e in escalations}
    starts: dict[int, list[datetime]] = {}
    for conversation_id, created in Escalation.objects.filter(
        conversation_id__in=conversations
    ).values_list("conversation_id", "created"):
        starts.setdefault(conversation_id, []).append(created)
    windows: dict[int, list[tuple[int, datetime, datetime | None]]] = {}
    for e in escalations:
        later = [start for start in starts.get(e.conversation_id, []) if start > e.created]
        windows.setdefault(e.conversation_id, []).append(
            (e.pk, e.created, min(later, default=None))
        )
    replies: dict[int, list[str]] = {e.pk: [] for e in escalations}
    messages = Message.objects.filter(
        conversation_id__in=conversations, sender=Message.Sender.AGENT
    ).order_by("conversation_id", "seq")
    for message in messages.only("conversation_id", "body", "created"):
        for pk, since, until in windows[message.conversation_id]:
            bodies = replies[pk]
            in_window = message.created >= since and (until is None or message.created < until)
            if in_window and len(bodies) < ANSWER_MESSAGES:
                bodies.append(message.body)
    return {pk: "\n\n".join(bodies) for pk, bodies in replies.items() if bodies}


def draft_slug(escalation: Escalation) -> str:
    return f"draft-escalation-{escalation.pk}"


@transaction.atomic
def article_draft_from_escalation(*, escalation: Escalation) -> tuple[Article, bool]:
    """An unpublished knowledge-base article from the visitor's question and the agent's
    answer, customer details redacted (escalation.redaction) under a "Review before
    publishing" line, for an admin to edit and publish. Once per escalation (False: it
    existed)."""
    customer = escalation.conversation.customer
    names = [customer.name] if customer.name else []
    question = redacted(escalation_question(escalation).strip(), names=names)
    answer = redacted(_agent_answers([escalation]).get(escalation.pk, "").strip(), names=names)
    body = answer or "(The agent's answer was not written in the chat: add it here.)"
    return Article.objects.get_or_create(
        slug=draft_slug(escalation),
        defaults={
            "title": (question or "Draft from an escalation")[:200],
            "body": f"{REVIEW_LINE}\n\n{body}",
            "published": False,
        },
    )


def triage_example_save(
    *, escalation: Escalation, label: str, user: Any
) -> tuple[TriageExample, bool]:
    """The escalating visitor message as a labelled example; stored once per conversation
    and text (False: it existed, and the first label stands)."""
    if label not in EXAMPLE_LABELS:
        raise ExampleRefused(f"Unknown label {label!r}: choose one of {', '.join(EXAMPLE_LABELS)}.")
    text = escalation_question(escalation).strip()
    if not text:
        raise ExampleRefused(
            "Not saved: this escalation has no visitor message to learn from (it was raised "
            "without one), so there is no text to label."
        )
    lookup = {
        "conversation_id": escalation.conversation_id,
        "text_hash": TriageExample.hash_of(text),
    }
    try:
        with transaction.atomic():
            return TriageExample.objects.get_or_create(
                **lookup,
                defaults={
                    "text": text,
                    "label": label,
                    "escalation": escalation,
                    "created_by": user,
                },
            )
    except IntegrityError:  # a concurrent click stored it first
        return TriageExample.objects.get(**lookup), False


def triage_example_rows() -> list[dict[str, Any]]:
    """The supervisors' examples as training rows (escalation.training's row shape)."""
    return [
        {
            "id": f"verdict:{pk}",
            "text": text,
            "expected": label,
            "labels": [] if label == NONE_LABEL else [label],
            "source": VERDICT_SOURCE,
            "file": "verdicts",
        }
        for pk, text, label in TriageExample.objects.order_by("pk").values_list(
            "pk", "text", "label"
        )
    ]
