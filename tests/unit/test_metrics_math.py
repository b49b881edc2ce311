"""The dashboard's pure arithmetic: percentiles from bucket counts, target bands, trends and
CSV cells (agents.metrics_math)."""

from __future__ import annotations

import pytest

from agents.metrics_math import (
    Band,
    Direction,
    Target,
    kpi_number,
    neutralise_csv_cell,
    percentile_from_buckets,
    ratio,
    time_to_human_bucket,
    trend,
)

EDGES = (0, 10, 20, 40)  # [0,10) [10,20) [20,40) [40,…)


@pytest.mark.parametrize(
    ("counts", "share", "expected"),
    [
        ((0, 0, 0, 0), 0.5, None),  # no values: no percentile (not 0)
        ((4, 0, 0, 0), 0.5, 5.0),  # rank 2 of 4 inside [0,10): halfway
        ((1, 1, 0, 0), 0.5, 10.0),  # rank 1: the top of the first bucket
        ((1, 1, 2, 0), 0.5, 20.0),
        ((1, 1, 2, 0), 0.75, 30.0),  # rank 3: half into [20,40)
        ((0, 0, 0, 3), 0.9, 40.0),  # the open bucket reads as its lower edge
        ((2, 0, 0, 0), 0.0, 0.0),
    ],
)
def test_percentile_from_buckets(counts, share, expected):
    assert percentile_from_buckets(counts, EDGES, share) == expected


def test_ratio_is_none_without_a_denominator():
    assert ratio(0, 0) is None and ratio(1, 4) == 0.25


BAND = Target(0.20, 0.35, inclusive=True)
ABOVE = Target(low=0.9)
BELOW = Target(high=120)


@pytest.mark.parametrize(
    ("target", "value", "band"),
    [
        (BAND, 0.20, Band.MET),  # the spec's 20–35% includes its ends
        (BAND, 0.35, Band.MET),
        (BAND, 0.19, Band.MISSED),
        (BAND, 0.36, Band.MISSED),
        (BAND, None, Band.NO_DATA),
        (ABOVE, 0.9, Band.MISSED),  # "> 90%" is strict
        (ABOVE, 0.91, Band.MET),
        (BELOW, 119, Band.MET),
        (BELOW, 120, Band.MISSED),
    ],
)
def test_bands(target, value, band):
    assert target.band(value) is band


@pytest.mark.parametrize(
    ("target", "current", "previous", "direction", "better"),
    [
        (ABOVE, 0.95, 0.90, Direction.UP, True),
        (ABOVE, 0.85, 0.90, Direction.DOWN, False),
        (BELOW, 90, 150, Direction.DOWN, True),
        (BELOW, 150, 90, Direction.UP, False),
        (BAND, 0.30, 0.50, Direction.DOWN, True),  # towards the band
        (BAND, 0.10, 0.25, Direction.DOWN, False),  # out of it
        (BAND, 0.30, 0.25, Direction.UP, None),  # moved inside it: neither
        (BAND, 0.30, 0.30, Direction.FLAT, None),
        (BAND, 0.30, None, Direction.NONE, None),
    ],
)
def test_trends(target, current, previous, direction, better):
    result = trend(current, previous, target)
    assert (result.direction, result.better) == (direction, better)


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("fine = ok", "fine = ok"),
        (None, ""),
        (42, "42"),
    ],
)
def test_csv_cells_cannot_be_formulas(cell, written):
    assert neutralise_csv_cell(cell) == written


@pytest.mark.parametrize(
    ("seconds", "bucket"),
    [(-0.5, -1), (0, 0), (14.99, 0), (15, 1), (119, 5), (120, 6), (3599, 11), (3600, 12),
     (86_400, 12)],
)  # fmt: skip
def test_time_to_human_bucket(seconds, bucket):
    assert time_to_human_bucket(seconds) == bucket


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(None, "%", "–"), (0.275, "%", "27.5%"), (48, "s", "48 s"), (119.4, "s", "119 s"),
     (120, "s", "2.0 min"), (204, "s", "3.4 min"), (4.254, "/5", "4.25")],
)  # fmt: skip
def test_kpi_number(value, unit, text):
    assert kpi_number(value, unit) == text
