"""The handoff card on a 1366×768 laptop, and the one-click Resolve, in Chromium on Daphne."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conversations.models import Conversation
from escalation.models import Escalation
from escalation.selectors import escalations_unreviewed_count
from tests.e2e import test_console_handoff as handoff
from tests.e2e.conftest import screenshot
from tests.e2e.test_console_handoff import SYSTEM, log_in, open_widget

pytestmark = pytest.mark.e2e

# The demo store with the spec's policy and a manual general queue, and the visitor's browser.
desk, visitor = handoff.desk, handoff.visitor

DISPUTE = "I was charged $240 twice for order #48213 and I dispute it. Email me at ada@example.com"

# Every element of the card whose content is cut off by its own scroll box (none may be).
INNER_SCROLLERS = """(card) => [card, ...card.querySelectorAll('*')]
    .filter((el) => {
        const style = getComputedStyle(el);
        const clips = ['auto', 'scroll', 'hidden'].includes(style.overflowY);
        return clips && el.scrollHeight > el.clientHeight + 1 && !el.classList.contains('sr-only');
    })
    .map((el) => el.className || el.tagName)"""


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    yield page
    context.close()


def escalate_and_take(visitor, agent, base: str):
    """The visitor disputes a $240 charge (over the $100 rule); the agent takes the chat."""
    log_in(agent, base)
    composer = open_widget(visitor, base)
    composer.fill(DISPUTE)
    composer.press("Enter")
    expect(visitor.locator(SYSTEM)).to_have_count(1)
    agent.locator(".queue-row button", has_text="Take over").first.click()
    pane = agent.locator(".chat-pane:not([hidden])")
    expect(pane).to_be_visible()
    return pane


def test_the_card_reads_at_a_glance_on_a_laptop(visitor, laptop, desk):
    pane = escalate_and_take(visitor, laptop, desk)
    card = pane.locator(".handoff-card")

    reason = card.locator(".reason-text")
    expect(reason).to_contain_text("Billing dispute over $100")
    expect(reason.locator(".trigger-quote")).to_contain_text("I was charged $240 twice")
    words = reason.inner_text()
    assert "_" not in words and "Rule" not in words and "billing_dispute" not in words

    summary = card.locator(".summary-block")
    gathered = card.locator(".gathered-block")
    expect(summary).to_contain_text("I was charged $240 twice")
    expect(gathered.locator(".chip")).not_to_have_count(0)
    expect(gathered).to_contain_text("48213")
    expect(gathered).to_contain_text("ada@example.com")
    # Nothing in the card is cut off by a scroll box of its own...
    assert card.evaluate(INNER_SCROLLERS) == []
    box = card.evaluate("(el) => [el.scrollHeight, el.clientHeight]")
    assert box[0] <= box[1] + 1
    # ...and the summary and the gathered information are on screen as the chat opens.
    expect(summary).to_be_in_viewport()
    expect(gathered).to_be_in_viewport()
    expect(pane.locator(".composer textarea")).to_be_in_viewport()  # and the agent can reply
    # However far the pane is scrolled (a shorter window makes it scroll), its head with the
    # actions stays in view.
    laptop.set_viewport_size({"width": 1366, "height": 520})
    laptop.wait_for_function(
        "() => { const p = document.querySelector('.chat-pane:not([hidden])');"
        " return p.scrollHeight > p.clientHeight + 100; }"
    )
    pane.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    expect(pane.get_by_role("button", name="Resolve", exact=True)).to_be_in_viewport()
    laptop.set_viewport_size({"width": 1366, "height": 768})
    pane.evaluate("el => { el.scrollTop = 0; }")
    expect(card.locator(".ai-block")).to_contain_text("Not answered by the AI: handed to a person.")
    screenshot(laptop, "console-card-1366.png")

    # The long sections fold: a click closes the summary and the transcript gains the room.
    summary.locator("summary").click()
    expect(summary.locator("p")).to_be_hidden()


def test_one_click_resolves_and_the_verdict_stays_unreviewed(visitor, laptop, desk):
    before = escalations_unreviewed_count()
    pane = escalate_and_take(visitor, laptop, desk)
    pane.get_by_role("button", name="Resolve", exact=True).click()
    expect(laptop.locator(".chat-pane")).to_have_count(0)
    expect(laptop.locator("dialog[open]")).to_have_count(0)
    expect(visitor.locator("#chatsy-csat")).to_be_visible()

    conversation = Conversation.objects.get()
    escalation = Escalation.objects.get()
    assert conversation.status == "resolved" and escalation.resolved_at is not None
    assert escalation.outcome == "resolved"
    assert (escalation.appropriate, escalation.could_ai_have_handled) == (None, None)
    assert escalation.handoff_quality is None
    assert escalations_unreviewed_count() == before + 1
