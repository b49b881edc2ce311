"""The history's date range: the agent's local days, turned into an aware [start, end)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from agents.hours import local_days


@pytest.mark.parametrize(
    "first, last, zone, start, end",
    [
        # Berlin in winter is UTC+1: the 3rd runs from 23:00 UTC on the 2nd.
        (
            date(2026, 3, 3),
            date(2026, 3, 3),
            "Europe/Berlin",
            datetime(2026, 3, 2, 23, tzinfo=UTC),
            datetime(2026, 3, 3, 23, tzinfo=UTC),
        ),
        # The day the clocks go forward has 23 hours.
        (
            date(2026, 3, 29),
            date(2026, 3, 29),
            "Europe/Berlin",
            datetime(2026, 3, 28, 23, tzinfo=UTC),
            datetime(2026, 3, 29, 22, tzinfo=UTC),
        ),
        # Open-ended ranges; an unknown zone counts in UTC.
        (date(2026, 1, 1), None, "Nowhere/Atlantis", datetime(2026, 1, 1, tzinfo=UTC), None),
        (None, date(2026, 1, 1), "UTC", None, datetime(2026, 1, 2, tzinfo=UTC)),
        (None, None, "UTC", None, None),
    ],
)
def test_local_days(first, last, zone, start, end):
    assert local_days(first, last, time_zone=zone) == (start, end)
