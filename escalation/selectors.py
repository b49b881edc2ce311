"""Reads for escalation: the conversation as the pure engine sees it, and the handoff's rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KeyTransform

from conversations.models import Conversation, Message
from escalation import copy
from escalation.engine import HISTORY_LIMIT, BotAnswer, Snapshot
from escalation.models import Escalation, HandoffMessage, SensitiveProtocol, gathered_items
from escalation.policy import Policy
from escalation.policy_store import policy_current
from escalation.signals.entities import extract_entities
from escalation.signals.sentiment import Sentiment, score_sentiment
from escalation.signals.text import prepare_cached

# Rows the bot's turn reads: the engine's history (HISTORY_LIMIT * 2 without system messages)
# and the system messages among them; and up to TURN_WINDOW_LATER that arrived since (a
# "Did this help?" click on the answer to the message, when the reconciler reruns a turn late).
TURN_WINDOW = HISTORY_LIMIT * 2 + 10
TURN_WINDOW_LATER = 10


@dataclass(frozen=True)
class WindowRow:
    """A message as the bot's turn reads it: no model instance, no metadata beyond these."""

    pk: int
    seq: int
    sender: str
    body: str
    confidence: float | None  # bot answers: the responder's confidence
    actions: list[dict[str, str]] | None  # bot messages: the quick replies it showed
    feedback: str | None  # bot messages: the visitor's "Did this help?" answer
    fell_back: bool  # bot answers the offline responder gave because the LLM failed


@dataclass(frozen=True)
class TurnWindow:
    """A visitor message with what the bot's turn needs around it, read in ONE query."""

    status: str  # the conversation's, as stored now
    plan: str | None  # the customer's plan's name
    message: WindowRow
    earlier: Sequence[WindowRow]  # the latest messages before `message`, oldest first
    later: Sequence[WindowRow]  # messages after it (a button clicked under its answer)
    visitor_turns: int  # visitor messages up to and including `message`
    # The topic the conversation was escalated for, if ever for a sensitive one: then the
    # bot never answers in it again (escalation.turn).
    sensitive_topic: str = ""

    @property
    def rows(self) -> list[WindowRow]:
        return [*self.earlier, self.message, *self.later]

    # Clicks and failures count within the window (the last TURN_WINDOW messages), so a turn
    # costs the same in a chat of 10 messages and of 10,000.
    @property
    def helpful_clicks(self) -> int:
        return sum(row.feedback == "helpful" for row in self.rows)

    @property
    def not_helpful_clicks(self) -> int:
        return sum(row.feedback == "not_helpful" for row in self.rows)

    @property
    def ai_failures(self) -> int:
        return sum(row.fell_back for row in self.rows)


def turn_window(*, conversation_id: int, message_seq: int) -> TurnWindow:
    """The message's row and the rows around it (a range of `seq`, read through the unique
    (conversation, seq) index), with the conversation's status, the customer's plan and the
    visitor's turns so far (a subquery the database evaluates once). Plain values, not models,
    and only the metadata keys the turn reads: this runs for every visitor message, and costs
    the same in a chat of 10 messages and of 10,000."""
    bot, customer = Message.Sender.BOT, Message.Sender.CUSTOMER

    def key(name: str) -> KeyTransform:
        return KeyTransform(name, "metadata")

    visitor_turns = (
        Message.objects.filter(
            conversation_id=conversation_id, sender=customer, seq__lte=message_seq
        )
        .values("conversation_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    fields = ("pk", "seq", "sender", "body", "confidence", "actions", "feedback", "responder")
    rows = list(
        Message.objects.filter(
            conversation_id=conversation_id,
            seq__gt=message_seq - TURN_WINDOW,
            seq__lte=message_seq + TURN_WINDOW_LATER,
        )
        .annotate(
            confidence=key("confidence"),
            actions=key("actions"),
            feedback=key("feedback"),
            responder=key("responder"),
            turns=Subquery(visitor_turns),
            status=F("conversation__status"),
            plan=F("conversation__customer__plan__name"),
            sensitive=Subquery(_sensitive_topics(conversation_id)[:1]),
        )
        .values(*fields, "turns", "status", "plan", "sensitive")
        .order_by("-seq")
    )
    first = next((values for values in rows if values["seq"] == message_seq), None)
    if first is None:
        raise LookupError(f"message {message_seq} of conversation {conversation_id} is gone")

    def row(values: dict[str, Any]) -> WindowRow:
        from_bot = values["sender"] == bot
        return WindowRow(
            pk=values["pk"],
            seq=values["seq"],
            sender=values["sender"],
            body=values["body"],
            confidence=values["confidence"] if from_bot else None,
            actions=values["actions"] if from_bot else None,
            feedback=values["feedback"] if from_bot else None,
            fell_back=from_bot and values["responder"] == "fallback",
        )

    return TurnWindow(
        status=first["status"],
        plan=first["plan"],
        message=row(first),
        earlier=[row(values) for values in reversed(rows) if values["seq"] < message_seq],
        later=[row(values) for values in reversed(rows) if values["seq"] > message_seq],
        visitor_turns=first["turns"],
        sensitive_topic=first["sensitive"] or "",
    )


def _sensitive_topics(conversation_id: int) -> QuerySet[Escalation, str]:
    """The conversation's sensitive topics, the latest first (a subquery of the turn's one
    query: the database evaluates it once)."""
    return (
        Escalation.objects.filter(conversation_id=conversation_id)
        .exclude(sensitive_topic="")
        .order_by("-created", "-pk")
        .values_list("sensitive_topic", flat=True)
    )


def conversation_sensitive_topic(*, conversation_id: int) -> str:
    """The topic the conversation was last escalated for among sensitive ones ("" if none)."""
    return _sensitive_topics(conversation_id).first() or ""


@dataclass(frozen=True)
class Protocol:
    """A sensitive topic's response protocol: the admin's active row, else the built-in."""

    topic: str
    visitor_text: str
    agent_guidance: str


def sensitive_protocol(*, topic: str) -> Protocol:
    row = SensitiveProtocol.objects.filter(topic=topic, active=True).first()
    if row is not None:
        return Protocol(topic, row.visitor_text, row.agent_guidance)
    return Protocol(topic, *copy.sensitive_protocol(topic))


def sensitive_protocols(*, topics: set[str]) -> dict[str, Protocol]:
    """The protocols of several topics in one query (the console's open chats)."""
    if not topics:
        return {}
    rows = {
        row.topic: Protocol(row.topic, row.visitor_text, row.agent_guidance)
        for row in SensitiveProtocol.objects.filter(topic__in=topics, active=True)
    }
    return {
        topic: rows.get(topic) or Protocol(topic, *copy.sensitive_protocol(topic))
        for topic in topics
    }


def snapshot_from(window: TurnWindow, *, policy: Policy) -> Snapshot:
    """The engine's view of the conversation when the window's message arrived. The plan is
    the policy's copy of the customer's (the policy is rebuilt whenever a plan is saved)."""
    earlier = [m for m in window.earlier if m.sender != Message.Sender.SYSTEM][-HISTORY_LIMIT * 2 :]
    return Snapshot(
        message=window.message.body,
        earlier_messages=tuple(m.body for m in earlier if m.sender == Message.Sender.CUSTOMER),
        bot_answers=tuple(
            BotAnswer(text=m.body, confidence=m.confidence)
            for m in earlier
            if m.sender == Message.Sender.BOT and m.confidence is not None
        ),
        helpful_clicks=window.helpful_clicks,
        not_helpful_clicks=window.not_helpful_clicks,
        visitor_turns=window.visitor_turns,
        plan=next((plan for plan in policy.plans if plan.name == window.plan), None),
    )


def snapshot_for(*, conversation: Conversation, message: Message) -> Snapshot:
    """The engine's view of the conversation when `message` (a visitor message) arrived."""
    window = turn_window(conversation_id=conversation.pk, message_seq=message.seq)
    return snapshot_from(window, policy=policy_current())


def ai_answers(*, conversation: Conversation) -> list[dict[str, Any]]:
    """What the bot answered so far, with its confidence: the handoff card's "AI attempts"."""
    return [
        {"seq": m.seq, "text": m.body[:500], "confidence": m.metadata.get("confidence")}
        for m in conversation.messages.filter(sender=Message.Sender.BOT).order_by("seq")
        if "confidence" in m.metadata
    ]


def escalations_unreviewed_count() -> int:
    """Resolved escalations nobody gave the "appropriate?" verdict (NULL = not reviewed): the
    appropriate-escalation rate is over the reviewed ones, and this says how many it leaves out."""
    return Escalation.objects.filter(resolved_at__isnull=False, appropriate__isnull=True).count()


def escalation_get(*, escalation_id: int) -> Escalation | None:
    return Escalation.objects.select_related("conversation").filter(pk=escalation_id).first()


def escalation_latest(*, conversation: Conversation) -> Escalation | None:
    return Escalation.objects.filter(conversation=conversation).order_by("-created", "-pk").first()


def csat_pending(*, conversation: Conversation) -> bool:
    """Resolved by a person and not rated yet: the widget shows the CSAT prompt."""
    if conversation.status != Conversation.Status.RESOLVED:
        return False
    latest = escalation_latest(conversation=conversation)
    return latest is not None and latest.resolved_at is not None and latest.csat_score is None


def bot_csat_pending(*, conversation: Conversation) -> bool:
    """The bot asked for its rating and none came yet (AI-only CSAT): asked again on reload."""
    return (
        conversation.status == Conversation.Status.BOT
        and conversation.bot_csat_offered_at is not None
        and conversation.bot_csat_score is None
        and not Escalation.objects.filter(conversation=conversation).exists()
    )


@dataclass(frozen=True)
class BotCsatState:
    """What escalation.bot_rules.bot_csat_due reads about a conversation."""

    status: str
    bot_answered: bool  # a bot answer from the responder (not only small talk)
    escalated: bool
    offered: bool


def bot_csat_state(*, conversation_id: int) -> BotCsatState:
    """One query: the conversation's status, and whether the bot answered / it was escalated."""
    answers = Message.objects.filter(
        conversation=OuterRef("pk"), sender=Message.Sender.BOT, metadata__has_key="responder"
    )
    row = (
        Conversation.objects.filter(pk=conversation_id)
        .annotate(
            bot_answered=Exists(answers),
            escalated=Exists(Escalation.objects.filter(conversation=OuterRef("pk"))),
        )
        .values("status", "bot_answered", "escalated", "bot_csat_offered_at")
        .get()
    )
    return BotCsatState(
        status=row["status"],
        bot_answered=row["bot_answered"],
        escalated=row["escalated"],
        offered=row["bot_csat_offered_at"] is not None,
    )


def first_agent_reply_at(*, escalation: Escalation) -> datetime | None:
    return (
        Message.objects.filter(
            conversation_id=escalation.conversation_id,
            sender=Message.Sender.AGENT,
            created__gte=escalation.created,
        )
        .order_by("seq")
        .values_list("created", flat=True)
        .first()
    )


def handoff_template(*, category: str) -> str | None:
    """The admin's handoff text for this reason, else their default, else None (built-in)."""
    texts = dict(
        HandoffMessage.objects.filter(active=True, category__in=[category, ""]).values_list(
            "category", "text"
        )
    )
    return texts.get(category) or texts.get("")


def gathered_from(*, escalation: Escalation | None, texts: list[str]) -> list[dict[str, str]]:
    """What the handoff found, plus anything the visitor mentioned elsewhere in the chat."""
    found = [extract_entities(prepare_cached(text)).to_dict() for text in texts]
    return gathered_items(escalation.entities if escalation else {}, *found)


def sentiment_score(text: str) -> float:
    """The visitor's mood in one message, in [-1, 1] (the handoff card's live sentiment)."""
    return score_sentiment(prepare_cached(text)).score


def sentiment_label(score: float) -> str:
    return Sentiment(score).label


def escalations_without_llm_summary(*, since: datetime) -> list[int]:
    """Ids of escalations created since `since` whose card still shows the extractive summary."""
    return list(
        Escalation.objects.filter(created__gte=since)
        .exclude(summary_source="llm")
        .order_by("created")
        .values_list("pk", flat=True)
    )
