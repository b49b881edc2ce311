"""Count the SQL statements and database thread hops a piece of in-process work costs.

    from chatsy.bench.counters import pipeline_counts

    with pipeline_counts() as counts:
        ...  # drive the real ASGI app, e.g. through channels.testing.WebsocketCommunicator
        await counts.settle()  # background work (the bot's turn) finished too
    assert counts.sql <= 8 and counts.hops <= 2

Counted while the block runs, in every thread of this process:
- `sql`: every statement executed through a Django cursor on any database connection
  (what `CaptureQueriesContext` sees, on every thread, including SQLite's `BEGIN IMMEDIATE`;
  commits made by the driver itself are not statements). `statements` lists them in order.
- `hops`: every call that `channels.db.database_sync_to_async` runs on the database thread.

Importing this module changes nothing; entering the block installs the hooks and leaving it
removes them. One block at a time.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class PipelineCounts:
    statements: list[str] = field(default_factory=list)
    hops: int = 0
    hops_running: int = 0
    last_activity: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def sql(self) -> int:
        return len(self.statements)

    def _statement(self, sql: str) -> None:
        with self._lock:
            self.statements.append(sql)
            self.last_activity = time.monotonic()

    def _hop(self, delta: int) -> None:
        with self._lock:
            if delta > 0:
                self.hops += 1
            self.hops_running += delta
            self.last_activity = time.monotonic()

    async def settle(self, *, quiet: float = 0.1, timeout: float = 10.0) -> None:
        """Wait until no hop is running and nothing was counted for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.hops_running == 0 and time.monotonic() - self.last_activity >= quiet:
                return
            await asyncio.sleep(quiet / 4)
        raise TimeoutError(f"work still running after {timeout} s")


@contextmanager
def pipeline_counts() -> Iterator[PipelineCounts]:
    """Count SQL statements and `database_sync_to_async` hops while the block runs."""
    from channels.db import DatabaseSyncToAsync
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.signals import connection_created

    counts = PipelineCounts()

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        counts._statement(sql)
        return execute(sql, params, many, context)

    wrapped: list[BaseDatabaseWrapper] = []

    def wrap(connection: BaseDatabaseWrapper) -> None:
        if wrapper not in connection.execute_wrappers:
            connection.execute_wrappers.append(wrapper)
            wrapped.append(connection)

    def on_connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
        wrap(connection)

    # Connections are per thread and Django offers no list of them: the ones that already
    # exist (the database thread's persistent connection) are found among live objects. type(),
    # not isinstance(): a lazy object's __class__ evaluates it (django-csp's spent nonce raises).
    for candidate in gc.get_objects():
        if issubclass(type(candidate), BaseDatabaseWrapper):
            wrap(candidate)
    connection_created.connect(on_connection_created, weak=False)

    original = DatabaseSyncToAsync.thread_handler

    def thread_handler(self: DatabaseSyncToAsync, *args: Any, **kwargs: Any) -> Any:
        counts._hop(+1)
        try:
            return original(self, *args, **kwargs)
        finally:
            counts._hop(-1)

    DatabaseSyncToAsync.thread_handler = thread_handler  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        DatabaseSyncToAsync.thread_handler = original  # type: ignore[method-assign]
        connection_created.disconnect(on_connection_created)
        for connection in wrapped:
            while wrapper in connection.execute_wrappers:
                connection.execute_wrappers.remove(wrapper)
