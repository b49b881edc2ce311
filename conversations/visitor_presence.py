"""Whether a conversation's visitor is still here: the widget sockets open on it, in any process.

The sweep of abandoned queue entries (agents.services.queue_abandoned_sweep) asks how long the
visitor of each queued chat has been gone. Kept in Redis, one hash per conversation
(`<prefix>:visitor:<public id>`): a field per open socket (its channel name: when it opened)
and `left` (when the last one closed). Redis rather than a column: every Daphne process sees
the same hash, a connect or disconnect costs one round trip and no database write, and
nothing is written per frame. The widget's pings refresh its socket's field (at most once a
minute), so a field older than SOCKET_STALE_SECONDS belongs to a process that died without
running `disconnect`: it then counts as the time that visitor was last seen, not as a socket
still open. The key's TTL, renewed at each write, drops it all after a day of silence; the
sweep then falls back to Customer.last_seen (set by each widget auth).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from asgiref.sync import sync_to_async

from chatsy.redis import RedisUnavailable, redis_boundary, redis_client, redis_key

logger = logging.getLogger(__name__)

PRESENCE_TTL_SECONDS = 24 * 3600
LEFT = "left"
# The widget pings every 25 s; a socket refreshes its field at most every REFRESH_SECONDS.
REFRESH_SECONDS = 60
SOCKET_STALE_SECONDS = 3 * REFRESH_SECONDS


def _key(conversation_id: str) -> str:
    return redis_key("visitor", conversation_id)


@redis_boundary
def visitor_socket_open(*, conversation_id: str, socket: str, now: float | None = None) -> None:
    key = _key(conversation_id)
    pipe = redis_client().pipeline()
    pipe.hset(key, socket, now or time.time())
    pipe.expire(key, PRESENCE_TTL_SECONDS)
    pipe.execute()


@redis_boundary
def visitor_socket_close(*, conversation_id: str, socket: str, now: float | None = None) -> None:
    key = _key(conversation_id)
    pipe = redis_client().pipeline()
    pipe.hdel(key, socket)
    pipe.hset(key, LEFT, now or time.time())
    pipe.expire(key, PRESENCE_TTL_SECONDS)
    pipe.execute()


@redis_boundary
def visitors_last_seen(conversation_ids: Sequence[str], *, now: float) -> dict[str, float | None]:
    """Per conversation: `now` while a socket is open, when the last one closed, or None when
    Redis knows nothing of it (never connected since, or the key lapsed). One round trip."""
    pipe = redis_client().pipeline()
    for conversation_id in conversation_ids:
        pipe.hgetall(_key(conversation_id))
    seen: dict[str, float | None] = {}
    for conversation_id, fields in zip(conversation_ids, pipe.execute(), strict=True):
        times = [float(value) for value in fields.values()]  # sockets' refreshes and `left`
        sockets = [float(value) for name, value in fields.items() if name != LEFT]
        if any(at >= now - SOCKET_STALE_SECONDS for at in sockets):
            seen[conversation_id] = now  # a socket still open and pinging
        else:
            seen[conversation_id] = max(times, default=None)
    return seen


async def visitor_arrived(*, conversation_id: str, socket: str) -> None:
    """For the widget's consumer, once the socket is authenticated. Off the event loop and
    off the database thread; a Redis failure only costs the sweep its signal (it then keeps
    the chat, or falls back to Customer.last_seen)."""
    await _quietly(visitor_socket_open, conversation_id, socket)


async def visitor_still_here(*, conversation_id: str, socket: str) -> None:
    """For the widget's consumer on a ping (it throttles to one per REFRESH_SECONDS)."""
    await _quietly(visitor_socket_open, conversation_id, socket)


async def visitor_left(*, conversation_id: str, socket: str) -> None:
    await _quietly(visitor_socket_close, conversation_id, socket)


async def _quietly(write, conversation_id: str, socket: str) -> None:
    try:
        await sync_to_async(write, thread_sensitive=False)(
            conversation_id=conversation_id, socket=socket
        )
    except RedisUnavailable:
        logger.warning("visitor presence of %s not recorded (Redis unreachable)", conversation_id)
