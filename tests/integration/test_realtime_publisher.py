"""Broadcasts from the database thread and from the event loop reach a group in the order they
were handed over (chatsy.realtime's publisher), on the real channel layer and Redis."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from chatsy import events, realtime

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),  # database_sync_to_async closes old connections
    pytest.mark.usefixtures("redis_flushed"),
]


def typing(n: int) -> events.TypingChanged:
    return events.typing_changed(conversation="c", sender="bot", name=str(n), active=True)


def hand_over(first: int, count: int) -> None:
    """What on-commit broadcasts do on the database thread: hand over and return."""
    for n in range(first, first + count):
        realtime.group_send("publisher-test", typing(n))


async def test_broadcasts_keep_their_order_across_threads():
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add("publisher-test", channel)
    realtime.publisher_start()
    lost = realtime.broadcasts_lost
    for first in range(0, 100, 20):
        await database_sync_to_async(hand_over)(first, 10)
        for n in range(first + 10, first + 20):
            realtime.group_send("publisher-test", typing(n))  # from the loop: no waiting either
    received = [int((await layer.receive(channel))["name"]) for _ in range(100)]
    assert received == list(range(100))
    assert realtime.broadcasts_lost == lost
