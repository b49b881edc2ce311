"""Writes for escalation: the handoff from the bot to a person, and "Did this help?" feedback."""

from __future__ import annotations

import logging

import django.dispatch
from django.db import transaction

from chatsy import realtime
from conversations.models import Conversation, Message
from conversations.services import message_post_system
from escalation import copy, selectors
from escalation.engine import Decision
from escalation.models import Escalation
from escalation.summary import extractive_summary

logger = logging.getLogger(__name__)

# Sent inside the escalation's transaction with `escalation`: the agent queue subscribes to
# route the conversation (its writes commit or roll back with the escalation).
escalation_created = django.dispatch.Signal()


@transaction.atomic
def conversation_escalate(
    *, conversation_id: int, decision: Decision, message: Message | None = None
) -> Escalation | None:
    """Hand the conversation to a person: record why, move it to `queued`, tell the visitor.

    Returns None if the bot no longer owns the conversation (already escalated, or taken).
    """
    conversation = (
        Conversation.objects.select_for_update().select_related("customer").get(pk=conversation_id)
    )
    if conversation.status != Conversation.Status.BOT:
        return None
    details = decision.to_dict()
    answers = selectors.ai_answers(conversation=conversation)
    first_reason = decision.reasons[0] if decision.reasons else None
    escalation = Escalation.objects.create(
        conversation=conversation,
        message=message,
        category=decision.category,
        rule=first_reason.rule if first_reason else "",
        priority=str(decision.priority),
        target_queue=decision.target_queue,
        explanation=details["explanation"][:500],
        reasons=details["reasons"],
        signals=details["signals"],
        sentiment=decision.sentiment.score,
        sentiment_breakdown=details["sentiment"],
        ai_attempts=len(answers),
        ai_answers=answers,
        entities=details["entities"],
        summary=extractive_summary(
            conversation=conversation, entities=details["entities"], answers=answers
        ),
        summary_source="extractive",
    )
    Conversation.objects.filter(pk=conversation.pk).update(status=Conversation.Status.QUEUED)
    conversation.status = Conversation.Status.QUEUED
    message_post_system(
        conversation=conversation,
        body=copy.handoff_message(queue=decision.target_queue),
        metadata={"event": "handoff", "escalation_id": escalation.pk},
    )
    _status_broadcast_on_commit(conversation)
    escalation_created.send(sender=Escalation, escalation=escalation)
    logger.info("conversation %s escalated: %s", conversation.pk, details["explanation"])
    return escalation


@transaction.atomic
def message_record_feedback(*, message: Message, helpful: bool) -> bool:
    """Store the visitor's "Did this help?" answer once per bot message. False if already given."""
    locked = Message.objects.select_for_update().get(pk=message.pk)
    if locked.sender != Message.Sender.BOT or "feedback" in locked.metadata:
        return False
    locked.metadata = {**locked.metadata, "feedback": "helpful" if helpful else "not_helpful"}
    locked.save(update_fields=["metadata"])
    message.metadata = locked.metadata
    return True


def _status_broadcast_on_commit(conversation: Conversation) -> None:
    realtime.group_send_on_commit(
        realtime.conversation_group(conversation.public_id),
        {"type": "conversation.status", "status": conversation.status},
    )
