"""A circuit breaker for the LLM: stop calling a server that keeps failing.

closed --(5 failures within 60 s)--> open --(60 s later, one call)--> half-open
half-open --(that call succeeds)--> closed;  half-open --(it fails)--> open again.

While open, calls fail at once with CircuitOpen, so a visitor is told "no AI right now" in
microseconds instead of waiting out a deadline per message. Pure: the clock is injected and
nothing here does I/O. The lock makes it safe across threads; on one event loop its methods
never await, so they are atomic anyway.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Literal

State = Literal["closed", "open", "half_open"]


class CircuitOpen(Exception):
    """Raised instead of calling a server the breaker has given up on for now."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"circuit open; next probe in {retry_in:.1f} s")
        self.retry_in = retry_in


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int = 5,
        window_seconds: float = 60.0,
        reset_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failure_threshold = failure_threshold
        self.window_seconds = window_seconds
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: deque[float] = deque()
        self._opened_at: float | None = None
        self._probe_in_flight = False

    @property
    def state(self) -> State:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "half_open" if self._probe_in_flight else "open"

    def before_call(self) -> None:
        """Admit a call or raise CircuitOpen; once the reset time passed, admits exactly one."""
        with self._lock:
            if self._opened_at is None:
                return
            waited = self._clock() - self._opened_at
            if self._probe_in_flight or waited < self.reset_seconds:
                raise CircuitOpen(retry_in=max(self.reset_seconds - waited, 0.0))
            self._probe_in_flight = True

    def record_success(self) -> None:
        with self._lock:
            self._failures.clear()
            self._opened_at = None
            self._probe_in_flight = False

    def record_failure(self) -> None:
        with self._lock:
            now = self._clock()
            if self._probe_in_flight:  # the probe failed: wait a whole reset period again
                self._opened_at, self._probe_in_flight = now, False
                return
            if self._opened_at is not None:
                return  # a call admitted before the breaker opened; it is open already
            self._failures.append(now)
            while self._failures and now - self._failures[0] > self.window_seconds:
                self._failures.popleft()
            if len(self._failures) >= self.failure_threshold:
                self._opened_at = now
                self._failures.clear()

    def release(self) -> None:
        """An admitted call ended without a verdict (cancelled): free the half-open probe slot."""
        with self._lock:
            self._probe_in_flight = False
