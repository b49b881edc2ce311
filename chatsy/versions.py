"""Version counters in the shared cache: how one process tells the others to rebuild something.

The policy and the knowledge-base index are built once per process and kept in memory next to
the version they were built at. Saving a rule or an article bumps the version; every process
reads it at most once per CHECK_SECONDS (never per message) and rebuilds when it moved. The
process that saved sees its own bump at once. If Redis fails, the last known version stands
(the process keeps deciding with what it has) and the next read waits BACKOFF_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

CHECK_SECONDS = 1.0
BACKOFF_SECONDS = 5.0


class SharedVersion:
    def __init__(self, key: str) -> None:
        self.key = key
        self._lock = threading.Lock()
        self._known = 0
        self._local = 0  # this process's own bumps: seen at once, even with Redis down
        self._next_read = 0.0  # time.monotonic() after which the cache is read again

    def current(self) -> tuple[int, int]:
        """The version, read from the shared cache at most once per CHECK_SECONDS."""
        now = time.monotonic()
        if now >= self._next_read:
            self._read(now)
        return self._known, self._local

    def _read(self, now: float) -> None:
        with self._lock:
            if now < self._next_read:
                return
            try:
                self._known = int(cache.get(self.key, 0))
                self._next_read = now + CHECK_SECONDS
            except Exception as error:  # noqa: BLE001 - Redis down or stalled: keep what we have
                logger.warning(
                    "reading %s failed (%s): keeping what this process has", self.key, error
                )
                self._next_read = now + BACKOFF_SECONDS

    def bump_on_commit(self) -> None:
        """Every process rebuilds once this transaction commits; this one at once too, so its
        next read in this transaction sees the change (a rollback is healed by the commit-time
        bump of the next change, or the caller's own checks)."""
        with self._lock:
            self._local += 1
        transaction.on_commit(self.bump)

    def bump(self) -> None:
        try:
            try:
                cache.incr(self.key)
            except ValueError:  # not set yet
                cache.set(self.key, 1, timeout=None)
        except Exception:  # noqa: BLE001 - other processes catch up when Redis is back
            logger.exception("bumping %s failed", self.key)
        with self._lock:
            self._local += 1
