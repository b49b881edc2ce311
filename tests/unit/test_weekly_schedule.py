"""When the weekly review is due (agents.weekly_schedule): Monday 08:00 in the site's zone,
across zones and DST weeks, catching up after downtime, never twice for one week."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from agents.weekly_schedule import (
    send_moment,
    week_bounds,
    week_in_progress,
    week_start_of,
    weekday_number,
    weekly_review_due,
)

MONDAY, TUESDAY = 0, 1


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# (zone, now in UTC, last week sent, send weekday, hour, the week due: its Monday or None)
CASES = [
    # UTC, Monday 30 Nov: due from 08:00 on, for the week of Mon 23 Nov.
    ("UTC", utc(11, 30, 7, 59), date(2026, 11, 16), MONDAY, 8, None),
    ("UTC", utc(11, 30, 8, 0), date(2026, 11, 16), MONDAY, 8, date(2026, 11, 23)),
    # Sent already: a re-run, or the next beat, sends nothing.
    ("UTC", utc(11, 30, 8, 15), date(2026, 11, 23), MONDAY, 8, None),
    # Down all Monday: Wednesday catches up on last week.
    ("UTC", utc(12, 2, 14), date(2026, 11, 16), MONDAY, 8, date(2026, 11, 23)),
    # Never sent any: the latest week whose moment has passed, not every week since.
    ("UTC", utc(11, 30, 7), None, MONDAY, 8, date(2026, 11, 16)),
    ("UTC", utc(11, 30, 9), None, MONDAY, 8, date(2026, 11, 23)),
    # Berlin (CET, UTC+1): 08:00 local is 07:00 UTC.
    ("Europe/Berlin", utc(11, 30, 6, 59), date(2026, 11, 16), MONDAY, 8, None),
    ("Europe/Berlin", utc(11, 30, 7, 0), date(2026, 11, 16), MONDAY, 8, date(2026, 11, 23)),
    # New York (EST, UTC−5): 08:00 local is 13:00 UTC.
    ("America/New_York", utc(11, 30, 12, 59), date(2026, 11, 16), MONDAY, 8, None),
    ("America/New_York", utc(11, 30, 13, 0), date(2026, 11, 16), MONDAY, 8, date(2026, 11, 23)),
    # Monday 03:00 UTC is still Sunday evening in New York: the week is not over there.
    ("America/New_York", utc(11, 30, 3), date(2026, 11, 16), MONDAY, 8, None),
    # Kolkata (UTC+5:30): 08:00 local is 02:30 UTC.
    ("Asia/Kolkata", utc(11, 30, 2, 29), date(2026, 11, 16), MONDAY, 8, None),
    ("Asia/Kolkata", utc(11, 30, 2, 30), date(2026, 11, 16), MONDAY, 8, date(2026, 11, 23)),
    # New York's DST week (clocks forward Sunday 8 March): Monday 9 March 08:00 is EDT,
    # 12:00 UTC (13:00 UTC had the zone not changed).
    ("America/New_York", utc(3, 9, 11, 59), date(2026, 2, 23), MONDAY, 8, None),
    ("America/New_York", utc(3, 9, 12, 0), date(2026, 2, 23), MONDAY, 8, date(2026, 3, 2)),
    # Berlin's DST week (clocks forward Sunday 29 March): Monday 30 March 08:00 CEST = 06:00 UTC.
    ("Europe/Berlin", utc(3, 30, 5, 59), date(2026, 3, 16), MONDAY, 8, None),
    ("Europe/Berlin", utc(3, 30, 6, 0), date(2026, 3, 16), MONDAY, 8, date(2026, 3, 23)),
    # Configured for Tuesday 09:00: Monday is too early, Tuesday 09:00 is due.
    ("UTC", utc(11, 30, 10), date(2026, 11, 16), TUESDAY, 9, None),
    ("UTC", utc(12, 1, 9), date(2026, 11, 16), TUESDAY, 9, date(2026, 11, 23)),
]


@pytest.mark.parametrize(("zone", "now", "last_sent", "weekday", "hour", "due"), CASES)
def test_weekly_review_due(zone, now, last_sent, weekday, hour, due):
    assert (
        weekly_review_due(
            now=now, time_zone=zone, send_weekday=weekday, send_hour=hour, last_sent_week=last_sent
        )
        == due
    )


@pytest.mark.parametrize(
    ("zone", "week_start", "hours", "start_utc"),
    [
        ("UTC", date(2026, 11, 23), 168, utc(11, 23, 0)),
        ("America/New_York", date(2026, 3, 2), 167, utc(3, 2, 5)),  # springs forward on the 8th
        ("Europe/Berlin", date(2026, 3, 23), 167, utc(3, 22, 23)),  # springs forward on the 29th
        ("America/New_York", date(2026, 10, 26), 169, utc(10, 26, 4)),  # falls back on 1 Nov
        ("Europe/Berlin", date(2026, 10, 19), 169, utc(10, 18, 22)),  # falls back on 25 Oct
    ],
)
def test_a_week_runs_monday_midnight_to_monday_midnight_local(zone, week_start, hours, start_utc):
    start, end = week_bounds(week_start=week_start, time_zone=zone)
    assert start == start_utc
    assert (end - start).total_seconds() == hours * 3600
    local_end = end.astimezone(ZoneInfo(zone))
    assert (local_end.hour, local_end.date()) == (0, date.fromordinal(week_start.toordinal() + 7))


def test_send_moment_is_local_wall_time():
    moment = send_moment(
        week_start=date(2026, 3, 2), time_zone="America/New_York", send_weekday=MONDAY, send_hour=8
    )
    assert moment == utc(3, 9, 12)


def test_week_start_of_and_in_progress():
    assert week_start_of(date(2026, 11, 29)) == date(2026, 11, 23)  # a Sunday
    assert week_start_of(date(2026, 11, 30)) == date(2026, 11, 30)  # a Monday
    # Sunday 23:30 in New York is Monday in UTC; the New York week is still running.
    now = utc(11, 30, 4, 30)
    assert week_in_progress(week_start=date(2026, 11, 23), now=now, time_zone="America/New_York")
    assert not week_in_progress(week_start=date(2026, 11, 23), now=now, time_zone="UTC")


def test_weekday_names():
    assert weekday_number("Monday") == 0 and weekday_number(" sunday ") == 6
    with pytest.raises(ValueError, match="not a weekday: use one of monday"):
        weekday_number("mon")
