"""The LLM summary on the handoff card: replaces the extractive one when (and if) it arrives."""

from __future__ import annotations

import asyncio
import logging

from chatsy import events, realtime
from conversations.assistant.config import llm_config
from conversations.assistant.llm import ResponderUnavailable, summarise
from conversations.models import Message
from escalation.models import Escalation

logger = logging.getLogger(__name__)

TRANSCRIPT_MESSAGES = 40


def escalation_summarise(*, escalation_id: int) -> bool:
    """Ask the LLM for 2–4 sentences; store them once. False when there's nothing to do."""
    escalation = Escalation.objects.filter(pk=escalation_id).select_related("conversation").first()
    config = llm_config()
    if escalation is None or escalation.summary_source == "llm" or not config.configured:
        return False  # The extractive summary stays (it was written with the escalation).
    messages = escalation.conversation.messages.exclude(sender=Message.Sender.SYSTEM).order_by(
        "-seq"
    )
    transcript = [(m.sender, m.body) for m in reversed(messages[:TRANSCRIPT_MESSAGES])]
    try:
        text = asyncio.run(summarise(config, transcript))
    except ResponderUnavailable as failure:
        logger.warning("LLM summary for escalation %s failed: %s", escalation_id, failure.reason)
        return False
    stored = (
        Escalation.objects.filter(pk=escalation_id)
        .exclude(summary_source="llm")
        .update(summary=text, summary_source="llm")
    )
    if stored:
        realtime.group_send(
            realtime.conversation_group(escalation.conversation.public_id),
            events.escalation_summary_updated(escalation_id=escalation_id),
        )
    return bool(stored)
