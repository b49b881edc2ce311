"""When the weekly review is due (pure: no Django; `now` is passed in).

A report covers one local week, Monday 00:00 → the next Monday 00:00 in the site's zone (a DST
week is 167 or 169 hours long). It is sent on `send_weekday` at `send_hour` local time of the
week after. Beat runs in UTC every few minutes and asks `weekly_review_due`: the latest week
whose send moment has passed, unless it was already sent. Asking "has it passed?" rather than
"is it now?" is what makes a server that was down at 08:00 catch up when it returns.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def week_start_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def week_bounds(*, week_start: date, time_zone: str) -> tuple[datetime, datetime]:
    """[Monday 00:00, next Monday 00:00) local, in UTC (arithmetic between two datetimes of
    one zone reads their wall clocks: a DST week would come out 168 hours long)."""
    zone = ZoneInfo(time_zone)
    return (
        datetime.combine(week_start, time.min, tzinfo=zone).astimezone(UTC),
        datetime.combine(week_start + timedelta(days=7), time.min, tzinfo=zone).astimezone(UTC),
    )


def send_moment(*, week_start: date, time_zone: str, send_weekday: int, send_hour: int) -> datetime:
    """When the report of the week starting `week_start` is sent, in UTC: `send_weekday`
    (0 = Monday) of the following week at `send_hour`:00 local."""
    local_day = week_start + timedelta(days=7 + send_weekday)
    local = datetime.combine(local_day, time(hour=send_hour), tzinfo=ZoneInfo(time_zone))
    return local.astimezone(UTC)


def weekly_review_due(
    *,
    now: datetime,
    time_zone: str,
    send_weekday: int,
    send_hour: int,
    last_sent_week: date | None,
) -> date | None:
    """The Monday of the week whose report should be sent now, or None: its send moment has
    not come yet this week and last week's report is already out."""
    today = now.astimezone(ZoneInfo(time_zone)).date()
    # The week before the current one, or the one before that while its send moment is ahead.
    week = week_start_of(today) - timedelta(days=7)
    moment = send_moment(
        week_start=week, time_zone=time_zone, send_weekday=send_weekday, send_hour=send_hour
    )
    if now.astimezone(UTC) < moment:
        week -= timedelta(days=7)
    if last_sent_week is not None and last_sent_week >= week:
        return None
    return week


def week_in_progress(*, week_start: date, now: datetime, time_zone: str) -> bool:
    """True while the week has not ended (its figures will still change)."""
    return now < week_bounds(week_start=week_start, time_zone=time_zone)[1]


def weekday_number(name: str) -> int:
    """ "monday" → 0 … "sunday" → 6; a ValueError names the accepted values."""
    key = name.strip().lower()
    if key not in WEEKDAY_NAMES:
        raise ValueError(f"{name!r} is not a weekday: use one of {', '.join(WEEKDAY_NAMES)}")
    return WEEKDAY_NAMES.index(key)
