"""Live queue rows in Chromium on Daphne (issue 14, item 3): a visitor who writes "Useless!"
while waiting turns their row's sentiment badge from neutral to frustrated and its priority
to high, and the row moves above the visitor who waited longer, in the agent's open console;
the waiting time ticks in the browser (static/console/queue-clock.js), with no push for it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conversations.models import Conversation
from tests.e2e.conftest import screenshot
from tests.e2e.test_console_handoff import desk, log_in, open_widget  # noqa: F401

pytestmark = pytest.mark.e2e

ROWS = "#queue-rows-general > li.queue-row"


def ask_for_a_human(browser, base: str):
    context = browser.new_context(viewport={"width": 1100, "height": 760})
    page = context.new_page()
    composer = open_widget(page, base)
    composer.fill("I want to talk to a human")
    composer.press("Enter")
    expect(page.locator("#chatsy-queue")).to_be_visible(timeout=10_000)
    return context, composer


def test_the_row_follows_the_visitor_and_re_sorts_and_the_wait_ticks(browser, desk):  # noqa: F811
    """`desk`: the spec's policy, a manual general queue every agent serves."""
    base = desk
    console = browser.new_context(viewport={"width": 1440, "height": 900})
    agent_page = console.new_page()
    agent_page.clock.install()  # real time flows; the test can jump it forward later
    log_in(agent_page, base)

    first_context, _first = ask_for_a_human(browser, base)
    second_context, second = ask_for_a_human(browser, base)
    first_id, second_id = (
        str(c.public_id) for c in Conversation.objects.filter(status="queued").order_by("pk")
    )
    rows = agent_page.locator(ROWS)
    expect(rows).to_have_count(2, timeout=10_000)
    expect(rows.nth(0)).to_have_id(f"queue-row-{first_id}")
    second_row = agent_page.locator(f"#queue-row-{second_id}")
    expect(second_row.locator(".mood")).to_have_text("neutral")
    expect(second_row.locator(".prio")).to_have_count(0)  # normal shows no badge
    expect(second_row.locator("time.queue-wait")).to_have_text("under 1 min")

    second.fill("Useless!")
    second.press("Enter")

    # The badge changes, the priority shows, the latest line is quoted, and the row moves up.
    second_row = agent_page.locator(f"#queue-row-{second_id}")
    expect(second_row.locator(".mood")).to_have_text("frustrated", timeout=10_000)
    expect(second_row.locator(".prio")).to_have_text("high")
    expect(second_row.locator(".latest-line")).to_have_text("“Useless!”")
    expect(rows.nth(0)).to_have_id(f"queue-row-{second_id}")
    expect(rows.nth(1)).to_have_id(f"queue-row-{first_id}")
    expect(rows).to_have_count(2)  # moved, not copied
    screenshot(agent_page, "console-live-queue-resorted.png")

    # Two minutes later the waits read "2 min" (the ticker runs every 15 s in the page).
    agent_page.clock.fast_forward("02:05")
    for row_id in (second_id, first_id):
        expect(agent_page.locator(f"#queue-row-{row_id} time.queue-wait")).to_have_text("2 min")
    screenshot(agent_page, "console-live-queue-clock.png")

    for context in (first_context, second_context, console):
        context.close()


def test_the_wait_counts_on_the_servers_clock_not_the_browsers(browser, desk):  # noqa: F811
    """Review follow-up: a browser whose clock is ten minutes off (either way) still shows
    the true wait of a visitor who has been waiting three minutes."""
    context, _composer = ask_for_a_human(browser, desk)
    chat = Conversation.objects.get(status="queued")
    Conversation.objects.filter(pk=chat.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=3, seconds=10)
    )
    for skew in (timedelta(minutes=10), -timedelta(minutes=10)):
        console = browser.new_context(viewport={"width": 1440, "height": 900})
        page = console.new_page()
        page.clock.install(time=datetime.now(UTC) + skew)
        log_in(page, desk)
        off = page.evaluate("Date.now()") / 1000 - time.time()
        assert abs(off - skew.total_seconds()) < 60  # the page's clock really is that far off
        expect(page.locator(f"#queue-row-{chat.public_id} time.queue-wait")).to_have_text("3 min")
        console.close()
    context.close()
