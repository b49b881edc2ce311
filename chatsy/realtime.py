"""The one owner of the channel layer: group names and broadcast helpers. What is sent is an
`Event` built by `chatsy.events`.

Channel layers are at-most-once, so nothing here is durable: the database and the
per-conversation `seq` are the truth, and clients resync after reconnecting.

Nothing waits long on Redis: each ASGI event loop has one publisher that sends broadcasts in
the order they were handed over, each bounded by PUBLISH_TIMEOUT_SECONDS; sync code (the
database thread, on commit) hands events over without waiting. A lost broadcast is counted and
reported to `chatsy.layer_health`, which tells every socket to resync once the layer works.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import Any, cast
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from chatsy import layer_health
from chatsy.events import Event

logger = logging.getLogger(__name__)

CONSOLE_GROUP = "console.conversations"


def conversation_group(public_id: UUID | str) -> str:
    """Every visitor socket of one conversation, and the agent serving it."""
    return f"conversation.{public_id}"


def agent_group(agent_id: int) -> str:
    return f"agent.{agent_id}"


def queue_group(queue_slug: str) -> str:
    return f"queue.{queue_slug}"


def staff_conversation_group(public_id: UUID | str) -> str:
    """The agents holding or watching one conversation: internal notes, card updates.

    Never joined by a visitor socket, so nothing sent here can reach the widget.
    """
    return f"staff.conversation.{public_id}"


def user_group(user_id: int) -> str:
    """Every console socket of one logged-in user (closed together on logout)."""
    return f"user.{user_id}"


SUPERVISORS_GROUP = "console.supervisors"


# A broadcast that Redis has not taken within this long is dropped (and counted): the clients
# resync from the database. Nothing waits longer on a stalled Redis.
PUBLISH_TIMEOUT_SECONDS = 1.0
# After a failed publish, publishes fail fast for up to this long while the layer's watchdog
# (chatsy.layer_health) finds Redis down, instead of each waiting the timeout.
FAIL_FAST_SECONDS = 5.0


class _Publisher:
    """Sends broadcasts from one event loop, one at a time in the order they were handed over.

    Sync code (the database thread, on commit) hands events over without waiting: an ack never
    waits on Redis, and a stalled Redis never blocks the database thread.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[tuple[str, Event]] = asyncio.Queue(maxsize=10_000)
        self.task = loop.create_task(self._run())
        # Handed over from other threads; one wake-up of the loop takes all of them (a commit
        # usually broadcasts twice: the message, and the console's row).
        self._handed: list[tuple[str, Event]] = []
        self._handed_lock = threading.Lock()

    def put_threadsafe(self, group: str, event: Event) -> None:
        with self._handed_lock:
            self._handed.append((group, event))
            if len(self._handed) > 1:
                return  # a wake-up is already on its way
        try:
            self.loop.call_soon_threadsafe(self._take_handed)
        except RuntimeError:  # the loop closed meanwhile (shutdown): the clients resync
            _failed(group, "the event loop closed")

    def _take_handed(self) -> None:
        with self._handed_lock:
            handed, self._handed = self._handed, []
        for group, event in handed:
            self.put(group, event)

    def put(self, group: str, event: Event) -> None:
        try:
            self.queue.put_nowait((group, event))
        except asyncio.QueueFull:
            _failed(group, "the publish queue is full")

    async def _run(self) -> None:
        while True:
            group, event = await self.queue.get()
            try:
                await group_send_async(group, event)
            except Exception:  # noqa: BLE001 - a listener's bug must not stop every broadcast
                logger.exception("publishing to %s failed", group)


_publishers: dict[asyncio.AbstractEventLoop, _Publisher] = {}
_latest_loop: asyncio.AbstractEventLoop | None = None
_failing_until = 0.0
broadcasts_lost = 0  # since the process started


def publisher_start() -> None:
    """Start this loop's publisher (idempotent). Called from async code, e.g. on connect."""
    global _latest_loop
    loop = asyncio.get_running_loop()
    publisher = _publishers.get(loop)
    if publisher is None or publisher.task.done():
        for stale in [old for old in _publishers if old.is_closed()]:
            del _publishers[stale]
        _publishers[loop] = _Publisher(loop)
    _latest_loop = loop


def group_send(group: str, event: Event) -> None:
    """Send without waiting for Redis, from sync code or the event loop. In the ASGI process
    the event goes to the server loop's publisher; elsewhere (Celery, commands) it is sent
    here, bounded by the timeout. Failures are logged and counted, never raised."""
    loop = _latest_loop
    if loop is not None and loop.is_running() and not loop.is_closed():
        publisher = _publishers.get(loop)
        if publisher is not None:
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is loop:
                publisher.put(group, event)
            else:
                publisher.put_threadsafe(group, event)
            return
    try:
        async_to_sync(group_send_async)(group, event)
    except RuntimeError:  # called from a running loop's own thread: hand it over instead
        publisher_start()
        _publishers[asyncio.get_running_loop()].put(group, event)


async def group_send_async(group: str, event: Event) -> None:
    """Send now and wait at most PUBLISH_TIMEOUT_SECONDS; fail fast while Redis is failing."""
    global _failing_until
    layer = get_channel_layer()
    if layer is None:
        return
    if time.monotonic() < _failing_until and not layer_health.redis_up():
        _failed(group, "Redis is down")  # until the watchdog's next good probe
        return
    try:
        async with asyncio.timeout(PUBLISH_TIMEOUT_SECONDS):
            await layer.group_send(group, _message(event))
    except Exception as error:  # noqa: BLE001 - a lost broadcast is repaired by resync
        _failing_until = time.monotonic() + FAIL_FAST_SECONDS
        _failed(group, f"{type(error).__name__}: {error}")


def group_send_on_commit(group: str, event: Event) -> None:
    """Broadcast once the surrounding transaction commits (never for rolled-back writes)."""
    transaction.on_commit(lambda: group_send(group, event))


def _failed(group: str, reason: str) -> None:
    """A broadcast is lost: count it, log it, and let the sockets know to resync."""
    global broadcasts_lost
    broadcasts_lost += 1
    logger.warning("broadcast to %s lost: %s", group, reason)
    layer_health.broadcast_failed()


def _message(event: Event) -> dict[str, Any]:
    """The layer's message is the event itself (a TypedDict is a plain dict at run time)."""
    return cast(dict[str, Any], event)
