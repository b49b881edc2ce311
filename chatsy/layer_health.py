"""The channel layer's health in this process, and telling clients to resync when it faltered.

Measured on channels-redis 4.3's RedisPubSubChannelLayer (docs/architecture.md, "When Redis
fails"): while Redis is down `group_send` raises at once, and while it is stopped it hangs; when
Redis returns, the layer's pub/sub connection reconnects and re-subscribes every channel and
group by itself, but what was published before it re-subscribed (up to about a second) is
dropped without an error, and what failed to publish is gone. The layer never tells anyone.

So each process that serves sockets runs one watchdog per event loop. Every second it sends a
probe through the layer to a channel of its own and waits up to 0.5 s for it to come back: one
round trip proves both publishing and this process's subscriptions. When the layer faltered
(a probe failed, the pub/sub connection reconnected, or the pipeline reported a failed
publish with `broadcast_failed()`), the first good round trip after it sends one `layer.resync`
event to `RESYNC_GROUP`, which every registered socket of every process has joined: widgets
get a `resync` frame and fetch what they missed by `seq`, consoles refresh. The database is the
truth; this only says when to read it again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
import weakref
from typing import Any, Protocol, cast

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, get_channel_layer

from chatsy import events

logger = logging.getLogger(__name__)

RESYNC_GROUP = "layer.resync"
PROBE_INTERVAL_SECONDS = 1.0
PROBE_TIMEOUT_SECONDS = 0.5
# However often broadcast_failed() or reconnects wake it: at most 5 probes a second.
PROBE_SPACING_SECONDS = 0.2
# A process without a watchdog (a Celery worker) retries the hint this long, then gives up.
ORPHAN_HINT_ATTEMPTS = 30


class Socket(Protocol):
    """A consumer that takes `layer.resync` events (a `layer_resync` handler)."""

    @property
    def channel_layer(self) -> BaseChannelLayer | None: ...

    @property
    def channel_name(self) -> str: ...


_lock = threading.Lock()
_sockets: weakref.WeakSet[Any] = weakref.WeakSet()
_watchdogs: dict[asyncio.AbstractEventLoop, _Watchdog] = {}
_verdict = {"up": True}
_orphan_hint = threading.Event()  # set while a helper thread is delivering a hint


def redis_up() -> bool:
    """The watchdog's last verdict on the layer's Redis: True until a probe failed.

    Always True in a process without sockets (no watchdog runs there). A caller that skips a
    publish because Redis is down must still call broadcast_failed(): the event is lost."""
    return _verdict["up"]


def sockets_registered() -> int:
    return len(_sockets)


async def socket_register(socket: Socket) -> None:
    """Count this socket in for resync hints (after accept or auth) and start the watchdog.

    Joins RESYNC_GROUP; raises what the layer raises (like any group_add before it)."""
    layer = socket.channel_layer
    if layer is None:
        return
    await layer.group_add(RESYNC_GROUP, socket.channel_name)
    with _lock:
        _sockets.add(socket)
    _watchdog_ensure()


async def socket_unregister(socket: Socket) -> None:
    """On disconnect. Never raises: the socket is going away anyway."""
    with _lock:
        _sockets.discard(socket)
    layer = socket.channel_layer
    if layer is None:
        return
    try:
        await asyncio.wait_for(
            layer.group_discard(RESYNC_GROUP, socket.channel_name), PROBE_TIMEOUT_SECONDS
        )
    except Exception:  # noqa: BLE001 - a stale group member only costs a dropped event
        logger.debug("leaving %s failed", RESYNC_GROUP, exc_info=True)


def broadcast_failed() -> None:
    """A publish was lost (error or timeout): have every socket resync once the layer works.

    Safe from any thread and any loop. With a watchdog in this process it probes at once and
    hints after a good round trip; without one (a Celery worker), a helper thread retries the
    hint for up to ORPHAN_HINT_ATTEMPTS seconds."""
    with _lock:
        watchdogs = [w for w in _watchdogs.values() if w.loop.is_running()]
    poked = False
    for watchdog in watchdogs:
        try:
            watchdog.loop.call_soon_threadsafe(watchdog.broadcast_failed)
            poked = True
        except RuntimeError:  # its loop closed meanwhile
            continue
    if not poked and not _orphan_hint.is_set():
        _orphan_hint.set()
        threading.Thread(target=_orphan_hint_deliver, name="layer-resync-hint", daemon=True).start()


def _orphan_hint_deliver() -> None:
    try:
        for _ in range(ORPHAN_HINT_ATTEMPTS):
            try:
                async_to_sync(_send_hint)()
                return
            except Exception:  # noqa: BLE001
                logger.debug("resync hint not delivered yet", exc_info=True)
            threading.Event().wait(PROBE_INTERVAL_SECONDS)
        logger.warning("resync hint not delivered after %s attempts", ORPHAN_HINT_ATTEMPTS)
    finally:
        _orphan_hint.clear()


async def _send_hint() -> None:
    layer = get_channel_layer()
    if layer is not None:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            await layer.group_send(RESYNC_GROUP, cast(dict[str, Any], events.layer_resync()))


def _watchdog_ensure() -> None:
    loop = asyncio.get_running_loop()
    with _lock:
        for closed in [other for other in _watchdogs if other.is_closed()]:
            del _watchdogs[closed]  # a loop closed without cancelling its tasks
        if loop not in _watchdogs:
            _watchdogs[loop] = _Watchdog(loop)


def _verdict_set(up: bool) -> None:
    if up != _verdict["up"]:
        (logger.info if up else logger.warning)(
            "channel layer %s", "reachable again" if up else "unreachable"
        )
    _verdict["up"] = up


class _Watchdog:
    """One per process and event loop: probes the layer, hints sockets after trouble."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.wake = asyncio.Event()
        self.faltered = False  # since the last hint: a failed probe or a reconnect
        self.lost_broadcast = False
        self.layer: Any = None
        self.channel: str | None = None
        self.receiver: asyncio.Task[None] | None = None
        self.waiting: dict[str, asyncio.Future[None]] = {}
        self.task = loop.create_task(self.run(), name="chatsy-layer-watchdog")

    def broadcast_failed(self) -> None:
        self.lost_broadcast = True
        self.wake.set()

    def on_pubsub_connect(self, connection: object) -> None:
        """redis-py calls this when the layer's pub/sub connection (re)connects."""
        self.faltered = True
        self.wake.set()

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self.tick()
                except Exception:  # noqa: BLE001 - the watchdog outlives any one failure
                    logger.exception("layer watchdog tick failed")
                    self.faltered = True
                await asyncio.sleep(PROBE_SPACING_SECONDS)
                try:
                    async with asyncio.timeout(PROBE_INTERVAL_SECONDS - PROBE_SPACING_SECONDS):
                        await self.wake.wait()
                except TimeoutError:
                    pass
                self.wake.clear()
        finally:
            if self.receiver is not None:
                self.receiver.cancel()
            with _lock:
                if _watchdogs.get(self.loop) is self:
                    del _watchdogs[self.loop]

    async def tick(self) -> None:
        up = await self.probe()
        _verdict_set(up)
        if not up:
            self.faltered = True
            return
        self.watch_reconnects()
        if self.faltered or self.lost_broadcast:
            self.faltered = self.lost_broadcast = False
            try:
                await _send_hint()
            except BaseException:
                self.faltered = True
                raise
            logger.info("told %s local sockets (and every process) to resync", len(_sockets))

    async def probe(self) -> bool:
        """One round trip through the layer to this watchdog's own channel, within 0.5 s."""
        layer: Any = get_channel_layer()
        if layer is not self.layer:  # settings changed (tests): start over on the new layer
            self.reset(layer)
        if layer is None:
            return True
        probe_id = uuid.uuid4().hex
        arrived: asyncio.Future[None] = self.loop.create_future()
        self.waiting[probe_id] = arrived
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
                if self.channel is None:
                    self.channel = await layer.new_channel("layer-health.")
                    self.receiver = self.loop.create_task(self.receive(layer, self.channel))
                await layer.send(self.channel, {"probe": probe_id})
                await arrived
            return True
        except Exception:  # noqa: BLE001 - timeouts and Redis errors alike mean "down"
            logger.debug("layer probe failed", exc_info=True)
            return False
        finally:
            self.waiting.pop(probe_id, None)

    def reset(self, layer: Any) -> None:
        if self.receiver is not None:
            self.receiver.cancel()
        self.layer, self.channel, self.receiver = layer, None, None

    async def receive(self, layer: Any, channel: str) -> None:
        while True:
            message = await layer.receive(channel)
            arrived = self.waiting.get(str(message.get("probe")))
            if arrived is not None and not arrived.done():
                arrived.set_result(None)

    def watch_reconnects(self) -> None:
        """Hear of every reconnect of the layer's pub/sub connections, however brief: events
        published before its re-subscription were dropped. channels-redis 4.3 internals
        (`_shards`, `_pubsub`); a layer without them relies on the probes alone."""
        try:
            shards = self.layer._get_layer()._shards
        except AttributeError:
            return
        for shard in shards:
            connection = getattr(getattr(shard, "_pubsub", None), "connection", None)
            if connection is not None:  # idempotent: redis-py keeps each callback once
                connection.register_connect_callback(self.on_pubsub_connect)
