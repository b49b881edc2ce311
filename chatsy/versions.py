"""Versions in Redis: how one process tells the others to rebuild something.

The policy and the knowledge-base index are built once per process and kept in memory next to
the version they were built at. Saving a rule or an article bumps the version (a fresh random
token, so a flushed or restarted Redis can never hand back a value a process already saw);
every process reads all versions in one MGET at most once per CHECK_SECONDS — never per
message — and rebuilds what moved. The process that saved sees its own change at once.

Redis trouble never stops a decision: the last known versions stand, the next read waits
BACKOFF_SECONDS (chatsy.redis's short timeouts bound the stall of the one read that fails),
and a bump that could not be written is written by the next successful read.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import cast

from django.db import transaction

from chatsy.redis import RedisUnavailable, redis_boundary, redis_client, redis_key

logger = logging.getLogger(__name__)

CHECK_SECONDS = 1.0
BACKOFF_SECONDS = 5.0

_lock = threading.Lock()
_registry: dict[str, SharedVersion] = {}
_next_read = 0.0  # time.monotonic() after which Redis is read again


class SharedVersion:
    def __init__(self, name: str) -> None:
        self.name = name
        self.shared: str | None = None  # the token in Redis when last read
        self.local = 0  # this process's own bumps: seen at once, even with Redis down
        self.unwritten = False  # a bump Redis did not take yet
        _registry[name] = self

    @property
    def key(self) -> str:
        return redis_key("version", self.name)

    def current(self) -> tuple[str | None, int]:
        """The version, read from Redis at most once per CHECK_SECONDS (all versions at once)."""
        if time.monotonic() >= _next_read:
            _refresh()
        return self.shared, self.local

    def bump_on_commit(self) -> None:
        """Every process rebuilds once this transaction commits; this one at once too, so its
        next read in this transaction sees the change."""
        with _lock:
            self.local += 1
        transaction.on_commit(self.bump)

    def bump(self) -> None:
        with _lock:
            self.local += 1
            self.unwritten = True
        _refresh(force=True)


def _refresh(*, force: bool = False) -> None:
    global _next_read
    with _lock:
        now = time.monotonic()
        if not force and now < _next_read:
            return
        versions = list(_registry.values())
        try:
            _write_bumps([v for v in versions if v.unwritten])
            tokens = _read([v.key for v in versions])
        except RedisUnavailable as error:
            logger.warning("reading versions failed (%s): keeping what this process has", error)
            _next_read = now + BACKOFF_SECONDS
            return
        for version, token in zip(versions, tokens, strict=True):
            version.shared = token
        _next_read = now + CHECK_SECONDS


@redis_boundary
def _write_bumps(versions: list[SharedVersion]) -> None:
    for version in versions:
        redis_client().set(version.key, uuid.uuid4().hex)
        version.unwritten = False


@redis_boundary
def _read(keys: list[str]) -> list[str | None]:
    # The client decodes replies (chatsy.redis): str or None.
    return [cast(str | None, token) for token in redis_client().mget(keys)] if keys else []
