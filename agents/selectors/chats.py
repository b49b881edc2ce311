"""Reads for the chats in a console: each with its warm-handoff card, in fixed queries."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

from django.conf import settings
from django.db.models import Prefetch, Q

from agents.models import AgentProfile, CannedReply, ChatParticipant, Note
from agents.selectors.access import OWNER, WRITERS
from agents.selectors.customers import CustomerCard, CustomerHistory, customer_histories
from conversations.models import Conversation, Message
from escalation.models import Escalation
from escalation.reason_words import Attempt, attempts_with_questions, reason_in_words
from escalation.selectors import Protocol, gathered_from, sensitive_protocols, sentiment_label

TREND_POINTS = 8
TREND_STEP = 0.15  # a change in sentiment smaller than this reads as "steady"


@dataclass(frozen=True)
class Entry:
    """One line of the transcript: a message, or an internal note (agents only)."""

    item: Message | Note
    is_note: bool

    @property
    def created(self) -> datetime:
        return self.item.created


@dataclass(frozen=True)
class SentimentTrend:
    public_id: str
    points: list[float]  # the visitor's recent messages, oldest first
    at_handoff: float | None

    @property
    def now(self) -> float | None:
        return self.points[-1] if self.points else self.at_handoff

    @property
    def label(self) -> str:
        return sentiment_label(self.now) if self.now is not None else "neutral"

    @property
    def direction(self) -> str:
        first_point = self.points[0] if self.points else None
        start = self.at_handoff if self.at_handoff is not None else first_point
        if start is None or self.now is None or abs(self.now - start) < TREND_STEP:
            return "steady"
        return "improving" if self.now > start else "worsening"

    @property
    def bars(self) -> list[dict]:
        """Bar heights (8–100 %) and moods for a small inline chart."""
        return [
            {"height": round(8 + 46 * (1 + score)), "mood": sentiment_label(score), "score": score}
            for score in self.points[-TREND_POINTS:]
        ]


@dataclass(frozen=True)
class ChatView:
    conversation: Conversation
    role: str
    escalation: Escalation | None
    entries: list[Entry]
    previous_total: int
    previous_resolved: int
    visitor_note: Message | None
    sentiment: SentimentTrend
    added_while_waiting: list[Message] = field(default_factory=list)
    handover_notes: list[Note] = field(default_factory=list)
    gathered: list[dict[str, str]] = field(default_factory=list)
    history: CustomerHistory = field(default_factory=CustomerHistory)
    protocol: Protocol | None = None  # a sensitive topic's: the guidance on the card
    reason: str = ""  # the deciding trigger in plain words ("Billing dispute over $100")
    trigger_quote: str = ""  # the visitor message that escalated
    attempts: list[Attempt] = field(default_factory=list)  # AI answers with their questions

    @property
    def customer(self) -> CustomerCard:
        return CustomerCard(customer=self.conversation.customer, history=self.history)

    @property
    def public_id(self) -> str:
        return str(self.conversation.public_id)

    @property
    def can_write(self) -> bool:
        return self.role in WRITERS and self.conversation.status == Conversation.Status.ASSIGNED

    @property
    def is_owner(self) -> bool:
        return self.role == OWNER

    @property
    def typing(self) -> dict:
        return {"id": self.public_id, "text": ""}


def workspace_chats(*, agent: AgentProfile) -> list[ChatView]:
    """The chats open in the agent's tabs: assigned to them, or joined / observed."""
    mine = Q(status=Conversation.Status.ASSIGNED, assigned_agent=agent) | Q(
        participants__agent=agent
    )
    ids = Conversation.objects.filter(mine).values("pk")
    return _chat_views(Conversation.objects.filter(pk__in=ids).order_by("assigned_at", "pk"), agent)


def chat_view(*, agent: AgentProfile, public_id: str) -> ChatView | None:
    """One chat with its card, if the agent may see it."""
    views = _chat_views(Conversation.objects.filter(public_id=public_id), agent)
    return views[0] if views else None


def sentiment_trend(*, conversation: Conversation) -> SentimentTrend:
    scores = (
        conversation.messages.filter(sender=Message.Sender.CUSTOMER)
        .order_by("-seq")
        .values_list("metadata", flat=True)[:TREND_POINTS]
    )
    latest = (
        Escalation.objects.filter(conversation=conversation)
        .order_by("-created", "-pk")
        .values_list("sentiment", flat=True)
        .first()
    )
    points = [s for s in (_message_sentiment(m) for m in reversed(scores)) if s is not None]
    return SentimentTrend(public_id=str(conversation.public_id), points=points, at_handoff=latest)


def note_get(*, note_id: int) -> Note | None:
    return Note.objects.select_related("author__user", "conversation").filter(pk=note_id).first()


def message_get(*, conversation_public_id: str, seq: int) -> Message | None:
    return Message.objects.filter(conversation__public_id=conversation_public_id, seq=seq).first()


class CannedReplyRow(TypedDict):
    title: str
    shortcut: str
    body: str


def canned_replies() -> list[CannedReplyRow]:
    return list(
        CannedReply.objects.filter(active=True)
        .values("title", "shortcut", "body")
        .order_by("shortcut")
    )


def _chat_views(conversations, agent: AgentProfile) -> list[ChatView]:
    conversations = list(
        conversations.select_related(
            "customer__plan", "queue", "assigned_agent__user"
        ).prefetch_related(
            newest_escalation(),
            Prefetch("messages", queryset=Message.objects.order_by("seq"), to_attr="all_messages"),
            Prefetch(
                "notes",
                queryset=Note.objects.select_related("author__user").order_by("created", "pk"),
                to_attr="all_notes",
            ),
            Prefetch(
                "participants",
                queryset=ChatParticipant.objects.filter(agent=agent),
                to_attr="my_participation",
            ),
        )
    )
    histories = customer_histories(conversations=conversations, agent=agent)
    # One more query, only when a sensitive chat is open: its protocol's guidance.
    protocols = sensitive_protocols(
        topics={
            e.sensitive_topic
            for c in conversations
            for e in c.newest_escalations[:1]
            if e.sensitive_topic
        }
    )
    views = []
    for conversation in conversations:
        role = _role(conversation, agent)
        if role is None:
            continue
        views.append(_chat_view(conversation, role, histories[conversation.pk], protocols))
    return views


def _chat_view(
    conversation: Conversation,
    role: str,
    history: CustomerHistory,
    protocols: dict[str, Protocol],
) -> ChatView:
    # Prefetch(to_attr=...) adds attributes that no type declares.
    escalation = first(conversation.newest_escalations)  # type: ignore[attr-defined]
    messages = conversation.all_messages  # type: ignore[attr-defined]
    notes = conversation.all_notes  # type: ignore[attr-defined]
    entries = [Entry(m, False) for m in messages] + [Entry(n, True) for n in notes]
    entries.sort(key=lambda e: (e.created, e.is_note))
    scores = [
        _message_sentiment(m.metadata) for m in messages if m.sender == Message.Sender.CUSTOMER
    ]
    waiting = _written_while_waiting(messages, escalation)
    return ChatView(
        conversation=conversation,
        role=role,
        escalation=escalation,
        entries=entries,
        previous_total=history.total,
        previous_resolved=history.resolved,
        history=history,
        visitor_note=waiting[0] if waiting else None,
        added_while_waiting=waiting[1:],
        sentiment=SentimentTrend(
            public_id=str(conversation.public_id),
            points=[s for s in scores if s is not None][-TREND_POINTS:],
            at_handoff=escalation.sentiment if escalation else None,
        ),
        handover_notes=[n for n in notes if n.kind == Note.Kind.TRANSFER],
        gathered=gathered_from(
            escalation=escalation,
            texts=[m.body for m in messages if m.sender == Message.Sender.CUSTOMER],
        ),
        protocol=protocols.get(escalation.sensitive_topic) if escalation else None,
        **_card_words(escalation, messages),
    )


def escalation_in_words(escalation: Escalation) -> str:
    """The deciding reason in plain words ("Billing dispute over $100"), no rule keys."""
    return reason_in_words(
        category=escalation.category,
        reason=escalation.reasons[0] if escalation.reasons else None,
        currency=settings.CHATSY_CURRENCY,
        topic=escalation.sensitive_label,
    )


def _card_words(escalation: Escalation | None, messages: list[Message]) -> dict:
    """The reason in plain words, the message that escalated, and each AI attempt with the
    question it answered (from the prefetched messages: no query)."""
    if escalation is None:
        return {}
    asked = [(m.seq, m.body) for m in messages if m.sender == Message.Sender.CUSTOMER]
    trigger = next((m for m in messages if m.pk == escalation.message_id), None)
    return {
        "reason": escalation_in_words(escalation),
        "trigger_quote": trigger.body if trigger else "",
        "attempts": attempts_with_questions(
            answers=escalation.ai_answers or [],
            visitor_messages=asked,
            escalating_seq=trigger.seq if trigger else None,
        ),
    }


def _role(conversation: Conversation, agent: AgentProfile) -> str | None:
    if (
        conversation.status == Conversation.Status.ASSIGNED
        and conversation.assigned_agent_id == agent.pk
    ):
        return OWNER
    participation = first(conversation.my_participation)  # type: ignore[attr-defined]
    return participation.role if participation else None


def _written_while_waiting(messages: list[Message], escalation: Escalation | None) -> list[Message]:
    """What the visitor wrote after the handoff message, before a person joined or wrote: the
    first answers "anything you'd like me to add?" (the visitor's note), the rest were added
    while waiting. Each was acknowledged to the visitor as added to the notes."""
    if escalation is None:
        return []
    after_handoff, written = False, []
    for message in messages:
        event = message.metadata.get("event")
        if event == "handoff" and message.metadata.get("escalation_id") == escalation.pk:
            after_handoff = True
        elif after_handoff and (event == "agent_joined" or message.sender == "agent"):
            break
        elif after_handoff and message.sender == Message.Sender.CUSTOMER:
            written.append(message)
    return written


def _message_sentiment(metadata: dict) -> float | None:
    """Live sentiment (stored while a person owns the chat) or the bot turn's signal."""
    if isinstance(metadata.get("sentiment"), int | float):
        return float(metadata["sentiment"])
    value = (metadata.get("signals") or {}).get("sentiment")
    return float(value) if isinstance(value, int | float) else None


def newest_escalation() -> Prefetch:
    return Prefetch(
        "escalations",
        queryset=Escalation.objects.order_by("-created", "-pk"),
        to_attr="newest_escalations",
    )


def first(items: list):
    return items[0] if items else None


def chats_last_seq(*, public_ids: Iterable[str]) -> dict[str, int]:
    """Each conversation's latest seq, by public id (str): one query."""
    rows = Conversation.objects.filter(public_id__in=list(public_ids)).values_list(
        "public_id", "last_seq"
    )
    return {str(public_id): last_seq for public_id, last_seq in rows}
