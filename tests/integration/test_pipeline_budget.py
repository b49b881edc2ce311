"""The database work of one visitor message on the offline bot path: at most 8 SQL statements
over at most 2 database-thread hops (issue 11; measured before: 26 over 4). Counted on the real
ASGI app, every thread, from the frame in to the bot's answer out (chatsy.bench.counters, the
counter `make bench` reports with)."""

from __future__ import annotations

import pytest

import conversations.consumers
import conversations.turns
from chatsy.bench.counters import pipeline_counts

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_a_visitor_message_answered_by_the_offline_bot_costs_8_statements_in_2_hops(
    new_visitor, monkeypatch
):
    # Not the message's work: the sweep for lost turns every 2 s, which a slow run would count.
    monkeypatch.setattr(conversations.consumers, "turns_upkeep_start", lambda: None)
    monkeypatch.setattr(conversations.turns, "turns_upkeep_start", lambda: None)
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")  # warm: the policy and index are built
    await visitor.receive_message_from("bot")
    with pipeline_counts() as counts:
        ack = await visitor.say("And how long does express shipping take?")
        # The answer is broadcast when its transaction commits: the turn's last statement.
        answer = await visitor.receive_message_from("bot")
    assert answer["seq"] == ack["seq"] + 1 and "business days" in answer["body"]
    assert counts.hops <= 2, counts
    assert counts.sql <= 8, "\n".join(counts.statements)
    await visitor.close()
