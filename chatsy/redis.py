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

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, ParamSpec, TypeVar

import redis
import redis.asyncio
from django.conf import settings
from redis.asyncio.retry import Retry as AsyncRetry
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


# redis-py's base error, for callers outside a boundary that must never let one escape.
RedisError = redis.RedisError


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


@contextlib.contextmanager
def _breaker_guard() -> Iterator[None]:
    """The boundary's rules around one call: fail at once while the breaker is open; a
    connection error or timeout opens it, a success closes it. A refused command
    (ResponseError) says Redis is up and trips nothing."""
    breaker = redis_breaker()
    breaker.check()
    try:
        yield
    except (redis.ConnectionError, redis.TimeoutError, TimeoutError) as error:
        breaker.trip()
        raise RedisUnavailable(f"{type(error).__name__}: {error}") from error
    except redis.RedisError as error:
        raise RedisUnavailable(f"{type(error).__name__}: {error}") from error
    breaker.reset()


def redis_boundary(function: Callable[P, R]) -> Callable[P, R]:
    """Decorate a function that talks to Redis: redis-py's errors leave it as RedisUnavailable,
    under the circuit breaker (`_breaker_guard`)."""

    @functools.wraps(function)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        with _breaker_guard():
            return function(*args, **kwargs)

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


# --- Budgets (chatsy.budgets): fixed windows and leases, one round trip per check -------------

# KEYS: one counter per window; ARGV: per key, its window in ms and its limit. Refused when
# any counter is at its limit (nothing is counted then: a refused flood uses up no one else's
# budget); else every counter counts one, a new one starting its window. Returns
# {1, 0} or {0, ms until the latest refusing window ends}.
_WINDOWS_TAKE = """
local wait = -1
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[2 * i]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, ARGV[2 * i - 1])
      ttl = tonumber(ARGV[2 * i - 1])
    end
    wait = math.max(wait, ttl)
  end
end
if wait >= 0 then
  return {0, wait}
end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('PEXPIRE', key, ARGV[2 * i - 1])
  end
end
return {1, 0}
"""

# KEYS[1]: a sorted set of holders by lease expiry (ms, Redis's clock); ARGV: holder, lease
# ms, cap. Expired holders leave first, so a crashed server's leases lapse on their own.
_LEASE_TAKE = """
local now = redis.call('TIME')
local now_ms = now[1] * 1000 + math.floor(now[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) == false
   and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
"""

Window = tuple[tuple[str | int, ...], float, int]  # (key parts, window seconds, limit)


def _window_args(windows: list[Window]) -> tuple[list[str], list[int]]:
    keys = [redis_key("budget", *parts) for parts, _, _ in windows]
    args = [n for _, seconds, limit in windows for n in (max(1, int(seconds * 1000)), limit)]
    return keys, args


@redis_boundary
def redis_windows_take(windows: list[Window]) -> tuple[bool, float]:
    """Count one event in each fixed window unless one is full: (taken, seconds to wait)."""
    keys, args = _window_args(windows)
    taken, wait_ms = redis_client().register_script(_WINDOWS_TAKE)(keys=keys, args=args)
    return bool(taken), int(wait_ms) / 1000


# --- The same from the event loop, without blocking it ----------------------------------------

_async_clients: dict[tuple[asyncio.AbstractEventLoop, str], redis.asyncio.Redis] = {}


def redis_async_client() -> redis.asyncio.Redis:
    """The running loop's client for REDIS_URL: the same timeouts as `redis_client`."""
    loop = asyncio.get_running_loop()
    url = settings.REDIS_URL
    client = _async_clients.get((loop, url))
    if client is None:
        for stale in [key for key in _async_clients if key[0].is_closed()]:
            del _async_clients[stale]
        client = redis.asyncio.Redis.from_url(
            url,
            decode_responses=True,
            socket_timeout=SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            retry=AsyncRetry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
        )
        _async_clients[(loop, url)] = client
    return client


def redis_boundary_async(
    function: Callable[P, Awaitable[R]],
) -> Callable[P, Coroutine[Any, Any, R]]:
    """`redis_boundary` for coroutines: the same breaker, the same RedisUnavailable."""

    @functools.wraps(function)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        with _breaker_guard():
            return await function(*args, **kwargs)

    return call


@redis_boundary_async
async def redis_windows_take_async(windows: list[Window]) -> tuple[bool, float]:
    keys, args = _window_args(windows)
    script = redis_async_client().register_script(_WINDOWS_TAKE)
    taken, wait_ms = await script(keys=keys, args=args)
    return bool(taken), int(wait_ms) / 1000


@redis_boundary_async
async def redis_lease_take_async(
    *parts: str | int, holder: str, lease_seconds: float, cap: int
) -> bool:
    """Hold one of `cap` places in a set for lease_seconds (refreshable); False when full."""
    script = redis_async_client().register_script(_LEASE_TAKE)
    taken = await script(
        keys=[redis_key("lease", *parts)], args=[holder, max(1, int(lease_seconds * 1000)), cap]
    )
    return bool(taken)


@redis_boundary_async
async def redis_lease_release_async(*parts: str | int, holder: str) -> None:
    await redis_async_client().zrem(redis_key("lease", *parts), holder)
