"""The weekly review in Chromium on Daphne: from the console's nav to the list of weeks to last
week's report, its KPI tiles and the conversations to review. Screenshot:
test-artifacts/weekly-review.png."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agents.weekly_schedule import week_start_of
from tests.e2e.conftest import screenshot
from tests.e2e.test_console_handoff import log_in
from tests.factories import AgentFactory, metrics_conversation

pytestmark = pytest.mark.e2e


@pytest.fixture
def last_week(transactional_db, live_url):
    # Daphne runs apart with the default site zone (TIME_ZONE, UTC here).
    monday = week_start_of(timezone.now().astimezone(UTC).date()) - timedelta(days=7)
    start = datetime.combine(monday, time(9), tzinfo=UTC)
    for i in range(14):
        escalation = None
        if i % 2 == 0:
            escalation = {
                "category": ("billing_dispute", "human_request", "technical")[i % 3],
                "reply_after": (40, 100, 250)[i % 3],
                "outcome": "resolved",
                "appropriate": i % 4 != 0,
                "could_ai_have_handled": i % 4 == 0,
                "handoff_quality": 3 + i % 3,
                "handoff_comment": "The order number was in the summary." if i == 2 else "",
                "csat_score": 3 + i % 3,
            }
        metrics_conversation(at=start + timedelta(hours=11 * i), escalation=escalation)
    AgentFactory(is_supervisor=True, user__username="boss", user__first_name="Alex")
    return live_url, monday


def test_last_weeks_review_from_the_console_nav(browser, last_week):
    base, monday = last_week
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    log_in(page, base, "boss", "pw-for-tests")
    page.get_by_role("link", name="Weekly review").click()
    expect(page).to_have_url(re.compile(r"/console/weekly/$"))
    page.locator(f"a[href='/console/weekly/{monday:%Y-%m-%d}/']").click()
    expect(page).to_have_url(re.compile(rf"/console/weekly/{monday:%Y-%m-%d}/$"))
    expect(page.locator("#kpi-escalation_rate .kpi-value")).to_have_text("50.0%")  # 7 of 14
    expect(page.locator("#to-review li")).to_have_count(4)  # i = 0, 4, 8, 12
    expect(page.locator("#reasons tbody tr")).to_have_count(3)
    expect(page.locator("#in-progress")).to_have_count(0)
    screenshot(page, "weekly-review.png")
