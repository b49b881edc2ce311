"""The weekly escalation review's reads (docs/dashboard.md, "Weekly review").

The report is recomputed from the database whenever it is read (email or console), from the
dashboard's selectors over one local Monday–Sunday week: late verdicts and CSAT ratings show
up when the page is opened again; the email is the figures as they stood when it was sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Max
from django.urls import reverse

from agents.models import AgentProfile, WeeklyReview
from agents.selectors.dashboard import (
    Comment,
    Dashboard,
    ReasonRow,
    dashboard_page,
    review_path,
)
from agents.selectors.metrics import MetricsFilters, escalations_in
from agents.weekly_schedule import week_in_progress, week_start_of

WEEKS_LISTED = 12


@dataclass(frozen=True)
class ReviewItem:
    """An escalation the agent said the AI could have handled and was not appropriate."""

    created: datetime
    category: str
    rule: str
    explanation: str
    comment: str
    path: str  # the console's review page at its row; the email links to `url`

    @property
    def url(self) -> str:
        return absolute_url(self.path)


@dataclass(frozen=True)
class WeeklyReport:
    week_start: date
    time_zone: str
    in_progress: bool
    dashboard: Dashboard
    reasons: list[ReasonRow]
    comments: list[Comment]
    to_review: list[ReviewItem]
    url: str

    @property
    def week_end(self) -> date:
        """The Sunday the week ends on (inclusive)."""
        return self.week_start + timedelta(days=6)

    @property
    def empty(self) -> bool:
        return self.dashboard.empty


@dataclass(frozen=True)
class WeekRow:
    week_start: date
    in_progress: bool
    emailed_at: datetime | None

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)


def absolute_url(path: str) -> str:
    """A link that works outside the site (in an email): CHATSY_PUBLIC_URL + path."""
    return f"{settings.CHATSY_PUBLIC_URL}{path}"


def weekly_review_url(*, week_start: date) -> str:
    return absolute_url(reverse("console:weekly-review", args=[week_start.isoformat()]))


def weekly_review_report(*, week_start: date, time_zone: str, now: datetime) -> WeeklyReport:
    """The week starting on the Monday `week_start` in `time_zone`, against the week before."""
    filters = MetricsFilters(
        start=week_start, end=week_start + timedelta(days=6), time_zone=time_zone
    )
    dashboard = dashboard_page(filters=filters, now=now, limit=None)  # every reason, comment
    return WeeklyReport(
        week_start=week_start,
        time_zone=time_zone,
        in_progress=week_in_progress(week_start=week_start, now=now, time_zone=time_zone),
        dashboard=dashboard,
        reasons=dashboard.reasons,
        comments=dashboard.comments,
        to_review=_to_review(filters),
        url=weekly_review_url(week_start=week_start),
    )


def _to_review(filters: MetricsFilters) -> list[ReviewItem]:
    rows = (
        escalations_in(filters)
        .filter(could_ai_have_handled=True, appropriate=False)
        .order_by("created", "pk")
        .values_list("pk", "created", "category", "rule", "explanation", "handoff_comment")
    )
    # The console's review page (supervisors, not only superusers), at that escalation's row.
    where = {
        (category, rule): review_path(filters=filters, category=category, rule=rule, avoidable=True)
        for _, _, category, rule, _, _ in rows
    }
    return [
        ReviewItem(
            created=created,
            category=category,
            rule=rule,
            explanation=explanation,
            comment=comment,
            path=f"{where[(category, rule)]}#review-row-{pk}",
        )
        for pk, created, category, rule, explanation, comment in rows
    ]


def weekly_review_weeks(
    *, now: datetime, time_zone: str, count: int = WEEKS_LISTED
) -> list[WeekRow]:
    """The current week and the `count` - 1 before it, newest first, with when each was
    emailed (None: not yet, or before the weekly review existed)."""
    current = week_start_of(now.astimezone(ZoneInfo(time_zone)).date())
    weeks = [current - timedelta(days=7 * i) for i in range(count)]
    emailed = dict(
        WeeklyReview.objects.filter(week_start__in=weeks).values_list("week_start", "emailed_at")
    )
    return [
        WeekRow(week_start=week, in_progress=week == current, emailed_at=emailed.get(week))
        for week in weeks
    ]


def weekly_review_last_sent() -> date | None:
    """The latest week whose review went out (or was handled with nobody to send it to)."""
    return WeeklyReview.objects.filter(emailed_at__isnull=False).aggregate(last=Max("week_start"))[
        "last"
    ]


def supervisor_emails() -> list[str]:
    """Where the weekly review goes: active supervisors with an email address."""
    return sorted(
        set(
            AgentProfile.objects.filter(is_supervisor=True, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
