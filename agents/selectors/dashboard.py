"""The supervisor dashboard's reads: KPI tiles against the previous period, the chart series,
the top reasons and the handoff feedback. A fixed number of queries at any volume (the
dashboard's query-count test holds it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Func, IntegerField, Q

from agents.metrics_math import Band, Target, Trend, trend
from agents.models import Queue
from agents.selectors.metrics import MetricsFilters, PeriodMetrics, escalations_in, period_metrics
from escalation.models import Escalation, Plan

TOP_REASONS = 10
RECENT_COMMENTS = 8


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: float | None
    previous: float | None
    unit: str  # "%", "s", "/5"
    target: Target
    detail: str = ""

    @property
    def band(self) -> Band:
        return self.target.band(self.value)

    @property
    def trend(self) -> Trend:
        return trend(self.value, self.previous, self.target)


@dataclass(frozen=True)
class ReasonRow:
    category: str
    rule: str
    count: int
    reviewed: int
    appropriate: int
    could_ai_have_handled: int

    @property
    def appropriate_rate(self) -> float | None:
        return self.appropriate / self.reviewed if self.reviewed else None


@dataclass(frozen=True)
class Comment:
    created: datetime | None  # resolved_at
    category: str
    rating: int | None
    text: str


@dataclass(frozen=True)
class Dashboard:
    filters: MetricsFilters
    current: PeriodMetrics
    previous: PeriodMetrics
    kpis: list[Kpi]
    days: list[date]
    per_day: dict[tuple[date, str], int]  # (day, category) → escalations
    categories: list[str]
    heatmap: dict[tuple[int, int], int]  # (ISO weekday 1–7, hour) → escalations
    reasons: list[ReasonRow]
    comments: list[Comment]

    @property
    def empty(self) -> bool:
        return self.current.conversations == 0 and self.current.escalations == 0


TARGETS = {
    "escalation_rate": Target(0.20, 0.35, inclusive=True, text="20–35%"),
    "appropriate_rate": Target(low=0.90, text="> 90%"),
    "resolution_rate": Target(low=0.95, text="> 95%"),
    "time_to_human": Target(high=120, text="< 2 min (p50)"),
    "csat": Target(low=4.2, text="> 4.2"),
}


def _kpis(current: PeriodMetrics, previous: PeriodMetrics) -> list[Kpi]:
    def kpi(
        key: str, label: str, read: Callable[[PeriodMetrics], float | None], unit: str, detail: str
    ) -> Kpi:
        return Kpi(key, label, read(current), read(previous), unit, TARGETS[key], detail)

    under = current.under_two_minutes_share
    p90 = current.time_to_human_p90
    return [
        kpi(
            "escalation_rate",
            "Escalation rate",
            lambda m: m.escalation_rate,
            "%",
            f"{current.escalated_conversations} of {current.conversations} conversations",
        ),
        kpi(
            "appropriate_rate",
            "Appropriate escalations",
            lambda m: m.appropriate_rate,
            "%",
            f"{current.reviewed} of {current.escalations} escalations reviewed",
        ),
        kpi(
            "resolution_rate",
            "Escalation resolution",
            lambda m: m.resolution_rate,
            "%",
            f"{current.resolved} of {current.finished} finished"
            f" · {current.open_escalations} still open",
        ),
        kpi(
            "time_to_human",
            "Time to human (p50)",
            lambda m: m.time_to_human_p50,
            "s",
            (
                f"p90 {_seconds(p90)} · {round(under * 100)}% under 2 min"
                if under is not None
                else "nobody has answered yet"
            ),
        ),
        kpi(
            "csat",
            "Post-escalation CSAT",
            lambda m: m.csat_mean,
            "/5",
            f"n = {current.csat_n} · AI-only CSAT: {_ai_only_csat(current)}",
        ),
    ]


def _ai_only_csat(metrics: PeriodMetrics) -> str:
    mean = metrics.ai_only_csat_mean
    return f"{'–' if mean is None else f'{mean:.2f}'} (n = {metrics.ai_only_csat_n})"


def _seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value / 60:.1f} min" if value >= 120 else f"{value:.0f} s"


def dashboard_page(*, filters: MetricsFilters) -> Dashboard:
    current = period_metrics(filters=filters)
    previous = period_metrics(filters=filters.previous(), extras=False)
    per_day, heatmap = _when(filters)
    return Dashboard(
        filters=filters,
        current=current,
        previous=previous,
        kpis=_kpis(current, previous),
        days=[filters.start + timedelta(days=i) for i in range(filters.days)],
        per_day=per_day,
        categories=sorted({category for _, category in per_day}),
        heatmap=heatmap,
        reasons=top_reasons(filters=filters),
        comments=handoff_comments(filters=filters),
    )


class QuarterHour(Func):
    """A datetime's quarter-hour since the epoch (UTC), in native SQL on either database:
    every zone's offset is a whole number of quarter hours, so the quarters fold into local
    days and hours exactly (Django's zone-aware Trunc/Extract call Python per row on SQLite)."""

    output_field = IntegerField()
    template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s) / 900) AS INTEGER)"

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"(CAST(strftime('%%s', {sql}) AS INTEGER) / 900)", params


def _when(
    filters: MetricsFilters,
) -> tuple[dict[tuple[date, str], int], dict[tuple[int, int], int]]:
    """Escalations per (local day, category) and per (ISO weekday, local hour): one grouped
    query by quarter hour, folded into the zone (at most 96 groups a day per category)."""
    rows = (
        escalations_in(filters)
        .order_by()
        .annotate(quarter=QuarterHour("created"))
        .values_list("quarter", "category")
        .annotate(n=Count("pk"))
    )
    per_day: dict[tuple[date, str], int] = defaultdict(int)
    heatmap: dict[tuple[int, int], int] = defaultdict(int)
    for quarter, category, count in rows:
        local = datetime.fromtimestamp(quarter * 900, filters.zone)
        per_day[(local.date(), category)] += count
        heatmap[(local.isoweekday(), local.hour)] += count
    return dict(per_day), dict(heatmap)


def top_reasons(*, filters: MetricsFilters, limit: int | None = TOP_REASONS) -> list[ReasonRow]:
    rows = (
        escalations_in(filters)
        .order_by()
        .values("category", "rule")
        .annotate(
            count=Count("pk"),
            reviewed=Count("pk", filter=Q(appropriate__isnull=False)),
            appropriate=Count("pk", filter=Q(appropriate=True)),
            could_ai_have_handled=Count("pk", filter=Q(could_ai_have_handled=True)),
        )
        .order_by("-count", "category", "rule")
    )
    return [ReasonRow(**row) for row in (rows[:limit] if limit else rows)]


def handoff_comments(
    *, filters: MetricsFilters, limit: int | None = RECENT_COMMENTS
) -> list[Comment]:
    rows = (
        escalations_in(filters)
        .exclude(handoff_comment="")
        .order_by("-resolved_at", "-pk")
        .values_list("resolved_at", "category", "handoff_quality", "handoff_comment")
    )
    return [Comment(*row) for row in (rows[:limit] if limit else rows)]


def dashboard_choices() -> dict[str, list[tuple[str, str]]]:
    """The filter form's queues, plans and categories."""
    return {
        "queues": list(Queue.objects.order_by("name").values_list("slug", "name")),
        "plans": [(str(pk), name) for pk, name in Plan.objects.values_list("pk", "name")],
        "categories": list(Escalation._meta.get_field("category").choices or []),
    }
