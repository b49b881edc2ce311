"""Writes for escalation: the handoff from the bot to a person, "Did this help?" feedback, and
what the metrics need afterwards (time to human, the agent's verdict, the visitor's CSAT)."""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from django.db import transaction
from django.db.models import F, Model, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from chatsy.redis import RedisUnavailable
from conversations import lifecycle
from conversations import selectors as conversations_selectors
from conversations.hooks import CsatResult
from conversations.models import Conversation, Message
from conversations.services import conversation_bot_csat_record, message_post_system
from escalation import copy, selectors
from escalation.buttons import SENSITIVE_FOLLOW_UP, sensitive_conversation
from escalation.engine import Decision, Snapshot, decide
from escalation.models import Escalation, Outcome
from escalation.policy import priority_while_waiting
from escalation.policy_store import policy_current
from escalation.routing import routing
from escalation.summary import extractive_summary
from escalation.tasks import summarise_escalation_enqueue

logger = logging.getLogger(__name__)

__all__ = [
    "CsatResult",
    "conversation_escalate",
    "escalation_record_assigned",
    "escalation_record_first_reply",
    "escalation_record_csat",
    "visitor_record_csat",
    "escalation_record_resolution",
    "escalation_wait_cancel",
    "message_record_feedback",
    "waiting_message_acknowledge",
]


@transaction.atomic
def conversation_escalate(
    *, conversation_id: int, decision: Decision, message: Message | None = None
) -> Escalation | None:
    """Hand the conversation to a person: record why, tell the visitor, move it to `queued`,
    put it in its queue (escalation.routing) and, on commit, ask for the LLM summary.

    Returns None if the bot no longer owns the conversation (already escalated, or taken).
    A conversation once escalated for a sensitive topic goes back to the specialists whatever
    the new reason ("Talk to a person", a failed turn, a takeover): the marker and the
    protocol stay with it.
    """
    conversation = (
        Conversation.objects.select_for_update().select_related("customer").get(pk=conversation_id)
    )
    if conversation.status != Conversation.Status.BOT:
        return None
    if not decision.sensitive_topic:
        earlier = selectors.conversation_sensitive_topic(conversation_id=conversation.pk)
        if earlier:
            decision = sensitive_conversation(
                policy_current(), topic=earlier, earlier=decision.reasons
            )
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
        sensitive_topic=decision.sensitive_topic,
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
        model_version=decision.model_version,
    )
    text, queue = _handoff_text(decision)
    message_post_system(
        conversation=conversation,
        body=text,
        # `team`: the widget's handoff card and header name who is coming (frames.PUBLIC_META).
        metadata={
            "event": "handoff",
            "escalation_id": escalation.pk,
            "team": copy.team_label(queue),
        }
        | ({"sensitive_topic": decision.sensitive_topic} if decision.sensitive_topic else {}),
    )
    lifecycle.conversation_queue(conversation=conversation)  # after the handoff text, as heard
    escalation_id = escalation.pk
    transaction.on_commit(lambda: summarise_escalation_enqueue(escalation_id))
    routing().route(
        conversation=conversation,
        target_queue=escalation.target_queue,
        category=escalation.category,
        priority=escalation.priority,
    )
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


@transaction.atomic
def waiting_message_acknowledge(*, message: Message) -> Message | None:
    """The visitor wrote while waiting for a person: say it was added to the notes (the agent's
    card lists it) and where they stand. Once per message: a retry finds the acknowledgement."""
    conversation = Conversation.objects.select_for_update().get(pk=message.conversation_id)
    # Assigned but not yet opened by its agent (auto-assign; "joined" comes when their console
    # shows the chat): still waiting, as far as the visitor can tell.
    assigned_unseen = conversation.status == Conversation.Status.ASSIGNED and not (
        conversations_selectors.agent_joined_announced(conversation=conversation)
    )
    if conversation.status != Conversation.Status.QUEUED and not assigned_unseen:
        return None
    acknowledged = Message.objects.filter(
        conversation=conversation, metadata__event="waiting_ack", metadata__for_seq=message.seq
    )
    if acknowledged.exists():
        return None
    state = None
    if not assigned_unseen:
        with contextlib.suppress(RedisUnavailable):  # the acknowledgement goes without a place
            state = routing().queue_state(conversation=conversation)
    team = copy.team_name(state["queue"] if state else _queue_slug(conversation))
    place = copy.AGENT_COMING if assigned_unseen else (state["text"] if state else "")
    acknowledgement = message_post_system(
        conversation=conversation,
        body=copy.added_to_notes(team=team, place=place),
        metadata={"event": "waiting_ack", "for_seq": message.seq},
    )
    _waiting_reassess(conversation, message)
    return acknowledgement


def _waiting_reassess(conversation: Conversation, message: Message) -> None:
    """The queue row follows what the waiting visitor writes: their mood now, their latest
    line, and a priority that may rise (policy.priority_while_waiting) and re-sort the line."""
    decision = decide(Snapshot(message=message.body), policy_current(), message.created)
    priority = priority_while_waiting(current=conversation.priority, decision=decision)
    latest = selectors.escalation_latest(conversation=conversation)
    if latest is not None:
        Escalation.objects.filter(pk=latest.pk).update(
            waiting_sentiment=decision.sentiment.score, waiting_line=message.body[:200]
        )
    routing().waiting_changed(conversation=conversation, priority=str(priority))


@transaction.atomic
def escalation_wait_cancel(*, conversation: Conversation) -> bool:
    """queued → bot at the visitor's request: the bot says so, the line moves up. False (and
    nothing written) if the conversation was no longer waiting."""
    if lifecycle.conversation_lock(conversation=conversation) != Conversation.Status.QUEUED:
        return False
    conversation.refresh_from_db()
    # In a sensitive conversation the bot never answers: say where the next message goes.
    sensitive = selectors.conversation_sensitive_topic(conversation_id=conversation.pk)
    message_post_system(
        conversation=conversation,
        body=copy.SENSITIVE_WAIT_CANCELLED if sensitive else copy.WAIT_CANCELLED,
        metadata={"event": "wait_cancelled"},
    )
    lifecycle.conversation_cancel_wait(conversation=conversation)
    routing().leave(conversation=conversation)
    return True


def _queue_slug(conversation: Conversation) -> str:
    latest = selectors.escalation_latest(conversation=conversation)
    return latest.target_queue if latest is not None else "general"


def _handoff_text(decision: Decision) -> tuple[str, str]:
    """The admin's text for this reason (or the default), with the team and the wait; for a
    sensitive topic its protocol's text (a short acknowledgement the next times); and the
    queue it names."""
    try:
        queue, minutes = routing().wait_for_newcomer(
            target_queue=decision.target_queue, category=decision.category
        )
    except RedisUnavailable:
        queue, minutes = decision.target_queue, None
    if decision.sensitive_topic and decision.reasons[0].signal == SENSITIVE_FOLLOW_UP:
        template: str | None = copy.SENSITIVE_FOLLOW_UP
    elif decision.sensitive_topic:
        template = selectors.sensitive_protocol(topic=decision.sensitive_topic).visitor_text
    else:
        template = selectors.handoff_template(category=decision.category)
    return copy.handoff_message(queue=queue, minutes=minutes, template=template), queue


def escalation_record_assigned(*, conversation: Conversation, agent: Model, at: datetime) -> None:
    """A person took over: the first time counts for time to human; the agent is the latest."""
    latest = selectors.escalation_latest(conversation=conversation)
    if latest is not None:
        Escalation.objects.filter(pk=latest.pk).update(
            agent=agent, assigned_at=Coalesce(F("assigned_at"), Value(at))
        )


def escalation_record_first_reply(*, conversation: Conversation, at: datetime) -> None:
    """A person wrote to the visitor: the first time is the escalation's time to human."""
    latest = selectors.escalation_latest(conversation=conversation)
    if latest is not None and at >= latest.created:
        Escalation.objects.filter(pk=latest.pk, first_agent_reply_at__isnull=True).update(
            first_agent_reply_at=at
        )


def escalation_record_resolution(
    *,
    conversation: Conversation,
    agent: Model,
    outcome: str,
    appropriate: bool | None = None,
    handoff_quality: int | None = None,
    handoff_comment: str = "",
    at: datetime | None = None,
) -> Escalation | None:
    """The agent's verdict at resolve time, with the first agent reply derived from the chat.
    A verdict left out stays NULL: "not reviewed" (escalations_unreviewed counts them)."""
    if outcome not in Outcome.values or handoff_quality not in (None, 1, 2, 3, 4, 5):
        raise ValueError("outcome must be resolved/not_resolved and quality 1–5 or none")
    escalation = selectors.escalation_latest(conversation=conversation)
    if escalation is None:
        return None
    escalation.agent_id = agent.pk
    escalation.resolved_at = at or timezone.now()
    escalation.outcome = outcome
    escalation.appropriate = appropriate
    # One question answers both: "No — the AI could have handled it".
    escalation.could_ai_have_handled = None if appropriate is None else not appropriate
    escalation.handoff_quality = handoff_quality
    escalation.handoff_comment = handoff_comment.strip()[:2000]
    escalation.first_agent_reply_at = selectors.first_agent_reply_at(escalation=escalation)
    escalation.save(
        update_fields=[
            "agent",
            "resolved_at",
            "outcome",
            "appropriate",
            "could_ai_have_handled",
            "handoff_quality",
            "handoff_comment",
            "first_agent_reply_at",
        ]
    )
    return escalation


@transaction.atomic
def escalation_record_csat(*, conversation: Conversation, score: int, comment: str) -> CsatResult:
    """The visitor's post-escalation rating, stored once for the latest resolved escalation."""
    escalation = selectors.escalation_latest(conversation=conversation)
    if escalation is None or escalation.resolved_at is None:
        return CsatResult.UNAVAILABLE
    stored = Escalation.objects.filter(pk=escalation.pk, csat_score__isnull=True).update(
        csat_score=score, csat_comment=comment.strip()[:1000], csat_at=timezone.now()
    )
    return CsatResult.STORED if stored else CsatResult.DUPLICATE


@transaction.atomic
def visitor_record_csat(*, conversation: Conversation, score: int, comment: str) -> CsatResult:
    """A rating from the widget: of the person who resolved the chat; in a chat never
    escalated, of the bot, if it asked (AI-only CSAT). Each is stored once."""
    result = escalation_record_csat(conversation=conversation, score=score, comment=comment)
    if result is not CsatResult.UNAVAILABLE or selectors.escalation_latest(
        conversation=conversation
    ):
        return result
    return conversation_bot_csat_record(
        conversation=conversation, score=score, comment=comment, now=timezone.now()
    )
