"""Business hours (pure): is a queue open, when does it open next, which call slots it offers,
and how to say so in the visitor's time zone. zoneinfo only; `now` is always passed in.

A schedule with no weekly intervals is always open (a queue nobody configured).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from chatsy.timezones import zone_or_utc

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
SEARCH_DAYS = 21  # how far ahead next_opening looks before giving up (holidays, long closures)


@dataclass(frozen=True)
class Interval:
    """Open on `weekday` (0 = Monday) from `opens` to `closes`, local wall-clock time."""

    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True)
class Closure:
    """Closed from `starts` to `ends` (aware datetimes): a holiday or a special closure."""

    starts: datetime
    ends: datetime
    label: str = ""


@dataclass(frozen=True)
class Schedule:
    time_zone: str = "UTC"
    intervals: tuple[Interval, ...] = ()
    closures: tuple[Closure, ...] = field(default=())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def always_open(self) -> bool:
        return not self.intervals


def holiday(day: date, *, time_zone: str, label: str = "") -> Closure:
    """A whole local day closed."""
    zone = ZoneInfo(time_zone)
    starts = datetime.combine(day, time.min, tzinfo=zone)
    ends = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return Closure(starts=starts, ends=ends, label=label)


def _open_spans(schedule: Schedule, day: date) -> Iterator[tuple[datetime, datetime]]:
    """The day's opening spans as aware datetimes, before closures. Wall-clock times are
    resolved in the queue's zone on that date, so a DST change moves them correctly."""
    zone = schedule.zone
    for interval in sorted(schedule.intervals, key=lambda i: i.opens):
        if interval.weekday != day.weekday():
            continue
        starts = datetime.combine(day, interval.opens, tzinfo=zone)
        closes_day = day if interval.closes > interval.opens else day + timedelta(days=1)
        ends = datetime.combine(closes_day, interval.closes, tzinfo=zone)
        yield starts, ends


def _closure_at(schedule: Schedule, moment: datetime) -> Closure | None:
    return next((c for c in schedule.closures if c.starts <= moment < c.ends), None)


def is_open(schedule: Schedule, now: datetime) -> bool:
    if _closure_at(schedule, now) is not None:
        return False
    if schedule.always_open:
        return True
    local = now.astimezone(schedule.zone)
    for day in (local.date() - timedelta(days=1), local.date()):
        if any(s <= now < e for s, e in _open_spans(schedule, day)):
            return True
    return False


def next_opening(schedule: Schedule, now: datetime) -> datetime | None:
    """When the queue is next open at or after `now` (`now` itself if open); None if not
    within SEARCH_DAYS (closed for good, or a schedule with no hours and a long closure)."""
    if is_open(schedule, now):
        return now
    candidates = [c.ends for c in schedule.closures if c.ends > now]
    if not schedule.always_open:
        start = now.astimezone(schedule.zone).date()
        for offset in range(SEARCH_DAYS):
            for opens, closes in _open_spans(schedule, start + timedelta(days=offset)):
                if closes > now:
                    candidates.append(max(opens, now))
    # A closure's end is a candidate too: hours that begin inside a closure open when it ends.
    return next((m for m in sorted(candidates) if is_open(schedule, m)), None)


def call_slots(
    schedule: Schedule, now: datetime, *, days: int = 5, minutes: int = 30, lead_minutes: int = 60
) -> list[datetime]:
    """Start times for a scheduled call: every `minutes` inside business hours over the next
    `days` days, at least `lead_minutes` from now, never in a closure. Aware, in UTC."""
    earliest = now + timedelta(minutes=lead_minutes)
    step = timedelta(minutes=minutes)
    slots: list[datetime] = []
    local_today = now.astimezone(schedule.zone).date()
    spans: list[tuple[datetime, datetime]] = []
    if schedule.always_open:
        first = earliest.replace(second=0, microsecond=0)
        first += timedelta(minutes=(-first.minute) % minutes)
        spans.append((first, now + timedelta(days=days)))
    else:
        for offset in range(days + 1):
            spans.extend(_open_spans(schedule, local_today + timedelta(days=offset)))
    for opens, closes in spans:
        moment = opens
        while moment + step <= closes:
            if moment >= earliest and is_open(schedule, moment):
                slots.append(moment.astimezone(ZoneInfo("UTC")))
            moment = (moment.astimezone(ZoneInfo("UTC")) + step).astimezone(schedule.zone)
    return sorted(set(slots))


def clock(moment: datetime) -> str:
    """ "9:00 AM" """
    return moment.strftime("%I:%M %p").lstrip("0")


def back_at(moment: datetime, *, visitor_zone: str | None, now: datetime) -> str:
    """When people are back, in the visitor's zone: "at 9:00 AM EST" today, "tomorrow at
    9:00 AM EST", "Monday at 9:00 AM CET" within a week, else "on Mon 12 Jan at 9:00 AM"."""
    zone = zone_or_utc(visitor_zone)
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    at = f"{clock(local)} {local.tzname()}"
    days = (local.date() - today).days
    if days <= 0:
        return f"at {at}"
    if days == 1:
        return f"tomorrow at {at}"
    if days < 7:
        return f"{DAY_NAMES[local.weekday()]} at {at}"
    return f"on {slot_day(local)} at {at}"


def slot_day(local: datetime) -> str:
    """ "Tue 9 Dec" """
    return f"{local.strftime('%a')} {local.day} {local.strftime('%b')}"


def slot_label(moment: datetime, *, visitor_zone: str | None) -> str:
    """ "Tue 9 Dec, 9:00 AM" in the visitor's zone (the widget says "your time")."""
    local = moment.astimezone(zone_or_utc(visitor_zone))
    return f"{slot_day(local)}, {clock(local)}"


def local_days(
    first: date | None, last: date | None, *, time_zone: str
) -> tuple[datetime | None, datetime | None]:
    """[start, end) of the days `first`..`last` (inclusive) as `time_zone` counts them, aware:
    "from 3 March to 3 March" in Berlin is 23:00 UTC on the 2nd up to 23:00 UTC on the 3rd."""
    zone = zone_or_utc(time_zone)
    start = datetime.combine(first, time.min, tzinfo=zone) if first else None
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone) if last else None
    return start, end
