"""The database work of one visitor message on the offline bot path: at most 8 SQL statements
over at most 2 database-thread hops (issue 11; measured before: 26 over 4). Counted on the real
ASGI app, every thread, from the frame in to the bot's answer out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from channels.db import DatabaseSyncToAsync
from django.db.backends.utils import CursorWrapper

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@dataclass
class Counts:
    statements: list[str] = field(default_factory=list)
    hops: int = 0


@contextmanager
def pipeline_counts(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counts]:
    """Every SQL statement on any connection in any thread, and every database hop."""
    counts = Counts()
    execute, thread_handler = CursorWrapper._execute, DatabaseSyncToAsync.thread_handler

    def counted_execute(self, sql, *args, **kwargs):
        counts.statements.append(sql)
        return execute(self, sql, *args, **kwargs)

    def counted_hop(self, *args, **kwargs):
        counts.hops += 1
        return thread_handler(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "_execute", counted_execute)
        patch.setattr(DatabaseSyncToAsync, "thread_handler", counted_hop)
        yield counts


async def test_a_visitor_message_answered_by_the_offline_bot_costs_8_statements_in_2_hops(
    new_visitor, monkeypatch
):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")  # warm: the policy and index are built
    await visitor.receive_message_from("bot")
    with pipeline_counts(monkeypatch) as counts:
        ack = await visitor.say("And how long does express shipping take?")
        answer = await visitor.receive_message_from("bot")
    assert answer["seq"] == ack["seq"] + 1 and "business days" in answer["body"]
    assert counts.hops <= 2, counts
    assert len(counts.statements) <= 8, "\n".join(counts.statements)
    await visitor.close()
