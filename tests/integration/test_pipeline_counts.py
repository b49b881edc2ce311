"""chatsy.bench.counters: it sees the statements and hops of a visitor message, the bot's
turn included, and stops counting when its block ends. (The per-message budget itself is
asserted where the pipeline is changed, issue 11 item 2.)"""

from __future__ import annotations

import pytest
from channels.db import DatabaseSyncToAsync, database_sync_to_async

from chatsy.bench.counters import pipeline_counts
from conversations.models import Message

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_counts_a_visitor_message_and_the_bots_turn_then_stops(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    original = DatabaseSyncToAsync.thread_handler
    with pipeline_counts() as counts:
        await visitor.say("How long does shipping take?")
        await visitor.receive_message_from("bot")
        await counts.settle()
    assert counts.hops >= 2  # the message is stored, then the bot answers in a hop of its own
    inserts = [s for s in counts.statements if s.startswith('INSERT INTO "conversations_message"')]
    assert len(inserts) == 2  # the visitor's message and the bot's reply
    assert counts.sql == len(counts.statements) > len(inserts)

    assert DatabaseSyncToAsync.thread_handler is original
    seen = counts.sql, counts.hops
    await database_sync_to_async(lambda: list(Message.objects.all()))()
    assert (counts.sql, counts.hops) == seen
    await visitor.close()
