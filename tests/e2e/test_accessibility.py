"""WCAG in Chromium with axe-core (tests/support/axe.py): no serious or critical violation, every
rule (colour contrast included), on the widget closed, open, waiting during a handoff and with an
agent joined, and on the console's login, queue, an open chat with its handoff card and the
tickets list, the history (with results and empty), a conversation's read-only record and the
review page."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from agents import services as agent_services
from agents.models import AgentProfile
from conversations.frames import TicketRequest
from escalation.models import Escalation
from tests.e2e.conftest import screenshot
from tests.e2e.test_console_handoff import log_in
from tests.e2e.test_console_history import ROWS as HISTORY_ROWS
from tests.e2e.test_console_history import desk  # noqa: F401 - a fixture
from tests.e2e.test_console_resync import in_thread
from tests.e2e.test_widget_handoff_ux import shop  # noqa: F401 - a fixture
from tests.factories import escalated_conversation
from tests.support.axe import assert_accessible

pytestmark = pytest.mark.e2e


def axe_context(browser, width: int, height: int):
    # The injected axe script is inline: the app's Content-Security-Policy would refuse it.
    # Reduced motion: no colour is read mid-fade (axe_violations also waits for animations).
    return browser.new_context(
        viewport={"width": width, "height": height}, bypass_csp=True, reduced_motion="reduce"
    )


@pytest.fixture
def visitor(browser):
    context = axe_context(browser, 1100, 760)
    yield context.new_page()
    context.close()


@pytest.fixture
def agent_page(browser):
    context = axe_context(browser, 1366, 768)
    yield context.new_page()
    context.close()


def test_widget_and_console_through_a_handoff_have_no_serious_violations(
    visitor,
    agent_page,
    shop,  # noqa: F811 - the fixture imported above
):
    agent_page.goto(shop + "/console/login/")
    expect(agent_page.locator("#id_username")).to_be_visible()
    assert_accessible(agent_page, "the console's login page")
    log_in(agent_page, shop)
    agent_page.locator("#presence button", has_text="Online").click()
    expect(agent_page.locator("#presence .is-active")).to_have_text(re.compile("Online"))

    visitor.goto(shop + "/")
    expect(visitor.locator("#chatsy-launcher")).to_be_visible()
    assert_accessible(visitor, "the widget, closed")
    visitor.locator("#chatsy-launcher").click()
    expect(visitor.locator("#chatsy-empty")).to_be_visible()
    assert_accessible(visitor, "the widget, open")

    visitor.locator("#chatsy-input").fill("I want to talk to a human")
    visitor.locator("#chatsy-input").press("Enter")
    expect(visitor.locator("#chatsy-queue")).to_have_attribute("data-state", "position")
    expect(visitor.locator("#chatsy-messages li.is-handoff")).to_be_visible()
    assert_accessible(visitor, "the widget during a handoff, waiting in line")

    row = agent_page.locator(".queue-row").first
    expect(row).to_be_visible(timeout=10_000)
    assert_accessible(agent_page, "the console's queue")
    row.get_by_role("button", name=re.compile("Take over")).click()
    pane = agent_page.locator(".chat-pane:not([hidden])")
    expect(pane.locator(".handoff-card")).to_be_visible()
    assert_accessible(agent_page, "the console, an open chat with its handoff card")

    expect(visitor.locator("#chatsy-queue")).to_have_attribute("data-state", "joined")
    agent_name = AgentProfile.objects.get(user__username="agent").name
    expect(visitor.locator("#chatsy-title")).to_have_text(agent_name)
    pane.locator("textarea").fill("Hi, see https://example.com/help for the details.")
    pane.locator("textarea").press("Enter")
    expect(visitor.locator("#chatsy-messages li[data-sender=agent] a")).to_have_count(1)
    assert_accessible(visitor, "the widget with an agent joined")
    screenshot(visitor, "widget-agent-joined.png")


def test_console_tickets_list_has_no_serious_violations(
    agent_page,
    shop,  # noqa: F811 - the fixture imported above
):
    filed: list[object] = []

    def file_ticket() -> None:
        request = TicketRequest(
            request_id=uuid.uuid4(), kind="email", email="ana@example.com", details="Parcel late."
        )
        conversation = escalated_conversation("I want to talk to a human")
        filed.append(agent_services.ticket_create(conversation=conversation, request=request))

    in_thread(file_ticket)
    assert filed and filed[0].ticket.queue is not None, filed
    log_in(agent_page, shop)
    agent_page.get_by_role("link", name="Tickets").click()
    expect(agent_page).to_have_url(re.compile(r"/console/tickets/$"))
    expect(agent_page.locator(".ticket-table tbody tr")).not_to_have_count(0)
    assert_accessible(agent_page, "the console's tickets list")


def test_history_record_and_review_pages_have_no_serious_violations(
    browser,
    agent_page,
    desk,  # noqa: F811 - the fixture imported above
):
    """The history list with results and empty, a conversation's read-only record (an agent),
    and the learning loop's review page with a row to act on (a supervisor)."""
    base = desk["url"]
    log_in(agent_page, base)
    agent_page.goto(base + "/console/conversations/")
    expect(agent_page.locator(HISTORY_ROWS)).to_have_count(3)
    assert_accessible(agent_page, "the history list with results")
    agent_page.goto(base + "/console/conversations/?q=no-such-words-anywhere")
    expect(agent_page.get_by_role("heading", name="No conversations found")).to_be_visible()
    assert_accessible(agent_page, "the history list, empty")
    agent_page.goto(f"{base}/console/conversations/{desk['earlier'].public_id}/")
    expect(agent_page.locator("#record-status")).to_have_text("Resolved")
    assert_accessible(agent_page, "a conversation's read-only record")

    escalation = Escalation.objects.get(conversation=desk["live"])
    Escalation.objects.filter(pk=escalation.pk).update(
        appropriate=False, could_ai_have_handled=True
    )
    context = axe_context(browser, 1366, 768)
    boss = context.new_page()
    log_in(boss, base, "admin", "chatsy-admin")  # the demo's supervisor
    boss.goto(base + "/console/review/")
    expect(boss.locator(f"#review-row-{escalation.pk}")).to_contain_text("Not appropriate")
    assert_accessible(boss, "the review page")
    context.close()
