"""The one owner of Redis for application code (the waiting line, presence, counters).

Three things live here: the client factory, the key builder, and the boundary that turns
redis-py's errors into `RedisUnavailable`. The channel layer, the cache and Celery open their
own connections from REDIS_URL; everything else asks here. Clients are created lazily, never
at import time, one per URL and process.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import redis
from django.conf import settings

_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}

# Fail fast: a queue operation that can't reach Redis falls back to the database.
SOCKET_TIMEOUT_SECONDS = 2.0

P = ParamSpec("P")
R = TypeVar("R")


class RedisUnavailable(Exception):
    """Redis could not serve a call (unreachable, timed out, or it refused the command).

    Raised in place of redis-py's errors, which keep their place as `__cause__`; callers fall
    back to the database, which is the truth.
    """


def redis_key(*parts: str | int) -> str:
    """A key in this deployment's namespace: `<CHATSY_REDIS_PREFIX>:<part>:<part>…`.

    Every application key is built here, so two deployments with different prefixes can share
    one Redis without seeing each other's queues or presence.
    """
    return ":".join([settings.CHATSY_REDIS_PREFIX, *map(str, parts)])


def redis_boundary(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function that talks to Redis: redis-py's errors leave it as RedisUnavailable."""

    @functools.wraps(function)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except redis.RedisError as error:
            raise RedisUnavailable(f"{type(error).__name__}: {error}") from error

    return call


def redis_client() -> redis.Redis:
    """The shared client for REDIS_URL. Only the modules owning keys call Redis through it."""
    url = settings.REDIS_URL
    client = _clients.get(url)
    if client is None:
        with _lock:
            client = _clients.get(url) or redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_timeout=SOCKET_TIMEOUT_SECONDS,
                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
                health_check_interval=30,
            )
            _clients[url] = client
    return client


@redis_boundary
def redis_counter_next(*parts: str | int) -> int:
    """Increment a shared counter and return its new value (round-robin turns)."""
    return int(redis_client().incr(redis_key(*parts)))


@redis_boundary
def redis_mark_once(*parts: str | int, ttl_seconds: int) -> bool:
    """True for the first caller to mark this key within ttl_seconds, False after (SET NX)."""
    return bool(redis_client().set(redis_key(*parts), 1, nx=True, ex=ttl_seconds))
