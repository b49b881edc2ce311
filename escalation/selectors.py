"""Reads for escalation: the conversation as the pure engine sees it, and the handoff's rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conversations.models import Conversation, Message
from escalation.engine import HISTORY_LIMIT, BotAnswer, Snapshot
from escalation.models import Escalation, HandoffMessage, gathered_items
from escalation.policy_store import plan_spec
from escalation.signals.entities import extract_entities
from escalation.signals.sentiment import Sentiment, score_sentiment
from escalation.signals.text import prepare_cached


def snapshot_for(*, conversation: Conversation, message: Message) -> Snapshot:
    """The engine's view of the conversation when `message` (a visitor message) arrived."""
    earlier = list(
        conversation.messages.filter(seq__lt=message.seq)
        .exclude(sender=Message.Sender.SYSTEM)
        .order_by("-seq")[: HISTORY_LIMIT * 2]
    )
    earlier.reverse()
    # Button clicks count over the whole conversation, including answers after `message`.
    feedback = list(
        conversation.messages.filter(
            sender=Message.Sender.BOT, metadata__has_key="feedback"
        ).values_list("metadata__feedback", flat=True)
    )
    customer = conversation.customer
    return Snapshot(
        message=message.body,
        earlier_messages=tuple(m.body for m in earlier if m.sender == Message.Sender.CUSTOMER),
        bot_answers=tuple(
            BotAnswer(text=m.body, confidence=m.metadata.get("confidence"))
            for m in earlier
            if m.sender == Message.Sender.BOT and "confidence" in m.metadata
        ),
        helpful_clicks=feedback.count("helpful"),
        not_helpful_clicks=feedback.count("not_helpful"),
        visitor_turns=conversation.messages.filter(
            sender=Message.Sender.CUSTOMER, seq__lte=message.seq
        ).count(),
        plan=plan_spec(customer.plan) if customer.plan is not None else None,
    )


def ai_answers(*, conversation: Conversation) -> list[dict[str, Any]]:
    """What the bot answered so far, with its confidence: the handoff card's "AI attempts"."""
    return [
        {"seq": m.seq, "text": m.body[:500], "confidence": m.metadata.get("confidence")}
        for m in conversation.messages.filter(sender=Message.Sender.BOT).order_by("seq")
        if "confidence" in m.metadata
    ]


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
