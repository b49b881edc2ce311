"""Agent presence in Redis: the chosen status (online / away / offline) and the live consoles.

A status key per agent expires PRESENCE_TTL seconds after the last heartbeat; a sorted set of
last heartbeats lets the reconciler find who expired without scanning keys (the grace period
before their chats go back to the line). Apart from it, a sorted set per agent holds their open
console sockets scored by last heartbeat: an agent is *available* (auto-assign, wait estimates)
only while their status is online AND one of those sockets beat within CONSOLE_TTL seconds, so
closing the console takes them out at once and a killed browser or server within the TTL.
Keys live under the deployment's prefix (chatsy.redis.redis_key); every Redis failure leaves as
RedisUnavailable.
"""

from __future__ import annotations

import time
from typing import cast

from django.conf import settings

from chatsy.redis import redis_boundary, redis_client, redis_key

STATUSES = ("online", "away", "offline")


def _status_key(agent_id: int) -> str:
    return redis_key("presence", agent_id)


def _seen_key() -> str:
    return redis_key("presence", "seen")


def _consoles_key(agent_id: int) -> str:
    return redis_key("presence", "consoles", agent_id)


def presence_ttl() -> int:
    return settings.CHATSY_PRESENCE_TTL_SECONDS


def console_ttl() -> int:
    return settings.CHATSY_CONSOLE_TTL_SECONDS


@redis_boundary
def presence_set(agent_id: int, status: str, *, now: float | None = None) -> None:
    """Record a status (and heartbeat). Offline removes the agent at once."""
    client = redis_client()
    if status == "offline":
        pipe = client.pipeline()
        pipe.delete(_status_key(agent_id))
        pipe.zrem(_seen_key(), agent_id)
        pipe.execute()
        return
    now = time.time() if now is None else now
    pipe = client.pipeline()
    pipe.set(_status_key(agent_id), status, ex=presence_ttl())
    pipe.zadd(_seen_key(), {str(agent_id): now})
    pipe.execute()


@redis_boundary
def presence_get(agent_id: int) -> str:
    return cast(str | None, redis_client().get(_status_key(agent_id))) or "offline"


@redis_boundary
def presence_online(agent_ids: list[int], *, now: float | None = None) -> set[int]:
    """Which of these agents are available now: status online (not away, not expired) and a
    console socket that beat within the console TTL. Two round trips, whatever the count."""
    if not agent_ids:
        return set()
    client = redis_client()
    statuses = client.mget([_status_key(a) for a in agent_ids])
    online = [a for a, status in zip(agent_ids, statuses, strict=True) if status == "online"]
    if not online:
        return set()
    cutoff = (time.time() if now is None else now) - console_ttl()
    pipe = client.pipeline()
    for agent in online:
        pipe.zcount(_consoles_key(agent), f"({cutoff}", "+inf")
    live = pipe.execute()
    return {agent for agent, count in zip(online, live, strict=True) if count}


@redis_boundary
def presence_console_beat(agent_id: int, connection_id: str, *, now: float | None = None) -> int:
    """A console socket opened or beat: record it; returns how many of the agent's consoles
    are live now (stale ones, from a server that died, are dropped on the way)."""
    now = time.time() if now is None else now
    key = _consoles_key(agent_id)
    pipe = redis_client().pipeline()
    pipe.zadd(key, {connection_id: now})
    pipe.zremrangebyscore(key, "-inf", now - console_ttl())
    pipe.expire(key, console_ttl())
    pipe.zcard(key)
    return int(pipe.execute()[-1])


@redis_boundary
def presence_console_close(agent_id: int, connection_id: str, *, now: float | None = None) -> int:
    """A console socket closed; returns how many of the agent's consoles are still live."""
    now = time.time() if now is None else now
    key = _consoles_key(agent_id)
    pipe = redis_client().pipeline()
    pipe.zrem(key, connection_id)
    pipe.zcount(key, f"({now - console_ttl()}", "+inf")
    return int(pipe.execute()[-1])


@redis_boundary
def presence_expired(*, now: float | None = None) -> list[int]:
    """Agents whose heartbeat stopped more than the TTL ago; forgets them as it reports them."""
    client = redis_client()
    cutoff = (time.time() if now is None else now) - presence_ttl()
    expired = cast(list[str], client.zrangebyscore(_seen_key(), "-inf", cutoff))
    if expired:
        client.zrem(_seen_key(), *expired)
    return [int(agent) for agent in expired]


@redis_boundary
def presence_statuses(agent_ids: list[int]) -> dict[int, str]:
    """Each agent's status in one round trip (missing or expired keys read as offline)."""
    if not agent_ids:
        return {}
    statuses = cast(list[str | None], redis_client().mget([_status_key(a) for a in agent_ids]))
    return {agent: status or "offline" for agent, status in zip(agent_ids, statuses, strict=True)}


@redis_boundary
def presence_touch(agent_id: int) -> str:
    """The console's heartbeat: keep an online / away status alive; offline stays offline."""
    client = redis_client()
    if not client.expire(_status_key(agent_id), presence_ttl()):
        return "offline"
    client.zadd(_seen_key(), {str(agent_id): time.time()})
    return presence_get(agent_id)
