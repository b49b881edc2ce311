"""A leading + trailing edge debounce on the event loop (the visitor's typing pushes)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from typing import Any


class Debounce:
    """At most one push per key per `interval`, and the last value always pushed: the first
    value goes at once, later ones within the interval wait for its end and only the newest
    of them is pushed (a "stopped typing" after a "typing" is never lost). Per event loop."""

    def __init__(self, interval: Callable[[], float]) -> None:
        self._interval = interval
        self._pending: dict[Hashable, tuple[Any, Callable[[Any], None]] | None] = {}

    def submit(self, key: Hashable, value: Any, push: Callable[[Any], None]) -> None:
        if key in self._pending:  # cooling down: only the newest waits
            self._pending[key] = (value, push)
            return
        push(value)
        self._cool_down(key)

    def _cool_down(self, key: Hashable) -> None:
        self._pending[key] = None
        asyncio.get_running_loop().call_later(self._interval(), self._end, key)

    def _end(self, key: Hashable) -> None:
        waiting = self._pending.pop(key, None)
        if waiting is not None:
            value, push = waiting
            push(value)
            self._cool_down(key)
