"""The supervisor dashboard (docs/dashboard.md): one page, its htmx body swap, its CSV export.
Thin: parse the filters, one selector, render."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from agents.dashboard_tables import csv_text, table_rows
from agents.forms import DashboardFilterForm
from agents.selectors.dashboard import dashboard_choices, dashboard_page, dashboard_table
from agents.selectors.metrics import MetricsFilters, filters_last_days
from agents.views import AgentRequest, supervisor_required

DEFAULT_DAYS = 30


@require_GET
@supervisor_required
def dashboard(request: AgentRequest) -> HttpResponse:
    zone = request.agent.time_zone or settings.TIME_ZONE
    filters = filters_last_days(days=DEFAULT_DAYS, now=timezone.now(), time_zone=zone)
    initial = {"start": filters.start, "end": filters.end, "time_zone": zone}
    form = DashboardFilterForm(request.GET or None, initial=initial, choices=dashboard_choices())
    if form.is_bound and not form.is_valid():
        # Nothing is computed from input we could not read; the form says what to fix.
        context = {"form": form, "page": None, "filters": filters}
        return _render(request, context, status=400)
    if form.is_bound:
        filters = _filters(form.cleaned_data, filters)
    if form.is_bound and form.cleaned_data["format"] == "csv":
        # The one table asked for, not the whole page.
        table = form.cleaned_data["table"]
        data = dashboard_table(filters=filters, table=table)
        response = HttpResponse(
            csv_text(table_rows(table, data)), content_type="text/csv; charset=utf-8"
        )
        name = f"chatsy-{table}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    page = dashboard_page(filters=filters)
    return _render(request, {"form": form, "page": page, "filters": filters})


def _render(request: AgentRequest, context: dict, status: int = 200) -> HttpResponse:
    # One template: the whole page, or (an htmx filter submit) only the body it swaps.
    template = "console/_dashboard_body.html" if request.htmx else "console/dashboard.html"
    response = render(request, template, context, status=status)
    # One URL, two bodies: a cache must key on the header that picks between them.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _filters(data: dict, default: MetricsFilters) -> MetricsFilters:
    """The form's values over the default period (an open side keeps the default length)."""
    start, end = data["start"], data["end"]
    if start and not end:
        end = start + (default.end - default.start)
    elif end and not start:
        start = end - (default.end - default.start)
    return MetricsFilters(
        start=start or default.start,
        end=end or default.end,
        time_zone=data["time_zone"] or default.time_zone,
        queue=data["queue"] or "",
        plan=int(data["plan"]) if data["plan"] else None,
        category=data["category"] or "",
    )
