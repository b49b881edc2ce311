"""The supervisor dashboard in Chromium on Daphne: KPI tiles and SVG charts render, a filter
applied from the keyboard swaps the body through htmx (no reload; the URL follows), and the
page fits a phone. Screenshots: test-artifacts/dashboard.png and dashboard-mobile.png."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_console_handoff import log_in
from tests.factories import AgentFactory, QueueFactory, metrics_conversation

pytestmark = pytest.mark.e2e

CATEGORIES = ("billing_dispute", "human_request", "technical", "negative_sentiment")


@pytest.fixture
def supervisor(transactional_db, live_url):
    QueueFactory(slug="billing", name="Billing")
    now = timezone.now()
    for i in range(60):
        escalation = None
        if i % 3 != 2:
            escalation = {
                "category": CATEGORIES[i % 4],
                "rule": "billing" if i % 4 == 0 else "",
                "target_queue": "billing" if i % 4 == 0 else "general",
                "reply_after": (25, 70, 110, 160, 400)[i % 5],
                "outcome": "resolved" if i % 7 else "not_resolved",
                "appropriate": i % 6 != 0,
                "could_ai_have_handled": i % 6 == 0,
                "handoff_quality": 3 + i % 3,
                "handoff_comment": "Clear summary, the order number was there."
                if i % 9 == 0
                else "",
                "csat_score": 2 + i % 4,
            }
        metrics_conversation(
            at=now - timedelta(days=i % 27, hours=i % 11), escalation=escalation, offer=i % 5 == 1
        )
    agent = AgentFactory(is_supervisor=True, user__username="boss", user__first_name="Alex")
    return live_url, agent


def test_the_dashboard_renders_and_filters_without_a_reload(browser, supervisor):
    base, _ = supervisor
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    log_in(page, base, "boss", "pw-for-tests")
    page.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(re.compile(r"/console/dashboard/$"))
    expect(page.locator("#kpi-escalation_rate .kpi-value")).to_contain_text("%")
    expect(page.locator("#kpi-escalation_rate .kpi-band")).to_contain_text("Target")
    expect(
        page.locator("svg[aria-label='Escalations per day by category'] rect")
    ).not_to_have_count(0)
    expect(page.locator("table.reasons tbody tr").first).to_be_visible()
    screenshot(page, "dashboard.png")

    page.evaluate("window.stillHere = true")  # gone if the page reloads
    page.locator("#id_category").select_option("billing_dispute")
    page.locator("#id_category").focus()
    page.keyboard.press("Tab")  # to Apply, from the keyboard
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"category=billing_dispute"))
    expect(page.locator("table.reasons tbody tr")).to_have_count(1)
    expect(page.locator("table.reasons tbody tr td").first).to_have_text("billing_dispute")
    assert page.evaluate("window.stillHere === true")

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, storage_state=context.storage_state()
    )
    mobile = phone.new_page()
    mobile.goto(base + "/console/dashboard/")
    expect(mobile.locator("#kpi-csat")).to_be_visible()
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    screenshot(mobile, "dashboard-mobile.png")
    phone.close()
    context.close()
