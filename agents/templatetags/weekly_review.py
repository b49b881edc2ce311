"""The weekly review's wording of a KPI tile, as text: the email's plain-text part and its
HTML part read the same (symbols beside words, nothing told by colour alone)."""

from __future__ import annotations

from django import template

from agents.metrics_math import kpi_number
from agents.templatetags.dashboard_charts import kpi_delta, kpi_previous

register = template.Library()

BANDS = {"met": "✔ Target met", "missed": "✖ Target missed", "no_data": "– No data"}


@register.filter
def kpi_band_text(kpi) -> str:
    return BANDS[str(kpi.band)]


@register.filter
def kpi_trend_text(kpi) -> str:
    """ "▲ +5.0 pts vs 50.0% (last week) · better", "Unchanged (4.20)", "No previous figure"."""
    direction = str(kpi.trend.direction)
    if direction == "none":
        return "No previous figure"
    if direction == "flat":
        return f"Unchanged ({kpi_previous(kpi)})"
    arrow = "▲" if direction == "up" else "▼"
    verdict = {True: " · better", False: " · worse"}.get(kpi.trend.better, "")
    return f"{arrow} {kpi_delta(kpi)} vs {kpi_previous(kpi)} the week before{verdict}"


@register.filter
def seconds_text(value: float | None) -> str:
    """48 s, 3.4 min, or – (nobody answered)."""
    return kpi_number(value, "s")
