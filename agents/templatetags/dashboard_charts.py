"""The dashboard's charts as server-rendered SVG: no chart library, no script, no inline
style (the CSP refuses them; SVG presentation attributes are not styles). Each series has a
colour and a pattern and every mark carries its number as text or a <title>, so nothing is
read from colour alone."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from agents.dashboard_tables import WEEKDAYS, bucket_label
from agents.metrics_math import TIME_TO_HUMAN_EDGES, TWO_MINUTES, kpi_number
from agents.selectors.dashboard import Dashboard, review_path

register = template.Library()

COLOURS = ("#2f6fde", "#d9822b", "#2e9d6a", "#b4457f", "#7a5cc2", "#c0392b", "#1f8a99", "#8a6d3b")
# One marking per series, drawn in white over its colour: solid, stripes, dots, cross-hatch…
MARKS = (
    "",
    '<path d="M0 6L6 0" stroke="#fff" stroke-width="1.5"/>',
    '<circle cx="3" cy="3" r="1.3" fill="#fff"/>',
    '<path d="M0 3H6M3 0V6" stroke="#fff" stroke-width="1.2"/>',
    '<path d="M0 0L6 6" stroke="#fff" stroke-width="1.5"/>',
    '<path d="M0 3H6" stroke="#fff" stroke-width="1.5"/>',
    '<path d="M3 0V6" stroke="#fff" stroke-width="1.5"/>',
    '<path d="M0 0L6 6M0 6L6 0" stroke="#fff" stroke-width="1"/>',
)


def series_style(index: int) -> tuple[str, str]:
    """(pattern id, fill) of the index-th series."""
    return f"series-{index}", f"url(#series-{index})"


def _patterns() -> str:
    parts = []
    for index in range(len(COLOURS)):
        parts.append(
            f'<pattern id="series-{index}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{COLOURS[index]}"/>{MARKS[index]}</pattern>'
        )
    return "".join(parts)


@register.simple_tag
def series_patterns() -> SafeString:
    """The <defs> every chart's fills point at: once per page, in a zero-size SVG."""
    return mark_safe(  # noqa: S308 — constants only
        '<svg width="0" height="0" aria-hidden="true" class="defs">'
        f"<defs>{_patterns()}</defs></svg>"
    )


@register.simple_tag
def series_swatch(index: int) -> SafeString:
    return format_html(
        '<svg width="14" height="14" aria-hidden="true" class="swatch">'
        '<rect width="14" height="14" fill="url(#series-{})" stroke="#555" stroke-width=".5"/>'
        "</svg>",
        index % len(COLOURS),
    )


def _svg(width: int, height: int, label: str, body: str) -> SafeString:
    return format_html(
        '<svg viewBox="0 0 {} {}" role="img" aria-label="{}" class="chart" '
        'preserveAspectRatio="xMinYMin meet">{}</svg>',
        width,
        height,
        label,
        mark_safe(body),  # noqa: S308 — built below from escaped parts
    )


@register.simple_tag
def escalations_per_day_chart(page: Dashboard) -> SafeString:
    """Stacked bars: one per day, one segment per category (its pattern), the total on top."""
    days, plot_h, bar_w, left, top = page.days, 160, 18, 34, 16
    totals = [sum(page.per_day.get((d, c), 0) for c in page.categories) for d in days]
    peak = max(totals, default=0) or 1
    parts = [
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" class="axis">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" class="axis">0</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + len(days) * bar_w}" '
        f'y2="{top + plot_h}" stroke="#98a2b3"/>',
    ]
    label_every = max(1, len(days) // 10)
    for i, (day, total) in enumerate(zip(days, totals, strict=True)):
        x, y = left + i * bar_w, float(top + plot_h)
        for index, category in enumerate(page.categories):
            count = page.per_day.get((day, category), 0)
            if not count:
                continue
            height = count / peak * plot_h
            y -= height
            parts.append(
                f'<rect x="{x + 2}" y="{y:.1f}" width="{bar_w - 4}" height="{height:.1f}" '
                f'fill="url(#series-{index % len(COLOURS)})"><title>{day:%a %d %b}: '
                f"{escape(category)} {count}</title></rect>"
            )
        if total:
            parts.append(
                f'<text x="{x + bar_w / 2}" y="{y - 3:.1f}" text-anchor="middle" class="value">'
                f"{total}</text>"
            )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2}" y="{top + plot_h + 14}" text-anchor="middle" '
                f'class="axis">{day:%d %b}</text>'
            )
    width = left + len(days) * bar_w + 8
    return _svg(width, top + plot_h + 22, "Escalations per day by category", "".join(parts))


def _bars(counts: list[int], labels: list[str], label: str, marked: set[int]) -> SafeString:
    """A plain bar chart with each count written above its bar; `marked` bars are drawn in
    the second pattern (e.g. under 2 minutes)."""
    plot_h, bar_w, left, top = 140, 44, 8, 16
    peak = max(counts, default=0) or 1
    parts = []
    for i, (count, text) in enumerate(zip(counts, labels, strict=True)):
        x = left + i * bar_w
        height = count / peak * plot_h
        fill = "url(#series-0)" if i in marked else "url(#series-1)"
        parts.append(
            f'<rect x="{x + 3}" y="{top + plot_h - height:.1f}" width="{bar_w - 6}" '
            f'height="{max(height, 0.5):.1f}" fill="{fill}"><title>{escape(text)}: {count}'
            f"</title></rect>"
            f'<text x="{x + bar_w / 2}" y="{top + plot_h - height - 3:.1f}" '
            f'text-anchor="middle" class="value">{count}</text>'
            f'<text x="{x + bar_w / 2}" y="{top + plot_h + 14}" text-anchor="middle" '
            f'class="axis">{escape(text)}</text>'
        )
    return _svg(left + len(counts) * bar_w + 8, top + plot_h + 22, label, "".join(parts))


@register.simple_tag
def time_to_human_chart(page: Dashboard) -> SafeString:
    counts = list(page.current.time_to_human_counts)
    labels = [bucket_label(i) for i in range(len(counts))]
    under = {i for i, edge in enumerate(TIME_TO_HUMAN_EDGES) if edge < TWO_MINUTES}
    return _bars(counts, labels, "Time to human: escalations per waiting time", under)


@register.simple_tag
def csat_chart(page: Dashboard) -> SafeString:
    counts = list(page.current.csat_counts)
    return _bars(counts, [f"{i} ★" for i in range(1, 6)], "Post-escalation CSAT ratings", {3, 4})


@register.simple_tag
def heatmap_chart(page: Dashboard) -> SafeString:
    """Weekday × hour: darker is busier, and every non-empty cell shows its count."""
    cell, left, top = 26, 36, 16
    peak = max(page.heatmap.values(), default=0) or 1
    parts = [
        f'<text x="{left + hour * cell + cell / 2}" y="{top - 4}" text-anchor="middle" '
        f'class="axis">{hour:02d}</text>'
        for hour in range(0, 24, 3)
    ]
    for row, weekday in enumerate(WEEKDAYS, start=1):
        y = top + (row - 1) * cell
        parts.append(
            f'<text x="{left - 4}" y="{y + cell / 2 + 4}" text-anchor="end" class="axis">'
            f"{weekday}</text>"
        )
        for hour in range(24):
            count = page.heatmap.get((row, hour), 0)
            opacity = 0.06 if not count else 0.2 + 0.8 * count / peak
            parts.append(
                f'<rect x="{left + hour * cell}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="#2f6fde" fill-opacity="{opacity:.2f}"><title>{weekday} '
                f"{hour:02d}:00–{hour:02d}:59: {count} escalation{'' if count == 1 else 's'}"
                "</title></rect>"
            )
            if count:
                ink = "#fff" if opacity > 0.55 else "#101828"
                parts.append(
                    f'<text x="{left + hour * cell + (cell - 2) / 2}" y="{y + cell / 2 + 3}" '
                    f'text-anchor="middle" class="value" fill="{ink}">{count}</text>'
                )
    return _svg(
        left + 24 * cell + 4, top + 7 * cell + 4, "Escalations by weekday and hour", "".join(parts)
    )


@register.filter
def kpi_value(kpi) -> str:
    """A KPI's value as people read it: 27.5%, 48 s, 3.4 min, 4.25."""
    return kpi_number(kpi.value, kpi.unit)


@register.filter
def kpi_previous(kpi) -> str:
    return kpi_number(kpi.previous, kpi.unit)


@register.filter
def kpi_delta(kpi) -> str:
    """The change against the previous period, signed (percentage points for rates)."""
    delta = kpi.trend.delta
    if delta is None:
        return ""
    if kpi.unit == "%":
        return f"{delta * 100:+.1f} pts"
    if kpi.unit == "s":
        return f"{delta:+.0f} s"
    return f"{delta:+.2f}"


@register.simple_tag
def could_ai_url(row, filters) -> str:
    """The console's learning-loop review of this reason's escalations the agents said the AI
    could have handled, over the dashboard's period, zone, queue and plan (a relative URL)."""
    return review_path(filters=filters, category=row.category, rule=row.rule, avoidable=True)


@register.filter
def triage_model_text(page) -> str:
    """The active triage model in one line, for the dashboard, the weekly page and email."""
    model = page.triage_model
    source = "trained on supervisors' labels" if model.source == "trained" else "shipped"
    activated = (
        f"activated {timezone.localtime(model.activated_at):%Y-%m-%d %H:%M}"
        if model.activated_at
        else "active since install"
    )
    f1 = page.triage_macro_f1
    score = "macro-F1 not measured" if f1 is None else f"macro-F1 {f1:.3f}"
    return f"version {model.version} · {source} · {activated} · {model.examples} examples · {score}"


@register.filter
def weekday_name(weekday: int) -> str:
    """An ISO weekday (1 = Monday) as the charts write it: Mon…Sun."""
    return WEEKDAYS[weekday - 1]
