"""Writes for the agent console: notes, transfer, hand back, resolve, observe and join.

Each move locks the conversation, re-checks its state and the agent's right to act on it in
the same transaction, and raises on an invalid move. Consoles and the widget hear of it on
commit.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents import presence, selectors
from agents.models import AgentProfile, ChatParticipant, Note, Queue
from agents.selectors.access import WRITERS
from agents.services.console_events import (
    chat_closed_on_commit,
    chat_opened_on_commit,
    supervisors_refresh_on_commit,
)
from agents.services.queue import (
    AtCapacity,
    conversation_claim,
    line_mirror_on_commit,
    participants_clear,
    queue_watchers_on_commit,
)
from chatsy import events, realtime
from conversations import lifecycle
from conversations.lifecycle import InvalidTransition
from conversations.models import Conversation, Message
from conversations.services import message_append_agent, message_post_system
from escalation import copy
from escalation.buttons import taken_over_by_staff
from escalation.policy_store import policy_current
from escalation.selectors import conversation_sensitive_topic
from escalation.services import (
    conversation_escalate,
    escalation_record_assigned,
    escalation_record_first_reply,
    escalation_record_resolution,
)

MAX_NOTE_CHARS = 4000


class NotAllowed(Exception):
    """The agent may not act on this conversation (not theirs, not their queue, no role)."""


@transaction.atomic
def note_create(*, conversation: Conversation, agent: AgentProfile, body: str) -> Note:
    """An internal note: agents holding or watching the chat see it; the visitor never does."""
    if not body.strip():
        raise ValueError("A note needs some text.")
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if selectors.chat_role(agent=agent, conversation=locked) is None:
        raise NotAllowed("You are not in this conversation.")
    note = _note(locked, agent, Note.Kind.NOTE, body)
    assert note is not None  # the body is not blank
    return note


@transaction.atomic
def message_post_agent(*, conversation: Conversation, agent: AgentProfile, body: str) -> Message:
    """An agent's reply, under their name. Only the assigned agent, or a supervisor who
    joined, may write; anyone else gets InvalidTransition and nothing is stored."""
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if not selectors.agent_may_write(agent=agent, conversation=locked):
        raise InvalidTransition("Only the agent serving this conversation can write to it.")
    message = message_append_agent(
        conversation=locked, agent_id=agent.pk, agent_name=agent.name, body=body
    )
    escalation_record_first_reply(conversation=locked, at=message.created)
    return message


@transaction.atomic
def conversation_transfer_to_queue(
    *, conversation: Conversation, agent: AgentProfile, queue: Queue, note: str
) -> Conversation:
    """assigned → queued in another queue, near the front (it keeps its original wait)."""
    locked = _lock_for_handler(conversation, agent)
    if not queue.active:
        raise InvalidTransition("That queue is not active.")
    leaving = [locked.assigned_agent_id, *participants_clear(conversation=locked)]
    _note(locked, agent, Note.Kind.TRANSFER, note)
    message_post_system(
        conversation=locked,
        body=copy.TRANSFERRED_TO_QUEUE.format(agent=agent.name, team=copy.team_name(queue.slug)),
        metadata={"event": "transferred", "queue": queue.slug, "from_agent": agent.pk},
    )
    line_mirror_on_commit(locked)
    lifecycle.conversation_requeue(conversation=locked, queue=queue)
    queue_watchers_on_commit(locked)
    chat_closed_on_commit(locked, leaving)
    return locked


@transaction.atomic
def conversation_transfer_to_agent(
    *, conversation: Conversation, agent: AgentProfile, target: AgentProfile, note: str
) -> Conversation:
    """assigned → assigned to a colleague who serves the chat's queue, is online and has room."""
    locked = _lock_for_handler(conversation, agent)
    if target.pk == locked.assigned_agent_id:
        raise InvalidTransition(f"{target.name} already has this chat.")
    if not target.is_supervisor and locked.queue_id not in {
        q.pk for q in selectors.queues_of(target)
    }:
        raise NotAllowed(f"{target.name} is not in this chat's queue.")
    if target.pk not in presence.presence_online([target.pk]):
        raise NotAllowed(f"{target.name} is not online with the console open.")
    if selectors.agent_load(target) >= target.max_concurrent_chats:
        raise AtCapacity(f"{target.name} has no room for another chat.")
    now = timezone.now()
    leaving = [locked.assigned_agent_id, *participants_clear(conversation=locked)]
    ChatParticipant.objects.filter(conversation=locked, agent=target).delete()
    lifecycle.conversation_reassign(conversation=locked, agent=target, at=now)
    _note(locked, agent, Note.Kind.TRANSFER, note)
    message_post_system(
        conversation=locked,
        body=copy.TRANSFERRED_TO_AGENT.format(agent=agent.name, other=target.name),
        metadata={"event": "transferred", "agent": target.name},
    )
    escalation_record_assigned(conversation=locked, agent=target, at=now)
    chat_closed_on_commit(locked, [a for a in leaving if a != target.pk])
    chat_opened_on_commit(locked, target.pk)
    supervisors_refresh_on_commit()
    return locked


@transaction.atomic
def conversation_hand_back(
    *, conversation: Conversation, agent: AgentProfile, note: str
) -> Conversation:
    """assigned → bot. What the agent did is posted as their last message, so the visitor
    reads it and the bot has it in its history (as the agent's turn) when it answers next."""
    if not note.strip():
        raise ValueError("Say what you did, for the bot and the visitor.")
    locked = _lock_for_handler(conversation, agent)
    message_post_agent(conversation=locked, agent=agent, body=note.strip())
    leaving = [locked.assigned_agent_id, *participants_clear(conversation=locked)]
    _note(locked, agent, Note.Kind.HAND_BACK, note)
    # A sensitive conversation never goes back to the bot's answers (escalation.turn): say so.
    sensitive = conversation_sensitive_topic(conversation_id=locked.pk)
    handed_back = copy.HANDED_BACK_SENSITIVE if sensitive else copy.HANDED_BACK
    message_post_system(
        conversation=locked,
        body=handed_back.format(agent=agent.name, bot=settings.CHATSY_BOT_NAME),
        metadata={"event": "handed_back", "agent": agent.name, "note": note.strip()},
    )
    lifecycle.conversation_hand_back(conversation=locked)
    supervisors_refresh_on_commit()
    chat_closed_on_commit(locked, leaving)
    return locked


@transaction.atomic
def conversation_resolve(
    *,
    conversation: Conversation,
    agent: AgentProfile,
    outcome: str = "resolved",
    appropriate: bool | None = None,
    handoff_quality: int | None = None,
    handoff_comment: str = "",
) -> Conversation:
    """assigned → resolved, with the agent's verdict for the metrics if they gave one (None:
    not reviewed); the visitor gets CSAT."""
    locked = _lock_for_handler(conversation, agent)
    leaving = [locked.assigned_agent_id, *participants_clear(conversation=locked)]
    now = timezone.now()
    escalation_record_resolution(
        conversation=locked,
        agent=agent,
        outcome=outcome,
        appropriate=appropriate,
        handoff_quality=handoff_quality,
        handoff_comment=handoff_comment,
        at=now,
    )
    message_post_system(
        conversation=locked,
        body=copy.RESOLVED.format(agent=agent.name),
        metadata={"event": "resolved", "agent": agent.name},
    )
    lifecycle.conversation_resolve(conversation=locked, at=now)
    supervisors_refresh_on_commit(reviews=True)
    realtime.group_send_on_commit(
        realtime.conversation_group(locked.public_id),
        events.csat_requested(text=copy.CSAT_QUESTION.format(agent=agent.name)),
    )
    chat_closed_on_commit(locked, leaving)
    return locked


@transaction.atomic
def conversation_observe(*, conversation: Conversation, agent: AgentProfile) -> ChatParticipant:
    """A supervisor watches any conversation live (read-only, internal notes allowed)."""
    _require_supervisor(agent)
    participant, _ = ChatParticipant.objects.get_or_create(
        conversation=conversation, agent=agent, defaults={"role": ChatParticipant.Role.OBSERVER}
    )
    chat_opened_on_commit(conversation, agent.pk)
    return participant


@transaction.atomic
def conversation_join(*, conversation: Conversation, agent: AgentProfile) -> Conversation:
    """A supervisor joins: takes over from the bot or a waiting chat, or writes beside its agent."""
    _require_supervisor(agent)
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if locked.status == Conversation.Status.BOT:
        # Through the state machine: recorded as an escalation, then claimed like any other.
        conversation_escalate(
            conversation_id=locked.pk,
            decision=taken_over_by_staff(policy_current(), agent_name=agent.name),
        )
        locked.refresh_from_db()
    if locked.status == Conversation.Status.QUEUED:
        ChatParticipant.objects.filter(conversation=locked, agent=agent).delete()
        return conversation_claim(agent=agent, public_id=str(locked.public_id))
    if locked.status != Conversation.Status.ASSIGNED:
        raise InvalidTransition(
            "Only open chats (with the bot, waiting or assigned) can be joined."
        )
    if locked.assigned_agent_id == agent.pk:
        return locked
    ChatParticipant.objects.update_or_create(
        conversation=locked, agent=agent, defaults={"role": ChatParticipant.Role.JOINED}
    )
    message_post_system(
        conversation=locked,
        body=copy.SUPERVISOR_JOINED.format(agent=agent.name),
        metadata={"event": "supervisor_joined", "agent": agent.name},
    )
    chat_opened_on_commit(locked, agent.pk)
    return locked


@transaction.atomic
def conversation_leave(*, conversation: Conversation, agent: AgentProfile) -> None:
    """A supervisor stops observing (or leaves a chat they joined)."""
    deleted, _ = ChatParticipant.objects.filter(conversation=conversation, agent=agent).delete()
    if not deleted:
        raise NotAllowed("Only an observer or a supervisor who joined can leave a chat.")
    chat_closed_on_commit(conversation, [agent.pk])


def _lock_for_handler(conversation: Conversation, agent: AgentProfile) -> Conversation:
    """The conversation, locked, if it is assigned and the agent owns it or joined it."""
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if locked.status != Conversation.Status.ASSIGNED:
        raise InvalidTransition(f"This chat is {locked.get_status_display().lower()}.")
    if selectors.chat_role(agent=agent, conversation=locked) not in WRITERS:
        raise NotAllowed("This chat is not yours.")
    return locked


def _note(conversation: Conversation, agent: AgentProfile, kind: str, body: str) -> Note | None:
    if not body.strip():
        return None
    note = Note.objects.create(
        conversation=conversation, author=agent, kind=kind, body=body.strip()[:MAX_NOTE_CHARS]
    )
    realtime.group_send_on_commit(
        realtime.staff_conversation_group(conversation.public_id),
        events.note_created(note_id=note.pk),
    )
    return note


def _require_supervisor(agent: AgentProfile) -> None:
    if not agent.is_supervisor:
        raise NotAllowed("Only supervisors can observe or join other agents' chats.")
