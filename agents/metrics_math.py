"""The dashboard's arithmetic, pure: time-to-human buckets, percentiles from bucket counts,
target bands, trends, KPI figures as text.

No Django: agents.selectors.metrics counts rows in SQL and hands the counts here. Tested by
case tables in tests/unit/test_metrics_math.py.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

# Time-to-human histogram edges, in seconds: fine below 2 minutes (the spec's target), coarse
# after. The last bucket is open ("1 h or more").
TIME_TO_HUMAN_EDGES: tuple[int, ...] = (
    0, 15, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1800, 3600,
)  # fmt: skip
TWO_MINUTES = 120


def ratio(part: int, whole: int) -> float | None:
    """part ÷ whole, None when there is nothing to divide (no data, not 0 %)."""
    return part / whole if whole else None


def percentile_from_buckets(
    counts: Sequence[int], edges: Sequence[float], share: float
) -> float | None:
    """The `share` percentile (0.5 for p50) of values counted into buckets [edges[i],
    edges[i+1]) (the last one open), interpolated linearly inside its bucket; a value in the
    open bucket reads as its lower edge. None with no values."""
    total = sum(counts)
    if total == 0:
        return None
    rank = share * total
    below = 0
    for index, count in enumerate(counts):
        if count and below + count >= rank:
            lower = edges[index]
            if index + 1 >= len(edges):
                return float(lower)
            upper = edges[index + 1]
            return lower + (upper - lower) * max(rank - below, 0) / count
        below += count
    return float(edges[len(counts) - 1])


class Band(StrEnum):
    MET = "met"
    MISSED = "missed"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Target:
    """A KPI's target band: `low` < value < `high` (either side open when None), or inclusive
    bounds (the spec's "20–35%")."""

    low: float | None = None
    high: float | None = None
    inclusive: bool = False
    text: str = ""

    def band(self, value: float | None) -> Band:
        if value is None:
            return Band.NO_DATA
        if self.inclusive:
            inside = (self.low is None or value >= self.low) and (
                self.high is None or value <= self.high
            )
        else:
            inside = (self.low is None or value > self.low) and (
                self.high is None or value < self.high
            )
        return Band.MET if inside else Band.MISSED

    def distance(self, value: float) -> float:
        """How far outside the band (0 inside): what "better" means for a two-sided band."""
        if self.low is not None and value < self.low:
            return self.low - value
        if self.high is not None and value > self.high:
            return value - self.high
        return 0.0


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"
    NONE = "none"  # one period has no data


@dataclass(frozen=True)
class Trend:
    direction: Direction
    delta: float | None
    better: bool | None  # None: no change, or no way to say


def trend(current: float | None, previous: float | None, target: Target) -> Trend:
    """The change against the previous period, and whether it moved towards the target."""
    if current is None or previous is None:
        return Trend(Direction.NONE, None, None)
    delta = current - previous
    if abs(delta) < 1e-9:
        return Trend(Direction.FLAT, 0.0, None)
    direction = Direction.UP if delta > 0 else Direction.DOWN
    before, after = target.distance(previous), target.distance(current)
    if before != after:
        return Trend(direction, delta, after < before)
    if target.low is not None and target.high is None:
        return Trend(direction, delta, delta > 0)  # more is better (inside or not)
    if target.high is not None and target.low is None:
        return Trend(direction, delta, delta < 0)
    return Trend(direction, delta, None)  # moved within a two-sided band


def neutralise_csv_cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula: = + - @ (and tab / CR) lead with '."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def kpi_number(value: float | None, unit: str) -> str:
    """A KPI's figure as people read it, by its unit: 27.5% ("%", a 0–1 rate), 48 s or
    3.4 min ("s"), 4.25 (anything else); "–" without one."""
    if value is None:
        return "–"
    if unit == "%":
        return f"{value * 100:.1f}%"
    if unit == "s":
        return f"{value / 60:.1f} min" if value >= TWO_MINUTES else f"{value:.0f} s"
    return f"{value:.2f}"


def time_to_human_bucket(seconds: float) -> int:
    """The index of the `TIME_TO_HUMAN_EDGES` bucket a wait of `seconds` falls in (edge ≤ wait
    < next edge; the last bucket is open); -1 below the first edge (a reply stamped before
    the escalation)."""
    return bisect_right(TIME_TO_HUMAN_EDGES, seconds) - 1
