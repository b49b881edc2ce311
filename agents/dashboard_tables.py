"""The dashboard's tables as rows, for its CSV export (every table the page shows, whole).
Formatting only: the figures come from `agents.selectors.dashboard.dashboard_table`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from agents.metrics_math import TIME_TO_HUMAN_EDGES, neutralise_csv_cell

if TYPE_CHECKING:
    from agents.selectors.dashboard import Comment, Kpi, ReasonRow
    from agents.selectors.metrics import PeriodMetrics

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _number(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}".rstrip("0").rstrip(".")


def bucket_label(index: int) -> str:
    lower = TIME_TO_HUMAN_EDGES[index]
    if index + 1 == len(TIME_TO_HUMAN_EDGES):
        return f"≥ {lower // 60} min"
    upper = TIME_TO_HUMAN_EDGES[index + 1]
    fmt = (lambda s: f"{s}s") if upper <= 120 else (lambda s: f"{s / 60:g}m")
    return f"{fmt(lower)}–{fmt(upper)}"


def table_rows(table: str, data: Any) -> list[list[Any]]:
    """Header row first. `data` is what `agents.selectors.dashboard.dashboard_table` read for
    `table` (this module reads nothing itself); `reasons` and `comments` are whole here (the
    page shows the top)."""
    if table == "kpis":
        kpis: list[Kpi] = data
        return [["kpi", "value", "previous", "unit", "target", "band", "trend"]] + [
            [
                k.label,
                _number(k.value),
                _number(k.previous),
                k.unit,
                k.target.text,
                k.band,
                k.trend.direction,
            ]
            for k in kpis
        ]
    if table == "metrics":
        return [["metric", "value"], *metric_rows(data)]
    if table == "per_day":
        per_day: dict[tuple[date, str], int] = data
        return [["day", "category", "escalations"]] + [
            [day.isoformat(), category, count] for (day, category), count in sorted(per_day.items())
        ]
    if table == "time_to_human":
        metrics: PeriodMetrics = data
        return [["seconds_from", "bucket", "escalations"]] + [
            [TIME_TO_HUMAN_EDGES[i], bucket_label(i), n]
            for i, n in enumerate(metrics.time_to_human_counts)
        ]
    if table == "csat":
        return [["score", "ratings"]] + [[i + 1, n] for i, n in enumerate(data.csat_counts)]
    if table == "heatmap":
        heatmap: dict[tuple[int, int], int] = data
        return [["weekday", "hour", "escalations"]] + [
            [WEEKDAYS[weekday - 1], hour, count]
            for (weekday, hour), count in sorted(heatmap.items())
        ]
    if table == "reasons":
        reasons: list[ReasonRow] = data
        return [
            [
                "category",
                "rule",
                "escalations",
                "reviewed",
                "appropriate_pct",
                "could_ai_have_handled",
            ]
        ] + [
            [
                r.category,
                r.rule,
                r.count,
                r.reviewed,
                _number(_pct(r.appropriate_rate), 1),
                r.could_ai_have_handled,
            ]
            for r in reasons
        ]
    if table == "comments":
        comments: list[Comment] = data
        header: list[Any] = ["resolved_at", "category", "handoff_rating", "comment"]
        return [header] + [
            [c.created.isoformat() if c.created else "", c.category, c.rating or "", c.text]
            for c in comments
        ]
    raise ValueError(f"unknown table {table!r}")


def _pct(value: float | None) -> float | None:
    return None if value is None else value * 100


def metric_rows(m: PeriodMetrics) -> list[list[Any]]:
    rows: list[list[Any]] = [
        ["conversations_with_visitor_message", m.conversations],
        ["escalated_conversations", m.escalated_conversations],
        ["escalation_rate", _number(m.escalation_rate)],
        ["escalations", m.escalations],
        ["reviewed", m.reviewed],
        ["reviewed_share", _number(m.reviewed_share)],
        ["appropriate", m.appropriate],
        ["appropriate_rate", _number(m.appropriate_rate)],
        ["finished", m.finished],
        ["resolved", m.resolved],
        ["still_open", m.open_escalations],
        ["open_waiting_or_with_agent", m.open_waiting],
        ["open_abandoned", m.open_abandoned],
        ["open_ticket", m.open_ticket],
        ["open_back_with_bot", m.open_other],
        ["unanswered_over_2_min", m.unanswered_over_two_minutes],
        ["resolution_rate", _number(m.resolution_rate)],
        ["answered_by_a_person", m.answered],
        ["time_to_human_p50_seconds", _number(m.time_to_human_p50, 1)],
        ["time_to_human_p90_seconds", _number(m.time_to_human_p90, 1)],
        ["time_to_human_under_2_min_share", _number(m.under_two_minutes_share)],
        ["post_escalation_csat_mean", _number(m.csat_mean, 2)],
        ["post_escalation_csat_n", m.csat_n],
        ["ai_only_csat_mean", _number(m.ai_only_csat_mean, 2)],
        ["ai_only_csat_n", m.ai_only_csat_n],
        ["handoff_rating_mean", _number(m.handoff_quality_mean, 2)],
        ["handoff_rating_n", m.handoff_quality_n],
        ["could_ai_have_handled", m.could_ai_have_handled],
        ["bot_resolved", m.bot_resolved],
        ["bot_resolution_rate", _number(m.bot_resolution_rate)],
        ["offers", m.offers],
        ["offers_accepted", m.offers_accepted],
        ["offers_declined", m.offers_declined],
        ["after_hours_tickets", m.after_hours_tickets],
        ["reassignments", m.transfers],
        ["abandoned_waits", m.abandoned],
    ]
    rows += [[f"alternative_{kind}", n] for kind, n in sorted(m.alternatives_chosen.items())]
    return rows


def csv_text(rows: Iterable[list[object]]) -> str:
    """Rows as CSV, every cell neutralised against spreadsheet formulas."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([neutralise_csv_cell(cell) for cell in row])
    return out.getvalue()
