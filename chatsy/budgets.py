"""Budgets for what an anonymous visitor may do, and the client address they are keyed on.

A budget is a count per fixed window (settings.CHATSY_BUDGETS: "20/10" is 20 per 10 s), kept
in Redis (chatsy.redis) so every socket and server process of one visitor, or of one client
address, draws on the same count: one round trip per check, both keys at once. The decision
itself is pure (`verdict_of`). When Redis is unavailable the budgets fail OPEN onto a count
kept in this process: a Redis outage must not lock every visitor out, and one process's
count still stops a flood on its own sockets.

The client address the budgets are keyed on comes from chatsy.client_address.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass

from django.conf import settings

from chatsy.redis import (
    RedisUnavailable,
    Window,
    redis_lease_release_async,
    redis_lease_take_async,
    redis_windows_take,
    redis_windows_take_async,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Budget:
    limit: int
    window_seconds: float

    @classmethod
    def parse(cls, text: str) -> Budget | None:
        """ "20/10" → 20 per 10 s; "" → no budget."""
        if not text.strip():
            return None
        count, _, seconds = text.partition("/")
        return cls(limit=int(count), window_seconds=float(seconds or 1))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: float = 0.0  # seconds until the refusing window ends


def verdict_of(counts: Iterable[tuple[int, float]], limits: Iterable[int]) -> Verdict:
    """Given each window's count so far and seconds left: allowed while every one has room;
    else wait for the latest full window to end. (The Lua script in chatsy.redis decides the
    same in Redis.)"""
    waits = [left for (count, left), limit in zip(counts, limits, strict=True) if count >= limit]
    return Verdict(allowed=True) if not waits else Verdict(allowed=False, retry_after=max(waits))


def budgets_for(kind: str) -> tuple[Budget | None, Budget | None]:
    """(per visitor, per address) for one kind of action."""
    per_visitor, per_address = settings.CHATSY_BUDGETS[kind]
    # The two budgets older than this module keep their own settings (None in CHATSY_BUDGETS).
    if per_visitor is None and kind == "message":
        per_visitor = (
            f"{settings.CHATSY_RATE_LIMIT_MESSAGES}/{settings.CHATSY_RATE_LIMIT_WINDOW_SECONDS}"
        )
    if per_address is None and kind == "visitor":
        per_address = f"{settings.CHATSY_SESSIONS_PER_MINUTE}/60"
    return Budget.parse(per_visitor or ""), Budget.parse(per_address or "")


def _windows(kind: str, visitor: str | None, address: str | None) -> list[Window]:
    per_visitor, per_address = budgets_for(kind)
    return [
        ((kind, scope, who), budget.window_seconds, budget.limit)
        for scope, who, budget in (("v", visitor, per_visitor), ("a", address, per_address))
        if who is not None and budget is not None
    ]


def budget_take(kind: str, *, visitor: str | None = None, address: str | None = None) -> Verdict:
    """Count one `kind` for this visitor and address; refused (and not counted) when either
    budget is used up."""
    windows = _windows(kind, visitor, address)
    if not windows:
        return Verdict(allowed=True)
    try:
        return Verdict(*redis_windows_take(windows))
    except RedisUnavailable as error:
        return _fallback_take(windows, error)


async def budget_take_async(
    kind: str, *, visitor: str | None = None, address: str | None = None
) -> Verdict:
    """`budget_take` from the event loop, without blocking it."""
    windows = _windows(kind, visitor, address)
    if not windows:
        return Verdict(allowed=True)
    try:
        return Verdict(*await redis_windows_take_async(windows))
    except RedisUnavailable as error:
        return _fallback_take(windows, error)


class LocalWindows:
    """The per-process stand-in while Redis is unavailable: the same fixed windows."""

    MAX_KEYS = 50_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._windows: dict[Hashable, tuple[float, int]] = {}  # key → (window end, count)

    def take(self, windows: list[Window]) -> Verdict:
        now = self._clock()
        with self._lock:
            if len(self._windows) > self.MAX_KEYS:
                self._windows = {k: v for k, v in self._windows.items() if v[0] > now}
            current = []
            for parts, seconds, _ in windows:
                end, count = self._windows.get(parts, (0.0, 0))
                current.append((now + seconds, 0) if end <= now else (end, count))
            verdict = verdict_of(
                [(count, end - now) for end, count in current], [limit for *_, limit in windows]
            )
            if verdict.allowed:
                for (parts, _, _), (end, count) in zip(windows, current, strict=True):
                    self._windows[parts] = (end, count + 1)
            return verdict


_local = LocalWindows()


def _fallback_take(windows: list[Window], error: RedisUnavailable) -> Verdict:
    # Fail open, per process: see the module's docstring.
    logger.warning("budgets: Redis unavailable (%s); counting in this process", error)
    return _local.take(windows)


# --- Places held at once (unauthenticated sockets per address) ------------------------------

_local_leases: dict[str, dict[str, float]] = {}


async def lease_take(*, kind: str, address: str, holder: str, cap: int, seconds: float) -> bool:
    """Hold one of `cap` places for `address` for `seconds` at most; False when all are held.
    Fails open onto this process's own count when Redis is unavailable."""
    try:
        return await redis_lease_take_async(
            kind, address, holder=holder, lease_seconds=seconds, cap=cap
        )
    except RedisUnavailable as error:
        logger.warning("budgets: Redis unavailable (%s); leases held in this process", error)
    now = time.monotonic()
    held = {h: end for h, end in _local_leases.get(address, {}).items() if end > now}
    if holder not in held and len(held) >= cap:
        return False
    held[holder] = now + seconds
    _local_leases[address] = held
    return True


async def lease_release(*, kind: str, address: str, holder: str) -> None:
    _local_leases.get(address, {}).pop(holder, None)
    with contextlib.suppress(RedisUnavailable):  # else the lease lapses on its own
        await redis_lease_release_async(kind, address, holder=holder)
