"""chatsy.layer_health on an in-memory layer that can be made to fail: the verdict, the hint
after recovery and after a reported lost publish, and the registry. No Redis, no network (the
real Redis cases: tests/integration/test_layer_resync.py)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer

from chatsy import layer_health

pytestmark = pytest.mark.asyncio

BUDGET = 5.0


class FlakyLayer(InMemoryChannelLayer):
    """Sends fail while `down` is set, as the Redis layer's do while Redis is unreachable.
    (Set on the instance: the settings import this module under a second name.)"""

    down = False

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        if self.down:
            raise ConnectionError("Redis is down")
        await super().send(channel, message)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if self.down:
            raise ConnectionError("Redis is down")
        await super().group_send(group, message)


class FakeSocket:
    def __init__(self, layer: Any, channel_name: str) -> None:
        self.channel_layer = layer
        self.channel_name = channel_name


@pytest.fixture
def flaky_layer(settings) -> None:
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "tests.unit.test_layer_health.FlakyLayer"}}


async def registered_socket() -> FakeSocket:
    layer = get_channel_layer()
    socket = FakeSocket(layer, await layer.new_channel())
    await layer_health.socket_register(socket)
    return socket


async def next_event(socket: FakeSocket) -> dict[str, Any]:
    return await asyncio.wait_for(socket.channel_layer.receive(socket.channel_name), BUDGET)


async def until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + BUDGET
    while not check():
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)


async def test_a_failing_layer_is_reported_down_then_every_socket_is_told_to_resync(flaky_layer):
    socket = await registered_socket()
    assert layer_health.redis_up()
    socket.channel_layer.down = True
    await until(lambda: not layer_health.redis_up())
    socket.channel_layer.down = False
    assert await next_event(socket) == {"type": "layer.resync"}
    assert layer_health.redis_up()


async def test_a_lost_publish_reported_from_another_thread_is_followed_by_a_hint(flaky_layer):
    socket = await registered_socket()
    await until(layer_health.redis_up)
    reporter = threading.Thread(target=layer_health.broadcast_failed)
    reporter.start()
    reporter.join(timeout=BUDGET)
    assert await next_event(socket) == {"type": "layer.resync"}


async def test_no_hint_while_nothing_went_wrong(flaky_layer):
    socket = await registered_socket()
    await asyncio.sleep(0)  # let the watchdog start
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(
            socket.channel_layer.receive(socket.channel_name),
            layer_health.PROBE_INTERVAL_SECONDS * 2.5,  # two probes at least
        )


async def test_unregistered_sockets_are_forgotten_and_leave_the_group(flaky_layer):
    socket = await registered_socket()
    count = layer_health.sockets_registered()
    await layer_health.socket_unregister(socket)
    assert layer_health.sockets_registered() == count - 1
    layer = socket.channel_layer
    assert socket.channel_name not in layer.groups.get(layer_health.RESYNC_GROUP, {})
