"""The conversation's state machine: every write of `Conversation.status` happens here.

    bot → queued → assigned → resolved → closed
    queued → ticket · ticket → bot · queued → closed · queued → bot
    assigned → queued · assigned → bot · resolved → bot

Each move is one conditional UPDATE (`… WHERE status = <from>`), so the database decides
which of two concurrent moves wins; the loser gets InvalidTransition and nothing is written.
A caller that must read the state before deciding (or write other rows first) locks the row
in the same transaction (`conversation_lock`) and moves last. The widget and the console hear
of each move once the transaction commits (`conversation.status`). The table of moves, with
their tests, is in docs/architecture.md; tests/unit/test_status_writes.py keeps every other
module from writing `status`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Model
from django.utils import timezone

from chatsy import events, realtime
from conversations.models import Conversation

Status = Conversation.Status


class InvalidTransition(Exception):
    """The conversation is not in a state that allows this move."""


def conversation_lock(*, conversation: Conversation) -> str:
    """The stored status, with the row locked for the rest of the transaction."""
    status: str = (
        Conversation.objects.select_for_update()
        .values_list("status", flat=True)
        .get(pk=conversation.pk)
    )
    conversation.status = status
    return status


def conversation_queue(*, conversation: Conversation) -> Conversation:
    """bot → queued: the conversation was escalated to a person."""
    return _move(conversation, source=Status.BOT, target=Status.QUEUED)


def conversation_ticket(*, conversation: Conversation) -> Conversation:
    """queued → ticket: the visitor chose an alternative (callback, email…) or it is after
    hours; a person follows up outside the chat."""
    return _move(conversation, source=Status.QUEUED, target=Status.TICKET, enqueued_at=None)


def conversation_resume(*, conversation: Conversation) -> Conversation:
    """ticket → bot: the visitor wrote again after leaving a ticket; the bot answers while the
    ticket stays open for the team (its own status, agents.Ticket)."""
    return _move(conversation, source=Status.TICKET, target=Status.BOT)


def conversation_cancel_wait(*, conversation: Conversation) -> Conversation:
    """queued → bot: the visitor cancelled the request and keeps chatting with the bot."""
    return _move(conversation, source=Status.QUEUED, target=Status.BOT, enqueued_at=None)


def conversation_abandon(*, conversation: Conversation) -> Conversation:
    """queued → closed: the visitor left long before anyone took the chat. Not resolved
    (resolved_at stays empty, so no resolution metric counts it)."""
    return _move(conversation, source=Status.QUEUED, target=Status.CLOSED, enqueued_at=None)


def conversation_assign(
    *, conversation: Conversation, agent: Model, at: datetime | None = None
) -> Conversation:
    """queued → assigned: `agent` (an agents.AgentProfile) took the conversation."""
    return _move(
        conversation,
        source=Status.QUEUED,
        target=Status.ASSIGNED,
        assigned_agent=agent,
        assigned_at=at or timezone.now(),
    )


def conversation_reassign(
    *, conversation: Conversation, agent: Model, at: datetime | None = None
) -> Conversation:
    """assigned → assigned to another agent (a transfer to a colleague). The status does not
    change, so no status event: the console's chat.opened/closed tell the agents."""
    return _move(
        conversation,
        source=Status.ASSIGNED,
        target=Status.ASSIGNED,
        announce=False,
        assigned_agent=agent,
        assigned_at=at or timezone.now(),
    )


def conversation_requeue(*, conversation: Conversation, queue: Model | None = None) -> Conversation:
    """assigned → queued: transferred to a queue (`queue`, an agents.Queue), or its agent went
    offline or did not answer. It keeps its enqueue time, so it waits near the front."""
    fields: dict[str, Any] = {"assigned_agent": None, "assigned_at": None}
    if queue is not None:
        fields["queue"] = queue
    return _move(conversation, source=Status.ASSIGNED, target=Status.QUEUED, **fields)


def conversation_hand_back(*, conversation: Conversation) -> Conversation:
    """assigned → bot: the agent handed the conversation back to the bot."""
    return _move(conversation, source=Status.ASSIGNED, target=Status.BOT, enqueued_at=None)


def conversation_resolve(*, conversation: Conversation, at: datetime | None = None) -> Conversation:
    """assigned → resolved: the agent resolved it; the visitor is asked to rate the chat."""
    return _move(
        conversation,
        source=Status.ASSIGNED,
        target=Status.RESOLVED,
        resolved_at=at or timezone.now(),
        enqueued_at=None,
    )


def conversation_reopen(*, conversation: Conversation) -> Conversation:
    """resolved → bot: the visitor wrote again after a person resolved the chat."""
    return _move(conversation, source=Status.RESOLVED, target=Status.BOT)


def conversation_close(*, conversation: Conversation) -> Conversation:
    """resolved → closed: the conversation is over; the visitor's next message starts a new one."""
    return _move(conversation, source=Status.RESOLVED, target=Status.CLOSED)


_NAMES = {
    Status.BOT: "with the bot",
    Status.QUEUED: "waiting",
    Status.ASSIGNED: "assigned",
    Status.RESOLVED: "resolved",
    Status.CLOSED: "closed",
    Status.TICKET: "a ticket",
}


def _move(
    conversation: Conversation,
    *,
    source: str,
    target: str,
    announce: bool = True,
    **fields: Any,
) -> Conversation:
    """The conditional UPDATE every move is; then the in-memory row and, on commit, the event."""
    fields["updated"] = timezone.now()
    moved = Conversation.objects.filter(pk=conversation.pk, status=source).update(
        status=target, **fields
    )
    if not moved:
        raise InvalidTransition(
            f"Only a conversation {_NAMES[Status(source)]} can become {_NAMES[Status(target)]}."
        )
    conversation.status = target
    for name, value in fields.items():
        setattr(conversation, name, value)
    if announce:
        _status_changed_on_commit(conversation)
    return conversation


def _status_changed_on_commit(conversation: Conversation) -> None:
    """The widget's `status` frame and the console's badge, once the move is committed."""
    realtime.group_send_on_commit(
        realtime.conversation_group(conversation.public_id),
        events.conversation_status(conversation=conversation.public_id, status=conversation.status),
    )
