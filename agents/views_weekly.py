"""The weekly escalation review in the console (docs/dashboard.md, "Weekly review"): the list
of weeks and one week's report, supervisors only. Thin: parse the week, one selector, render."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from agents.selectors.weekly import weekly_review_report, weekly_review_weeks
from agents.views import AgentRequest, supervisor_required
from agents.weekly_schedule import week_start_of


@require_GET
@supervisor_required
def weekly_reviews(request: AgentRequest) -> HttpResponse:
    zone = settings.CHATSY_WEEKLY_REVIEW_TIME_ZONE
    weeks = weekly_review_weeks(now=timezone.now(), time_zone=zone)
    return render(request, "console/weekly_list.html", {"weeks": weeks, "time_zone": zone})


@require_GET
@supervisor_required
def weekly_review(request: AgentRequest, week: str) -> HttpResponse:
    zone = settings.CHATSY_WEEKLY_REVIEW_TIME_ZONE
    now = timezone.now()
    week_start = _monday(week)
    if week_start > week_start_of(now.astimezone(ZoneInfo(zone)).date()):
        raise Http404("That week has not started yet.")
    report = weekly_review_report(week_start=week_start, time_zone=zone, now=now)
    return render(
        request, "console/weekly_review.html", {"report": report, "page": report.dashboard}
    )


def _monday(text: str) -> date:
    """The week's Monday from the URL (YYYY-MM-DD); anything else is a 404 that says why."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Http404("A week is named by its Monday, as YYYY-MM-DD.") from None
    if day.weekday() != 0:
        raise Http404(f"{day:%Y-%m-%d} is not a Monday: weeks start on Mondays.")
    return day
