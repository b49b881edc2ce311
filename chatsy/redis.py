"""The one owner of Redis for application code (the waiting line, presence, counters).

Three things live here: the client factory, the key builder, and the boundary that turns
redis-py's errors into `RedisUnavailable`. The channel layer, the cache and Celery open their
own connections from REDIS_URL; everything else asks here. Clients are created lazily, never
at import time, one per URL and process.

Most callers run on Channels' one database thread, so a stopped Redis must not hold it: calls
time out after 0.5 s, and a circuit breaker per URL then fails every call at once (no network)
for a short cool-down before it lets one through to try again.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import redis
from django.conf import settings
from redis.backoff import NoBackoff
from redis.retry import Retry

_lock = threading.Lock()
_clients: dict[str, redis.Redis] = {}

# Fail fast: a queue operation that can't reach Redis falls back to the database.
SOCKET_TIMEOUT_SECONDS = 0.5
# After a connection failure or timeout, calls for this long raise at once without trying.
BREAKER_COOL_DOWN_SECONDS = 2.0

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


class _Breaker:
    """Open for a cool-down after Redis failed to answer; thread-safe, one per URL."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_until = 0.0

    def remaining(self) -> float:
        """Seconds until calls are let through again (0 when closed)."""
        with self._lock:
            return max(0.0, self._open_until - time.monotonic())

    def check(self) -> None:
        remaining = self.remaining()
        if remaining > 0:
            raise RedisUnavailable(f"circuit open for another {remaining:.1f} s")

    def trip(self) -> None:
        with self._lock:
            self._open_until = time.monotonic() + BREAKER_COOL_DOWN_SECONDS

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0


_breakers: dict[str, _Breaker] = {}


def redis_breaker(url: str | None = None) -> _Breaker:
    """The circuit breaker guarding calls to `url` (default: REDIS_URL)."""
    url = url or settings.REDIS_URL
    breaker = _breakers.get(url)
    if breaker is None:
        with _lock:
            breaker = _breakers.setdefault(url, _Breaker())
    return breaker


def redis_boundary(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function that talks to Redis: redis-py's errors leave it as RedisUnavailable.

    While the breaker is open the call fails at once; a connection error or timeout opens it,
    a success closes it. A refused command (ResponseError) says Redis is up and trips nothing.
    """

    @functools.wraps(function)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        breaker = redis_breaker()
        breaker.check()
        try:
            result = function(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            breaker.trip()
            raise RedisUnavailable(f"{type(error).__name__}: {error}") from error
        except redis.RedisError as error:
            raise RedisUnavailable(f"{type(error).__name__}: {error}") from error
        breaker.reset()
        return result

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
                # One immediate retry on a broken connection (a pooled socket to a Redis that
                # restarted); none on a timeout, which would only hold the thread longer.
                retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
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
