"""agents.hours: business hours by time travel, across time zones, DST changes, holidays and
special closures. Pure: every `now` is passed in."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from agents import hours

NY = "America/New_York"
BERLIN = "Europe/Berlin"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def weekdays(zone: str, opens: int = 9, closes: int = 17, **extra) -> hours.Schedule:
    intervals = tuple(hours.Interval(day, time(opens), time(closes)) for day in range(5))
    return hours.Schedule(time_zone=zone, intervals=intervals, **extra)


NEW_YORK = weekdays(NY)


@pytest.mark.parametrize(
    ("now", "open_"),
    [
        (utc(2026, 12, 7, 14, 0), True),  # Monday 9:00 AM EST: opening minute
        (utc(2026, 12, 7, 13, 59), False),  # 8:59 AM EST
        (utc(2026, 12, 7, 21, 59), True),  # 4:59 PM EST
        (utc(2026, 12, 7, 22, 0), False),  # 5:00 PM EST: closed
        (utc(2026, 12, 5, 15, 0), False),  # Saturday
        (utc(2026, 7, 6, 13, 0), True),  # Monday in summer: 9:00 AM EDT is 13:00 UTC
        (utc(2026, 7, 6, 21, 30), False),  # 5:30 PM EDT
    ],
)
def test_is_open_follows_the_queue_zone_in_winter_and_summer(now, open_):
    assert hours.is_open(NEW_YORK, now) is open_


def test_a_schedule_with_no_hours_is_always_open():
    always = hours.Schedule(time_zone=NY)
    assert hours.is_open(always, utc(2026, 12, 6, 3, 0))
    assert hours.next_opening(always, utc(2026, 12, 6, 3, 0)) == utc(2026, 12, 6, 3, 0)


def test_next_opening_over_a_weekend_is_monday_morning_in_the_queue_zone():
    saturday = utc(2026, 12, 5, 16, 17)
    assert hours.next_opening(NEW_YORK, saturday) == utc(2026, 12, 7, 14, 0)
    assert hours.next_opening(NEW_YORK, utc(2026, 12, 7, 15, 0)) == utc(2026, 12, 7, 15, 0)


@pytest.mark.parametrize(
    ("friday_evening", "monday_opening"),
    [
        # Spring forward (Sunday 2026-03-08): Monday 9:00 AM is EDT, an hour earlier in UTC.
        (utc(2026, 3, 6, 23, 0), utc(2026, 3, 9, 13, 0)),
        # Fall back (Sunday 2026-11-01): Monday 9:00 AM is EST again, an hour later in UTC.
        (utc(2026, 10, 30, 22, 0), utc(2026, 11, 2, 14, 0)),
    ],
)
def test_next_opening_across_a_new_york_dst_change_keeps_nine_am_local(
    friday_evening, monday_opening
):
    assert hours.next_opening(NEW_YORK, friday_evening) == monday_opening
    assert monday_opening.astimezone(ZoneInfo(NY)).time() == time(9)


def test_berlin_dst_change_moves_the_opening_in_utc_not_on_the_wall_clock():
    berlin = weekdays(BERLIN, opens=8, closes=18)
    # Sunday 2026-03-29 clocks go forward: Monday 8:00 CEST is 06:00 UTC (Friday's was 07:00).
    assert hours.next_opening(berlin, utc(2026, 3, 27, 18, 0)) == utc(2026, 3, 30, 6, 0)
    assert hours.is_open(berlin, utc(2026, 3, 27, 7, 0))
    assert not hours.is_open(berlin, utc(2026, 3, 30, 5, 59))


def test_a_holiday_closes_the_whole_local_day_and_the_next_opening_skips_it():
    christmas = hours.holiday(date(2026, 12, 25), time_zone=NY, label="Christmas Day")
    schedule = weekdays(NY, closures=(christmas,))
    assert not hours.is_open(schedule, utc(2026, 12, 25, 16, 0))  # Friday 11 AM EST
    # Thursday 24th after closing: Friday is the holiday, so Monday the 28th.
    assert hours.next_opening(schedule, utc(2026, 12, 24, 23, 0)) == utc(2026, 12, 28, 14, 0)


def test_a_special_closure_inside_opening_hours_reopens_when_it_ends():
    meeting = hours.Closure(
        starts=datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo(NY)),
        ends=datetime(2026, 12, 7, 12, 0, tzinfo=ZoneInfo(NY)),
        label="Team training",
    )
    schedule = weekdays(NY, closures=(meeting,))
    assert not hours.is_open(schedule, utc(2026, 12, 7, 15, 0))
    assert hours.next_opening(schedule, utc(2026, 12, 7, 15, 0)) == utc(2026, 12, 7, 17, 0)
    # Before the day starts, the closure pushes the opening to noon.
    assert hours.next_opening(schedule, utc(2026, 12, 7, 5, 0)) == utc(2026, 12, 7, 17, 0)


def test_a_closure_on_an_always_open_queue_closes_it_for_that_time_only():
    outage = hours.Closure(starts=utc(2026, 12, 7, 10, 0), ends=utc(2026, 12, 7, 12, 0))
    schedule = hours.Schedule(time_zone=BERLIN, closures=(outage,))
    assert not hours.is_open(schedule, utc(2026, 12, 7, 11, 0))
    assert hours.next_opening(schedule, utc(2026, 12, 7, 11, 0)) == utc(2026, 12, 7, 12, 0)


def test_several_intervals_a_day_and_one_past_midnight():
    schedule = hours.Schedule(
        time_zone=BERLIN,
        intervals=(
            hours.Interval(0, time(9), time(12)),
            hours.Interval(0, time(13), time(17)),
            hours.Interval(4, time(22), time(2)),  # Friday night until 2 AM Saturday
        ),
    )
    lunch = utc(2026, 12, 7, 11, 30)  # Monday 12:30 CET
    assert not hours.is_open(schedule, lunch)
    assert hours.next_opening(schedule, lunch) == utc(2026, 12, 7, 12, 0)
    assert hours.is_open(schedule, utc(2026, 12, 12, 0, 30))  # Saturday 1:30 AM CET
    assert not hours.is_open(schedule, utc(2026, 12, 12, 1, 30))  # 2:30 AM


def test_a_queue_closed_for_longer_than_the_search_has_no_next_opening():
    closed = hours.Closure(starts=utc(2026, 1, 1), ends=utc(2027, 1, 1), label="Closed")
    assert hours.next_opening(weekdays(NY, closures=(closed,)), utc(2026, 6, 1)) is None


@pytest.mark.parametrize(
    ("now", "visitor_zone", "expected"),
    [
        # The spec's example: "we're back at 9 AM EST", to a visitor in New York at 5 AM.
        (utc(2026, 12, 7, 10, 0), NY, "at 9:00 AM EST"),
        (utc(2026, 12, 7, 23, 0), NY, "tomorrow at 9:00 AM EST"),
        (utc(2026, 12, 5, 16, 0), NY, "Monday at 9:00 AM EST"),
        # The same Monday opening in a Berlin visitor's own time.
        (utc(2026, 12, 5, 16, 0), BERLIN, "Monday at 3:00 PM CET"),
        # An unknown zone from the browser falls back to UTC rather than failing.
        (utc(2026, 12, 5, 16, 0), "Mars/Olympus", "Monday at 2:00 PM UTC"),
    ],
)
def test_back_at_speaks_the_visitors_time(now, visitor_zone, expected):
    opening = hours.next_opening(NEW_YORK, now)
    assert opening is not None
    assert hours.back_at(opening, visitor_zone=visitor_zone, now=now) == expected


def test_call_slots_lie_inside_business_hours_after_the_lead_time_and_skip_closures():
    holiday = hours.holiday(date(2026, 12, 8), time_zone=NY, label="Staff day")
    schedule = weekdays(NY, closures=(holiday,))
    now = utc(2026, 12, 7, 14, 30)  # Monday 9:30 AM EST
    slots = hours.call_slots(schedule, now, days=3, minutes=60)
    local = [s.astimezone(ZoneInfo(NY)) for s in slots]
    # On the hour from opening, at least an hour ahead: 10:00 is too soon, 11:00 is the first.
    assert local[0] == datetime(2026, 12, 7, 11, 0, tzinfo=ZoneInfo(NY))
    assert all(time(9) <= s.time() <= time(16) for s in local)  # a call ends by 5 PM
    assert not any(s.date() == date(2026, 12, 8) for s in local)  # the holiday
    assert {s.date() for s in local} == {date(2026, 12, 7), date(2026, 12, 9), date(2026, 12, 10)}
    assert all(hours.is_open(schedule, s) for s in slots)
    assert slots == sorted(slots) and all(s.tzinfo is not None for s in slots)


def test_call_slots_across_spring_forward_stay_at_local_office_times():
    slots = hours.call_slots(NEW_YORK, utc(2026, 3, 6, 23, 0), days=4, minutes=60)
    monday = [s for s in slots if s.astimezone(ZoneInfo(NY)).date() == date(2026, 3, 9)]
    assert monday[0] == utc(2026, 3, 9, 13, 0)  # 9:00 AM EDT
    assert len(monday) == 8  # 9 AM … 4 PM


def test_slot_label_is_in_the_visitors_zone():
    slot = utc(2026, 12, 8, 14, 0)
    assert hours.slot_label(slot, visitor_zone=NY) == "Tue 8 Dec, 9:00 AM"
    assert hours.slot_label(slot, visitor_zone="Asia/Tokyo") == "Tue 8 Dec, 11:00 PM"
