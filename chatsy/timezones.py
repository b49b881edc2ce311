"""IANA time zones named by browsers and admins (pure): one reading of an untrusted name."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_ZONE_NAME_CHARS = 64  # the longest IANA name is 32; anything longer is not one
UTC = ZoneInfo("UTC")


def zone_named(name: Any) -> ZoneInfo | None:
    """The zone called `name`, or None for anything that is not one ("Mars/Olympus",
    "America" (a folder), "../etc/passwd", a number, an over-long string)."""
    if not isinstance(name, str) or not name or len(name) > MAX_ZONE_NAME_CHARS:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone_or_utc(name: Any) -> ZoneInfo:
    """The visitor's zone as their browser reported it, or UTC for anything unknown."""
    return zone_named(name) or UTC


def zone_name_or_blank(name: Any) -> str:
    """A frame's `time_zone`, kept only if it names a zone ("" otherwise: UTC downstream)."""
    return name if zone_named(name) is not None else ""
