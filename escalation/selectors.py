"""Reads for the escalation engine: the conversation as the pure engine sees it."""

from __future__ import annotations

from conversations.models import Conversation, Message
from escalation.engine import HISTORY_LIMIT, BotAnswer, Snapshot
from escalation.policy_store import plan_spec


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
        plan=plan_spec(customer.plan) if customer.plan_id else None,
    )


def ai_answers(*, conversation: Conversation) -> list[dict]:
    """What the bot answered so far, with its confidence: the handoff card's "AI attempts"."""
    return [
        {"seq": m.seq, "text": m.body[:500], "confidence": m.metadata.get("confidence")}
        for m in conversation.messages.filter(sender=Message.Sender.BOT).order_by("seq")
        if "confidence" in m.metadata
    ]
