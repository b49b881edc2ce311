"""Small display helpers for the console's templates."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.timesince import timesince

from agents.selectors.chats import escalation_in_words

register = template.Library()


@register.filter
def reason_words(escalation) -> str:
    """An escalation's reason in plain words, as the handoff card writes it (no rule keys)."""
    return escalation_in_words(escalation)


@register.filter
def percent(value) -> str:
    """0.72 → "72%"; anything else → ""."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return f"{value:.0%}"


@register.filter
def signed(value) -> str:
    """-0.45 → "−0.45", 0.2 → "+0.20" (sentiment scores)."""
    if not isinstance(value, int | float):
        return ""
    return f"{value:+.2f}".replace("-", "−")


@register.filter
def wait_clock(since: datetime | None) -> str:
    """How long since `since`, as a clock: "4:05", "1:02:09". The console's JS keeps it ticking."""
    if since is None:
        return ""
    return seconds_clock((timezone.now() - since).total_seconds())


@register.filter
def wait_minutes(since: datetime | None) -> str:
    """How long a visitor has waited, to the minute: "under 1 min", "4 min", "1 h 05 min".
    static/console/queue-clock.js writes the same words from the row's `data-since`."""
    if since is None:
        return ""
    minutes = max(0, int((timezone.now() - since).total_seconds()) // 60)
    if minutes < 1:
        return "under 1 min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02} min" if hours else f"{minutes} min"


@register.filter
def seconds_clock(seconds) -> str:
    """125 → "2:05"."""
    if not isinstance(seconds, int | float):
        return ""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


@register.filter
def duration(seconds) -> str:
    """14 → "14 s", 125 → "2 min 5 s", 3900 → "1 h 5 min"."""
    if not isinstance(seconds, int | float):
        return ""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


@register.filter
def account_age(since: datetime | None) -> str:
    """The spec's "Account Age: 2 years": the largest unit only; "new today" under a day."""
    if since is None:
        return ""
    if timezone.now() - since < timedelta(days=1):
        return "New today"
    return timesince(since, depth=1)


@register.simple_tag
def console_ping_ms() -> str:
    """The socket's ping interval and pong deadline in ms, for console.js (data attributes)."""
    ping = round(settings.CHATSY_CONSOLE_PING_SECONDS * 1000)
    deadline = round(settings.CHATSY_CONSOLE_PONG_DEADLINE_SECONDS * 1000)
    return f"{ping} {deadline}"
