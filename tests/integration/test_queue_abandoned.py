"""Issue 12: junk escalations do not pile up. A queued chat whose visitor has had no widget
socket open for CHATSY_QUEUE_ABANDONED_MINUTES is closed as abandoned by the beat job, leaves
the Redis line and the agents' queue panels; one whose visitor is here (or just left) stays.

Real widget sockets on the real ASGI app, real Redis, real database. The clock is driven
through the sweep's `now` and the stored presence timestamps, never by sleeping.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.db import connections
from django.utils import timezone

from agents import services
from agents.models import Queue
from agents.waiting_queue import waiting_line
from chatsy.redis import redis_client, redis_key
from conversations.models import Conversation, Customer, Message
from conversations.visitor_presence import visitor_socket_close, visitor_socket_open
from escalation.models import Escalation
from tests.factories import AgentFactory, QueueFactory, escalated_conversation
from tests.support.console_socket import console_socket, receive_until

pytestmark = pytest.mark.django_db(transaction=True)

LATER = timedelta(minutes=16)  # past the default 15 minutes


@pytest.fixture
def queues(default_policy):
    QueueFactory(slug="general", routing=Queue.Routing.MANUAL)


def waiting_ids() -> list[str]:
    return [entry.conversation_id for entry in waiting_line().all_entries()]


async def socket_name_of(conversation: Conversation) -> str:
    """The channel name of the widget socket open on this chat (its field in Redis)."""
    fields = redis_client().hkeys(redis_key("visitor", str(conversation.public_id)))
    (name,) = [field for field in fields if field != "left"]
    return name


def abandoned_notes(conversation: Conversation) -> int:
    return Message.objects.filter(
        conversation=conversation, sender="system", metadata__event="abandoned"
    ).count()


async def escalate_over_the_widget(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("I want to talk to a human")
    assert (await visitor.receive_type("status"))["conversation"]["status"] == "queued"
    ready = await database_sync_to_async(
        Conversation.objects.filter(status="queued").order_by("-pk").first
    )()
    return visitor, ready


@pytest.mark.asyncio
async def test_a_chat_whose_visitor_left_long_ago_is_closed_and_leaves_every_queue(
    client, queues, new_visitor
):
    agent = await database_sync_to_async(AgentFactory)(
        queues=await database_sync_to_async(list)(Queue.objects.all())
    )
    console = await console_socket(client, agent)
    visitor, chat = await escalate_over_the_widget(new_visitor)
    await receive_until(console, f'id="queue-row-{chat.public_id}"')
    await visitor.close()  # the tab is gone: its disconnect stores when

    closed = await database_sync_to_async(services.queue_abandoned_sweep)(
        now=timezone.now() + LATER
    )

    assert closed == 1
    stored = await database_sync_to_async(Conversation.objects.get)(pk=chat.pk)
    assert (stored.status, stored.resolved_at, stored.enqueued_at) == ("closed", None, None)
    assert await database_sync_to_async(abandoned_notes)(stored) == 1
    assert waiting_ids() == []
    # The console is told row by row: this chat's row is deleted.
    await receive_until(console, f'data-remove="queue-row-{chat.public_id}"')
    # Not a resolution: the escalation was never taken, never resolved, never rated.
    escalation = await database_sync_to_async(Escalation.objects.get)(conversation=stored)
    assert (escalation.assigned_at, escalation.resolved_at, escalation.outcome) == (None, None, "")
    await console.disconnect()


@pytest.mark.asyncio
async def test_a_visitor_still_here_or_just_gone_keeps_their_place(queues, new_visitor):
    staying, here = await escalate_over_the_widget(new_visitor)
    leaving, just_gone = await escalate_over_the_widget(new_visitor)
    await leaving.close()

    # Five minutes on: the one who left is within the grace; the one who stays is here.
    soon = await database_sync_to_async(services.queue_abandoned_sweep)(
        now=timezone.now() + timedelta(minutes=5)
    )
    assert soon == 0
    assert sorted(waiting_ids()) == sorted([str(here.public_id), str(just_gone.public_id)])

    # Sixteen minutes on, the staying visitor's widget having pinged all along: only the one
    # who left goes.
    later_at = timezone.now() + LATER
    visitor_socket_open(
        conversation_id=str(here.public_id),
        socket=await socket_name_of(here),
        now=later_at.timestamp() - 30,
    )
    later = await database_sync_to_async(services.queue_abandoned_sweep)(now=later_at)
    assert later == 1
    assert waiting_ids() == [str(here.public_id)]
    assert (await database_sync_to_async(Conversation.objects.get)(pk=here.pk)).status == "queued"
    await staying.close()


def left_twenty_minutes_ago(conversation: Conversation) -> None:
    """The visitor's socket opened and closed 20 minutes ago (the stored timestamps say so)."""
    long_ago = time.time() - 20 * 60
    public_id = str(conversation.public_id)
    visitor_socket_open(conversation_id=public_id, socket="gone", now=long_ago - 60)
    visitor_socket_close(conversation_id=public_id, socket="gone", now=long_ago)
    conversation.customer.__class__.objects.filter(pk=conversation.customer_id).update(
        last_seen=timezone.now() - timedelta(minutes=21)
    )


def test_two_runs_close_each_chat_once(queues):
    chat = escalated_conversation()
    left_twenty_minutes_ago(chat)
    assert services.queue_abandoned_sweep() == 1
    assert services.queue_abandoned_sweep() == 0
    assert abandoned_notes(chat) == 1
    assert waiting_ids() == []


def test_two_concurrent_sweeps_close_each_chat_once(queues):
    chats = [escalated_conversation() for _ in range(3)]
    for chat in chats:
        left_twenty_minutes_ago(chat)
    barrier, counts = threading.Barrier(2), []

    def sweep() -> None:
        barrier.wait()
        try:
            counts.append(services.queue_abandoned_sweep())
        finally:
            connections.close_all()  # this thread's: persistent ones outlive it

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 3 and len(counts) == 2
    assert [abandoned_notes(chat) for chat in chats] == [1, 1, 1]
    assert not Conversation.objects.filter(status="queued").exists()
    assert waiting_ids() == []


def test_a_chat_redis_knows_nothing_of_falls_back_to_the_visitor_s_last_auth(queues):
    """Queued before this deployment, or the key lapsed: Customer.last_seen decides."""
    chat = escalated_conversation()
    assert services.queue_abandoned_sweep(now=timezone.now() + timedelta(minutes=5)) == 0
    assert services.queue_abandoned_sweep(now=timezone.now() + LATER) == 1
    assert abandoned_notes(chat) == 1


def test_a_socket_whose_server_died_counts_as_gone_once_its_pings_stop(queues):
    """A Daphne process killed without running `disconnect` leaves its socket's field: once
    the field stops being refreshed by pings it is the last sign of the visitor, not a socket."""
    chat = escalated_conversation()
    public_id = str(chat.public_id)
    long_ago = time.time() - 20 * 60
    visitor_socket_open(conversation_id=public_id, socket="on-a-dead-server", now=long_ago)
    Customer.objects.filter(pk=chat.customer_id).update(
        last_seen=timezone.now() - timedelta(minutes=21)
    )
    assert services.queue_abandoned_sweep() == 1
    assert abandoned_notes(chat) == 1

    kept = escalated_conversation()
    visitor_socket_open(conversation_id=str(kept.public_id), socket="pinging", now=time.time())
    Customer.objects.filter(pk=kept.customer_id).update(
        last_seen=timezone.now() - timedelta(minutes=21)
    )
    assert services.queue_abandoned_sweep() == 0
