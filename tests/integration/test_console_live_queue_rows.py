"""Issue 14, item 3: queue rows follow what the waiting visitor writes. Sentiment, priority
and their latest line update in every console showing the queue (an agent's and a
supervisor's), row by row; a raised priority re-sorts Redis's line and the row moves.

Real pieces only: the widget's and the consoles' sockets on the real ASGI app, the engine with
the shipped classifier, a real redis-server."""

from __future__ import annotations

import asyncio
import logging
import re
import uuid

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from agents.models import Queue
from agents.waiting_queue import waiting_line
from conversations.models import Conversation
from conversations.services import message_receive
from escalation.models import Escalation
from escalation.services import waiting_message_acknowledge
from tests.factories import AgentFactory, QueueFactory, escalated_conversation
from tests.integration.test_queue_abandoned import escalate_over_the_widget
from tests.support.console_socket import console_socket, receive_until
from tests.support.presence import agent_available

pytestmark = pytest.mark.django_db(transaction=True)

ROW = re.compile(r'<li class="queue-row[^"]*" id="queue-row-([0-9a-f-]{36})"')


def general_queue_only() -> Queue:
    general = QueueFactory(slug="general", routing=Queue.Routing.MANUAL)
    Queue.objects.exclude(pk=general.pk).update(active=False)
    return general


async def ask_for_a_human(new_visitor):
    """A visitor escalated over the widget's socket, and their chat's public id."""
    visitor, chat = await escalate_over_the_widget(new_visitor)
    return visitor, str(chat.public_id)


def redis_order() -> list[str]:
    return [entry.conversation_id for entry in waiting_line().entries("general")]


def stored(public_id: str) -> tuple[str, float | None, str]:
    conversation = Conversation.objects.get(public_id=public_id)
    escalation = Escalation.objects.get(conversation=conversation)
    return conversation.priority, escalation.waiting_sentiment, escalation.waiting_line


def row_html(frame: str, public_id: str) -> str:
    """The inserted row of this chat in a pushed frame (exactly one)."""
    row = rf'<li class="queue-row[^"]*" id="queue-row-{public_id}".*?</li>'
    rows = re.findall(row, frame, re.S)
    assert len(rows) == 1, frame
    return rows[0]


async def place_of(visitor, position: int) -> dict:
    """Skip the visitor's frames until their place in line is `position` (bounded)."""
    async with asyncio.timeout(5):
        while True:
            frame = await visitor.receive_type("queue")
            if frame["position"] == position:
                return frame


@pytest.mark.asyncio
async def test_rows_follow_what_the_waiting_visitor_writes_and_re_sort(client, new_visitor):
    general = await database_sync_to_async(general_queue_only)()
    agent = await database_sync_to_async(AgentFactory)(queues=[general])
    supervisor = await database_sync_to_async(AgentFactory)(is_supervisor=True)
    consoles = [await console_socket(client, agent), await console_socket(Client(), supervisor)]

    first, a = await ask_for_a_human(new_visitor)
    second, b = await ask_for_a_human(new_visitor)
    third, c = await ask_for_a_human(new_visitor)
    for console in consoles:
        seen = await receive_until(console, f'id="queue-row-{c}"')
        assert 'class="mood mood-neutral"' in row_html(seen, c)  # at the handoff
    assert redis_order() == [a, b, c]

    # The third visitor loses patience: strongly negative, so at least high; first in line.
    await third.say("Useless!")
    for console in consoles:
        frame = await receive_until(console, f'data-remove="queue-row-{c}"')
        assert ROW.findall(frame) == [c]  # only that row is redrawn: no other row, no twin
        assert frame.count(f'id="queue-row-{c}"') == 1  # removed if present, then inserted once
        assert 'data-after=""' in frame  # ahead of the others
        row = row_html(frame, c)
        assert 'class="queue-row priority-high"' in row and ">high</span>" in row
        assert 'class="mood mood-frustrated"' in row  # it said "neutral" at the handoff
        assert "“Useless!”" in row
    priority, mood, line = await database_sync_to_async(stored)(c)
    assert priority == "high" and mood is not None and mood < -0.2 and line == "Useless!"
    assert redis_order() == [c, a, b]
    # The visitors hear their new places: the third is next, the first moved down.
    assert (await place_of(third, 1))["position"] == 1
    assert (await place_of(first, 2))["position"] == 2

    # A happier line from the first visitor: its row is redrawn where it is (after the row
    # above it); the priority never moves down or up for it, and the line keeps its order.
    await first.say("Thanks so much, happy to wait!")
    for console in consoles:
        frame = await receive_until(console, f'data-remove="queue-row-{a}"')
        assert ROW.findall(frame) == [a]
        assert f'data-after="queue-row-{c}"' in frame
        row = row_html(frame, a)
        assert 'class="queue-row priority-normal"' in row and 'class="mood mood-positive"' in row
        assert "“Thanks so much, happy to wait!”" in row
    assert (await database_sync_to_async(stored)(a))[0] == "normal"
    assert redis_order() == [c, a, b]

    # A security issue named while waiting: urgent, ahead of the high one.
    await second.say("Someone hacked my account and changed my password!")
    for console in consoles:
        frame = await receive_until(console, f'data-remove="queue-row-{b}"')
        assert ROW.findall(frame) == [b]
        assert 'data-after=""' in frame
        assert 'class="queue-row priority-urgent"' in row_html(frame, b)
    assert (await database_sync_to_async(stored)(b))[0] == "urgent"
    assert redis_order() == [b, c, a]

    # And an angry line after that never lowers urgent to high.
    await second.say("This is ridiculous, USELESS!!!")
    for console in consoles:
        frame = await receive_until(console, f'data-remove="queue-row-{b}"')
        assert 'class="queue-row priority-urgent"' in row_html(frame, b)
    assert (await database_sync_to_async(stored)(b))[0] == "urgent"
    assert redis_order() == [b, c, a]

    for console in consoles:
        await console.disconnect()
    for visitor in (first, second, third):
        await visitor.close()


def test_assigned_but_not_yet_opened_stores_the_mood_and_priority_and_never_requeues(
    default_policy,
):
    """Auto-assigned to an agent who has not opened the chat yet: to the visitor it is still
    a wait, so their mood, line and a raised priority are kept (the card and a return to the
    queue use them); it has no queue row and never goes back into Redis's line."""
    general = general_queue_only()
    Queue.objects.filter(pk=general.pk).update(routing=Queue.Routing.AUTO)
    sarah = AgentFactory(queues=[general])
    agent_available(sarah)
    chat = escalated_conversation()
    chat.refresh_from_db()
    assert chat.status == "assigned" and redis_order() == []

    message = message_receive(conversation=chat, client_id=uuid.uuid4(), body="Useless!").message
    assert waiting_message_acknowledge(message=message) is not None

    assert stored(str(chat.public_id)) == ("high", -0.3, "Useless!")
    assert redis_order() == []
    # A second run for the same message (a retried hook) changes nothing and adds nothing.
    assert waiting_message_acknowledge(message=message) is None
    assert redis_order() == []


def damage(public_id: str) -> None:
    """The Redis entry of a waiting chat loses its enqueue time (a bad write, a stray HDEL)."""
    from agents.waiting_queue import _entry_key
    from chatsy.redis import redis_client

    assert redis_client().hdel(_entry_key(public_id), "enqueued_ms") == 1


@pytest.mark.asyncio
async def test_a_damaged_waiting_line_never_stops_a_waiting_visitors_message(
    client, new_visitor, caplog
):
    """Review follow-up: the row's update runs on commit in the visitor's message path. A
    damaged entry in the line (here: missing its enqueue time, in Redis itself) makes the
    positions broadcast or the Lua re-score fail; the visitor's message is still acknowledged
    and stored, and the consoles still hear of the row."""
    general = await database_sync_to_async(general_queue_only)()
    agent = await database_sync_to_async(AgentFactory)(queues=[general])
    console = await console_socket(client, agent)
    first, a = await ask_for_a_human(new_visitor)
    second, b = await ask_for_a_human(new_visitor)
    await receive_until(console, f'id="queue-row-{b}"')

    # Another chat's entry is damaged: the re-score works, reading the line back does not.
    await database_sync_to_async(damage)(a)
    ack = await second.say("Useless!")
    assert ack["type"] == "ack"
    frame = await receive_until(console, f'data-remove="queue-row-{b}"')
    assert "“Useless!”" in row_html(frame, b)
    assert (await database_sync_to_async(stored)(b))[:3:2] == ("high", "Useless!")

    # The chat's own entry is damaged: the Lua re-score of its raised priority fails.
    await database_sync_to_async(damage)(b)
    hacked = "Someone hacked my account and changed my password!"
    with caplog.at_level(logging.WARNING, logger="agents.services.waiting_rows"):
        ack = await second.say(hacked)
        assert ack["type"] == "ack"
        frame = await receive_until(console, f"“{hacked}”")
    assert 'class="queue-row priority-urgent"' in row_html(frame, b)
    assert (await database_sync_to_async(stored)(b))[:3:2] == ("urgent", hacked)
    assert "attempt to perform arithmetic" in caplog.text  # the script's own error, logged

    await console.disconnect()
    for visitor in (first, second):
        await visitor.close()
