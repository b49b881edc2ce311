"""Start-up checks of agents' settings: a typo fails `manage.py check` (and every start), not
the weekly review's first run days later."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register

from agents.weekly_schedule import weekday_number
from chatsy.timezones import zone_named


@register()
def weekly_review_settings_check(app_configs, **kwargs) -> list[Error]:
    errors = []
    try:
        weekday_number(settings.CHATSY_WEEKLY_REVIEW_DAY)
    except ValueError as error:
        errors.append(Error(f"CHATSY_WEEKLY_REVIEW_DAY: {error}", id="agents.E101"))
    if not 0 <= settings.CHATSY_WEEKLY_REVIEW_HOUR <= 23:
        errors.append(Error("CHATSY_WEEKLY_REVIEW_HOUR must be 0–23", id="agents.E102"))
    if zone_named(settings.CHATSY_WEEKLY_REVIEW_TIME_ZONE) is None:
        errors.append(
            Error("CHATSY_WEEKLY_REVIEW_TIME_ZONE is not an IANA time zone", id="agents.E103")
        )
    return errors
