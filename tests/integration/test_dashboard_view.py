"""The supervisor dashboard page: access, the htmx body swap, bad filters, the empty state,
CSV export of every table, and a query count that does not grow with the conversations."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agents.forms import DASHBOARD_TABLES
from tests.factories import AgentFactory, PlanFactory, metrics_conversation

pytestmark = pytest.mark.django_db

URL = "/console/dashboard/"
WEEK = "?start=2026-06-01&end=2026-06-07&time_zone=UTC"


@pytest.fixture
def supervisor(db):
    return AgentFactory(is_supervisor=True, time_zone="Europe/Berlin")


def traffic(count: int, start: datetime | None = None, hours: int = 7) -> None:
    """`count` conversations `hours` apart: every other one escalated and reviewed."""
    start = start or datetime(2026, 6, 1, 9, tzinfo=UTC)
    for i in range(count):
        escalation = None
        if i % 2 == 0:
            escalation = {
                "category": ("billing_dispute", "human_request", "technical")[i % 3],
                "rule": "billing" if i % 3 == 0 else "",
                "reply_after": 20 + 30 * i,
                "outcome": "resolved",
                "appropriate": i % 4 == 0,
                "could_ai_have_handled": i % 4 != 0,
                "handoff_quality": 1 + i % 5,
                "handoff_comment": f"comment {i}",
                "csat_score": 1 + i % 5,
            }
        metrics_conversation(
            at=start + timedelta(hours=hours * i),
            escalation=escalation,
            offer=i % 3 == 1,
            tickets=("email",) if i % 5 == 0 else (),
            transfers=i % 7 == 0,
        )


def test_only_supervisors_see_it(client):
    assert client.get(URL).status_code == 302  # to the login page
    client.force_login(AgentFactory().user)
    forbidden = client.get(URL)
    assert forbidden.status_code == 403
    assert b'href="/console/dashboard/"' not in client.get("/console/").content


def test_the_page_the_nav_link_and_the_htmx_body(client, supervisor):
    traffic(6)
    client.force_login(supervisor.user)
    assert b'href="/console/dashboard/"' in client.get("/console/").content  # the nav link
    page = client.get(URL + WEEK).content.decode()
    assert "<html" in page and 'id="dashboard-body"' in page
    assert 'hx-push-url="true"' in page and 'hx-target="#dashboard-body"' in page
    assert 'method="get"' in page  # without JS the form reloads the page with the filters
    assert "Escalation rate" in page and "Target missed" in page and "target 20–35%" in page
    assert "<svg" in page and "Escalations per day by category" in page
    assert "Mon 09:00–09:59: 1 escalation<" in page  # the heatmap cell's title, in UTC…
    assert "Mon 11:00–11:59: 1 escalation<" not in page  # …not the agent's Berlin time
    assert 'href="/console/review/?start=2026-06-01' in page  # the reasons link to the review
    body = client.get(URL + WEEK, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in body and body.lstrip().startswith('<div id="dashboard-body"')


def test_the_page_and_its_htmx_body_vary_on_the_htmx_header(client, supervisor):
    # One URL answers the whole page or the body: a cache must not hand one for the other.
    client.force_login(supervisor.user)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(URL + WEEK, headers=headers)
        assert "HX-Request" in response.headers["Vary"]
    assert "HX-Request" in client.get(URL + "?start=x").headers["Vary"]  # the 400 too


def test_bad_filters_are_refused_with_a_reason(client, supervisor):
    client.force_login(supervisor.user)
    response = client.get(URL + "?start=2026-06-07&end=2026-06-01&time_zone=Mars/Base")
    assert response.status_code == 400
    text = response.content.decode()
    assert "The end date is before the start date." in text
    assert "is not an IANA time zone" in text
    assert 'value="2026-06-07"' in text  # what was typed is kept
    assert client.get(URL + "?format=csv").status_code == 400  # which table?


def test_an_empty_period_says_why(client, supervisor):
    client.force_login(supervisor.user)
    text = client.get(URL + WEEK).content.decode()
    assert "No conversations between 1 Jun 2026 and 7 Jun 2026 (UTC) — try a wider range." in text


def test_the_default_period_is_the_last_30_days_in_the_agents_zone(client, supervisor):
    metrics_conversation(at=timezone.now() - timedelta(days=3), escalation={})
    client.force_login(supervisor.user)
    text = client.get(URL).content.decode()
    assert "times in Europe/Berlin" in text and "No conversations" not in text


@pytest.mark.parametrize("table", DASHBOARD_TABLES)
def test_every_table_exports_as_csv(client, supervisor, table):
    traffic(6)
    metrics_conversation(
        at=datetime(2026, 6, 2, tzinfo=UTC),
        escalation={"handoff_comment": '=HYPERLINK("http://evil")', "rule": "@rule"},
    )
    client.force_login(supervisor.user)
    response = client.get(URL + WEEK + f"&format=csv&table={table}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="chatsy-{table}-20260601-20260607.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert len(rows) > 1
    cells = [cell for row in rows for cell in row]
    assert not any(cell[:1] in "=+-@" and cell for cell in cells)  # formulas neutralised
    if table == "comments":
        assert '\'=HYPERLINK("http://evil")' in cells
    if table == "reasons":
        assert "'@rule" in cells
        assert rows[0] == [
            "category", "rule", "escalations", "reviewed", "appropriate_pct",
            "could_ai_have_handled",
        ]  # fmt: skip
    if table == "metrics":
        assert ["escalations", "4"] in rows


def test_a_csv_export_computes_its_own_table_only(client, supervisor):
    """The reasons and comments exports read escalations only: no conversation pass, no
    previous period, no chart series; the page itself reads all of them."""
    traffic(6)
    client.force_login(supervisor.user)
    for table in ("reasons", "comments"):
        with CaptureQueriesContext(connection) as export:
            assert client.get(URL + WEEK + f"&format=csv&table={table}").status_code == 200
        sql = [query["sql"] for query in export.captured_queries]
        assert sum("escalation_escalation" in q for q in sql) == 1, sql
        assert not any('FROM "conversations_conversation"' in q for q in sql), sql
    with CaptureQueriesContext(connection) as page:
        assert client.get(URL + WEEK).status_code == 200
    assert any('FROM "conversations_conversation"' in q["sql"] for q in page.captured_queries)


def test_the_query_count_does_not_grow_with_the_conversations(
    client, supervisor, django_assert_max_num_queries
):
    client.force_login(supervisor.user)
    traffic(5)
    with CaptureQueriesContext(connection) as at_five:
        assert client.get(URL + WEEK).status_code == 200
    traffic(45, start=datetime(2026, 6, 1, 11, tzinfo=UTC), hours=3)  # 50 in all
    with django_assert_max_num_queries(len(at_five)) as at_fifty:
        page = client.get(URL + WEEK).content.decode()
    assert len(at_fifty) == len(at_five) <= 25
    assert "of 50 conversations" in page  # the 45 new ones were counted


def test_could_the_ai_have_handled_it_links_to_exactly_those_escalations_in_the_review(client):
    boss = AgentFactory(is_supervisor=True)  # a supervisor, not a superuser
    gold = PlanFactory(name="Gold")
    for could, plan in ((True, gold), (True, gold), (False, gold), (True, None)):
        metrics_conversation(
            at=datetime(2026, 6, 2, tzinfo=UTC),
            plan=plan,
            escalation={"category": "technical", "rule": "tech", "could_ai_have_handled": could},
        )
    metrics_conversation(  # not appropriate, but the agent did not say the AI could do it
        at=datetime(2026, 6, 2, tzinfo=UTC),
        plan=gold,
        escalation={"category": "technical", "rule": "tech", "appropriate": False},
    )
    metrics_conversation(  # another period: not listed
        at=datetime(2026, 5, 2, tzinfo=UTC),
        plan=gold,
        escalation={"category": "technical", "rule": "tech", "could_ai_have_handled": True},
    )
    metrics_conversation(  # 23:30 on 7 June in UTC, 1:30 on 8 June in Berlin: zone matters
        at=datetime(2026, 6, 7, 23, 30, tzinfo=UTC),
        plan=gold,
        escalation={"category": "technical", "rule": "tech", "could_ai_have_handled": True},
    )
    client.force_login(boss.user)
    for query, count in (
        (WEEK + f"&plan={gold.pk}", 3),
        (WEEK, 4),
        ("?start=2026-06-01&end=2026-06-07&time_zone=Europe/Berlin", 3),
    ):
        page = client.get(URL + query).content.decode()
        link = re.search(rf'href="(/console/review/\?[^"]+)">{count} conversations<', page)
        assert link is not None, (query, count)
        listing = client.get(html.unescape(link.group(1)))
        assert listing.status_code == 200
        assert listing.content.decode().count('<tr id="review-row-') == count
        assert 'id="review-filters"' in listing.content.decode()


def test_the_active_triage_model_is_shown_shipped_then_trained(client, supervisor):
    from escalation.model_store import shipped_model
    from escalation.model_versions import triage_model_store

    traffic(2)
    client.force_login(supervisor.user)
    shipped = shipped_model()
    page = client.get(URL + WEEK).content.decode()
    assert 'id="triage-model"' in page
    assert f"version {shipped.version} · shipped · active since install" in page
    row = triage_model_store(
        model=shipped,
        metrics={"validation": {"macro_f1": 0.8771}},
        examples=412,
        activate=True,
        note="test",
        now=datetime(2026, 6, 3, 9, 30, tzinfo=UTC),
    )
    page = client.get(URL + WEEK).content.decode()
    assert (
        f"version {row.version} · trained on supervisors&#x27; labels · activated 2026-06-03"
    ) in page
    assert "412 examples · macro-F1 0.877" in page
