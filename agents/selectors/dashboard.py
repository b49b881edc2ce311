"""The supervisor dashboard's reads: KPI tiles against the previous period, the chart series,
the top reasons and the handoff feedback. A fixed number of queries at any volume (the
dashboard's query-count test holds it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Func, IntegerField, Q
from django.urls import reverse

from agents.metrics_math import Band, Target, Trend, trend
from agents.models import Queue
from agents.selectors.metrics import MetricsFilters, PeriodMetrics, escalations_in, period_metrics
from escalation.model_versions import ActiveModelInfo, triage_model_active_info
from escalation.models import Escalation, Plan

TOP_REASONS = 10
RECENT_COMMENTS = 8
BUSIEST_HOURS = 5


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
    triage_model: ActiveModelInfo  # the model deciding now (issue 15: its version and scores)

    @property
    def triage_macro_f1(self) -> float | None:
        """The active model's macro-F1 on its validation split (None: not measured)."""
        return (self.triage_model.metrics.get("validation") or {}).get("macro_f1")

    @property
    def empty(self) -> bool:
        return self.current.conversations == 0 and self.current.escalations == 0

    @property
    def busiest_hours(self) -> list[tuple[int, int, int]]:
        """The busiest (ISO weekday, hour, escalations) cells of the heatmap, busiest first."""
        cells = sorted(self.heatmap.items(), key=lambda item: (-item[1], item[0]))
        return [(weekday, hour, count) for (weekday, hour), count in cells[:BUSIEST_HOURS]]

    @property
    def day_totals(self) -> list[tuple[date, int]]:
        """Escalations per local day of the period, every category together."""
        totals: dict[date, int] = defaultdict(int)
        for (day, _), count in self.per_day.items():
            totals[day] += count
        return [(day, totals.get(day, 0)) for day in self.days]


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
            f"{current.resolved} of {current.finished} finished · no outcome:"
            f" {current.open_waiting} waiting or with an agent,"
            f" {current.open_abandoned} abandoned, {current.open_ticket} ticket"
            + (f", {current.open_other} back with the bot" if current.open_other else ""),
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


def dashboard_page(
    *, filters: MetricsFilters, now: datetime | None = None, limit: int | None = TOP_REASONS
) -> Dashboard:
    """`limit`: how many reasons (and, when set, the latest RECENT_COMMENTS comments); None
    reads every reason and comment (the weekly review)."""
    current = period_metrics(filters=filters, now=now)
    previous = period_metrics(filters=filters.previous(), extras=False, now=now)
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
        reasons=top_reasons(filters=filters, limit=limit),
        comments=handoff_comments(filters=filters, limit=RECENT_COMMENTS if limit else None),
        triage_model=triage_model_active_info(),
    )


def dashboard_table(*, filters: MetricsFilters, table: str, now: datetime | None = None) -> Any:
    """What one table of the dashboard's CSV export shows, and only that (the export computes
    no other figure): the KPI tiles, all figures (`PeriodMetrics`), the per-day or heatmap
    series, the whole reasons or comments. `agents.dashboard_tables.table_rows` writes it."""
    if table == "kpis":
        current = period_metrics(filters=filters, now=now)
        previous = period_metrics(filters=filters.previous(), extras=False, now=now)
        return _kpis(current, previous)
    if table == "metrics":
        return period_metrics(filters=filters, now=now)
    if table in ("time_to_human", "csat"):
        return period_metrics(filters=filters, extras=False, now=now)
    if table in ("per_day", "heatmap"):
        per_day, heatmap = _when(filters)
        return per_day if table == "per_day" else heatmap
    if table == "reasons":
        return top_reasons(filters=filters, limit=None)
    if table == "comments":
        return handoff_comments(filters=filters, limit=None)
    raise ValueError(f"unknown table {table!r}")


class EpochBucket(Func):
    """A datetime's bucket of `seconds` since the epoch (UTC), in native SQL on either
    database (Django's zone-aware Trunc/Extract call Python per row on SQLite)."""

    output_field = IntegerField()

    def __init__(self, expression, *, seconds: int) -> None:
        super().__init__(expression)
        self.seconds = seconds

    def as_sql(self, compiler, connection, *args, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        # date_part: a double; EXTRACT returns numeric, whose arithmetic is slower per row.
        return f"CAST(FLOOR(date_part('epoch', {sql}) / {self.seconds:d}) AS INTEGER)", params

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"(CAST(strftime('%%s', {sql}) AS INTEGER) / {self.seconds:d})", params


def _bucket_seconds(filters: MetricsFilters) -> int:
    """Hours fold into local days and hours exactly when the zone's offset is a whole number
    of hours through the period (nearly every zone); otherwise quarter hours, which every
    zone's offset is a multiple of (Kolkata +5:30, Kathmandu +5:45, Lord Howe's half-hour DST)."""
    start, end = filters.bounds()
    offsets = {
        start.utcoffset(),
        end.utcoffset(),
        filters.zone.utcoffset(start + (end - start) / 2),
    }
    return 3600 if all(o is not None and o.total_seconds() % 3600 == 0 for o in offsets) else 900


def _when(
    filters: MetricsFilters,
) -> tuple[dict[tuple[date, str], int], dict[tuple[int, int], int]]:
    """Escalations per (local day, category) and per (ISO weekday, local hour): one grouped
    query by hour (or quarter hour, `_bucket_seconds`), folded into the zone."""
    seconds = _bucket_seconds(filters)
    rows = (
        escalations_in(filters)
        .order_by()
        .annotate(bucket=EpochBucket("created", seconds=seconds))
        .values_list("bucket", "category")
        .annotate(n=Count("pk"))
    )
    per_day: dict[tuple[date, str], int] = defaultdict(int)
    heatmap: dict[tuple[int, int], int] = defaultdict(int)
    local_of: dict[int, tuple[date, tuple[int, int]]] = {}  # a row per bucket and category
    zone = filters.zone
    for bucket, category, count in rows:
        if bucket not in local_of:
            local = datetime.fromtimestamp(bucket * seconds, zone)
            local_of[bucket] = (local.date(), (local.isoweekday(), local.hour))
        day, weekday_hour = local_of[bucket]
        per_day[(day, category)] += count
        heatmap[weekday_hour] += count
    return dict(per_day), dict(heatmap)


def top_reasons(*, filters: MetricsFilters, limit: int | None = TOP_REASONS) -> list[ReasonRow]:
    # Grouped by rule first: SQLite then reads the period's range of the covering index
    # `escalation_dashboard_cover` instead of skip-scanning the category index and looking
    # each row up (3× slower).
    rows = (
        escalations_in(filters)
        .order_by()
        .values("rule", "category")
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


def review_path(
    *, filters: MetricsFilters, category: str = "", rule: str = "", avoidable: bool = False
) -> str:
    """The console's review page (`console:review`) listing exactly the escalations a figure
    counts: the period in its zone, the queue, the plan, a category and rule."""
    query: dict[str, str] = {
        "start": filters.start.isoformat(),
        "end": filters.end.isoformat(),
        "time_zone": filters.time_zone,
    }
    wanted = {
        "avoidable": "1" if avoidable else "",
        "category": category or filters.category,
        "rule": rule,
        "queue": filters.queue,
        "plan": "" if filters.plan is None else str(filters.plan),
    }
    query.update({key: value for key, value in wanted.items() if value})
    return f"{reverse('console:review')}?{urlencode(query)}"


def dashboard_choices() -> dict[str, list[tuple[str, str]]]:
    """The filter form's queues, plans and categories."""
    return {
        "queues": list(Queue.objects.order_by("name").values_list("slug", "name")),
        "plans": [(str(pk), name) for pk, name in Plan.objects.values_list("pk", "name")],
        "categories": list(Escalation._meta.get_field("category").choices or []),
    }
