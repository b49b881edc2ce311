"""Wait-time arithmetic (pure): position ÷ free capacity × recent handle time, as a range."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from escalation import copy

DEFAULT_HANDLE_SECONDS = 240.0
RECENT_CHATS = 50
RANGE_SPREAD = 0.25  # the range is ±25 % around the estimate


def median_handle_seconds(durations: Sequence[float]) -> float:
    """The median of recent handle times, or a sensible default with no history yet."""
    return float(statistics.median(durations)) if durations else DEFAULT_HANDLE_SECONDS


def wait_range_minutes(
    *, position: int, free_capacity: int, online_agents: int, handle_seconds: float
) -> tuple[int, int] | None:
    """Whole minutes (low, high); None when nobody is online to serve the queue.

    With every online agent busy, the line moves as fast as one chat ends per agent.
    """
    if online_agents <= 0:
        return None
    servers = free_capacity if free_capacity > 0 else online_agents
    rounds = position / servers if free_capacity > 0 else (position / servers) + 1
    estimate = rounds * handle_seconds / 60
    low = max(0, math.floor(estimate * (1 - RANGE_SPREAD)))
    high = max(low + 1, math.ceil(estimate * (1 + RANGE_SPREAD)))
    return low, high


def ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def wait_phrase(*, position: int, minutes: tuple[int, int] | None) -> str:
    """ "You're 3rd in line, about 4–6 minutes." for the visitor's widget."""
    place = "You're next in line" if position == 1 else f"You're {ordinal(position)} in line"
    if minutes is None:
        return copy.OFFLINE_WAIT.format(place=place)
    low, high = minutes
    if high <= 1:
        return f"{place}, about a minute."
    return f"{place}, about {low}–{high} minutes."
