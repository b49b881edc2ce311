"""conversations.lifecycle: every move of the state machine, on the real database.

One row per transition (docs/architecture.md lists the same table): the valid move stores the
new status and its fields and the widget hears it; every other starting state raises
InvalidTransition and stores nothing; two concurrent attempts of the same move have exactly one
winner.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import connections, transaction

from conversations import lifecycle
from conversations.models import Conversation
from tests.factories import AgentFactory, ConversationFactory, QueueFactory

Status = Conversation.Status
pytestmark = pytest.mark.django_db(transaction=True)


@dataclass(frozen=True)
class Move:
    name: str
    source: str
    target: str
    call: Callable[[Conversation], Conversation]
    stored: Callable[[Conversation], dict[str, Any]] = lambda conversation: {}


MOVES = [
    Move(
        "queue", Status.BOT, Status.QUEUED, lambda c: lifecycle.conversation_queue(conversation=c)
    ),
    Move(
        "ticket",
        Status.QUEUED,
        Status.TICKET,
        lambda c: lifecycle.conversation_ticket(conversation=c),
    ),
    Move(
        "resume",
        Status.TICKET,
        Status.BOT,
        lambda c: lifecycle.conversation_resume(conversation=c),
    ),
    Move(
        "abandon",
        Status.QUEUED,
        Status.CLOSED,
        lambda c: lifecycle.conversation_abandon(conversation=c),
        lambda c: {"enqueued_at": None, "resolved_at": None},
    ),
    Move(
        "cancel_wait",
        Status.QUEUED,
        Status.BOT,
        lambda c: lifecycle.conversation_cancel_wait(conversation=c),
        lambda c: {"enqueued_at": None},
    ),
    Move(
        "assign",
        Status.QUEUED,
        Status.ASSIGNED,
        lambda c: lifecycle.conversation_assign(conversation=c, agent=AgentFactory()),
        lambda c: {"assigned_agent_id": c.assigned_agent_id, "assigned_at": c.assigned_at},
    ),
    Move(
        "requeue",
        Status.ASSIGNED,
        Status.QUEUED,
        lambda c: lifecycle.conversation_requeue(
            conversation=c, queue=QueueFactory(slug="billing")
        ),
        lambda c: {"assigned_agent_id": None, "queue_id": c.queue_id},
    ),
    Move(
        "hand_back",
        Status.ASSIGNED,
        Status.BOT,
        lambda c: lifecycle.conversation_hand_back(conversation=c),
        lambda c: {"enqueued_at": None},
    ),
    Move(
        "resolve",
        Status.ASSIGNED,
        Status.RESOLVED,
        lambda c: lifecycle.conversation_resolve(conversation=c),
        lambda c: {"resolved_at": c.resolved_at},
    ),
    Move(
        "reopen",
        Status.RESOLVED,
        Status.BOT,
        lambda c: lifecycle.conversation_reopen(conversation=c),
    ),
    Move(
        "close",
        Status.RESOLVED,
        Status.CLOSED,
        lambda c: lifecycle.conversation_close(conversation=c),
    ),
]
IDS = [move.name for move in MOVES]


def in_state(status: str, conversation: Conversation | None = None) -> Conversation:
    """A conversation in `status` (tests set the state directly; the app never does)."""
    conversation = conversation or ConversationFactory()
    agent = AgentFactory() if status in (Status.ASSIGNED, Status.RESOLVED) else None
    Conversation.objects.filter(pk=conversation.pk).update(status=status, assigned_agent=agent)
    conversation.refresh_from_db()
    return conversation


@pytest.mark.parametrize("move", MOVES, ids=IDS)
def test_the_move_stores_the_new_state_and_its_fields(move: Move) -> None:
    conversation = in_state(move.source)
    returned = move.call(conversation)
    stored = Conversation.objects.get(pk=conversation.pk)
    assert returned is conversation and conversation.status == stored.status == move.target
    expected = move.stored(conversation)
    assert {name: getattr(stored, name) for name in expected} == expected


@pytest.mark.parametrize(
    ("move", "status"),
    [(move, status) for move in MOVES for status in Status.values if status != move.source],
    ids=[
        f"{move.name}-from-{status}"
        for move in MOVES
        for status in Status.values
        if status != move.source
    ],
)
def test_any_other_state_raises_and_stores_nothing(move: Move, status: str) -> None:
    conversation = in_state(status)
    before = Conversation.objects.values().get(pk=conversation.pk)
    with pytest.raises(lifecycle.InvalidTransition):
        move.call(conversation)
    assert Conversation.objects.values().get(pk=conversation.pk) == before


@pytest.mark.parametrize("move", MOVES, ids=IDS)
def test_two_concurrent_moves_have_one_winner(move: Move) -> None:
    conversation = in_state(move.source)
    barrier, outcomes = threading.Barrier(2), []

    def attempt(call: Callable[[Conversation], Conversation]) -> None:
        copy = Conversation.objects.get(pk=conversation.pk)
        barrier.wait()
        try:
            with transaction.atomic():
                call(copy)
            outcomes.append("won")
        except lifecycle.InvalidTransition:
            outcomes.append("lost")
        finally:
            connections.close_all()  # this thread's: persistent ones outlive it

    threads = [threading.Thread(target=attempt, args=(move.call,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["lost", "won"]
    assert Conversation.objects.get(pk=conversation.pk).status == move.target


def test_moving_twice_in_one_transaction_fails_the_second_time() -> None:
    conversation = in_state(Status.ASSIGNED)
    with transaction.atomic():
        lifecycle.conversation_resolve(conversation=conversation)
        with pytest.raises(lifecycle.InvalidTransition):
            lifecycle.conversation_resolve(conversation=conversation)


def test_conversation_lock_reads_the_stored_status_into_the_instance() -> None:
    conversation = in_state(Status.QUEUED)
    conversation.status = Status.BOT  # stale in memory
    with transaction.atomic():
        assert lifecycle.conversation_lock(conversation=conversation) == Status.QUEUED
    assert conversation.status == Status.QUEUED


@pytest.mark.asyncio
@pytest.mark.parametrize("move", MOVES, ids=IDS)
async def test_the_widget_hears_each_move_once_it_commits(move: Move, new_visitor) -> None:
    visitor = await new_visitor()
    await visitor.connect()
    conversation = await database_sync_to_async(Conversation.objects.get)()

    @database_sync_to_async
    def move_in_a_transaction() -> None:
        in_state(move.source, conversation)
        with transaction.atomic():
            move.call(conversation)

    await move_in_a_transaction()
    frame = await visitor.receive_type("status")
    assert frame["conversation"] == {"id": str(conversation.public_id), "status": move.target}
    await visitor.close()


def test_a_transfer_to_a_colleague_keeps_the_status_and_changes_the_agent() -> None:
    conversation = in_state(Status.ASSIGNED)
    colleague = AgentFactory()
    lifecycle.conversation_reassign(conversation=conversation, agent=colleague)
    stored = Conversation.objects.get(pk=conversation.pk)
    assert (stored.status, stored.assigned_agent_id) == (Status.ASSIGNED, colleague.pk)
    with pytest.raises(lifecycle.InvalidTransition):
        lifecycle.conversation_reassign(conversation=in_state(Status.QUEUED), agent=colleague)
