"""The console's dialogs in headless Chromium: every Transfer, Hand back and Resolve dialog opens,
however many were closed or submitted before it, and no claim, dialog or resolve makes htmx
log a swap into a missing target (issue 14, item 1)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from agents import services as agent_services
from conversations.models import Conversation
from tests.e2e.test_console_handoff import log_in
from tests.e2e.test_console_resync import desk_agent
from tests.factories import escalated_conversation

pytestmark = pytest.mark.e2e

# Every htmx error event, recorded from the first script on the page on.
RECORD_HTMX_ERRORS = """
window.__htmxErrors = [];
['htmx:targetError', 'htmx:oobErrorNoTarget', 'htmx:swapError', 'htmx:responseError']
    .forEach((name) => document.addEventListener(name, (e) => {
        const where = e.detail && (e.detail.target || (e.detail.elt && e.detail.elt.id));
        window.__htmxErrors.push(name + ' ' + String(where || ''));
    }));
"""


def one_held_one_waiting() -> tuple[Conversation, Conversation]:
    """The demo agent holds one escalated chat; another waits in their queue."""
    agent = desk_agent()
    held, waiting = escalated_conversation(), escalated_conversation()
    agent_services.conversation_claim(agent=agent, public_id=str(held.public_id))
    return held, waiting


@contextmanager
def console_page(browser, url: str, init_script: str) -> Iterator:
    """The demo agent's console in a fresh context, `init_script` run before every page."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(init_script)
    try:
        page = context.new_page()
        log_in(page, url)
        yield page
    finally:
        context.close()


def open_dialog(page, pane, button: str):
    opener = pane.get_by_role("button", name=button, exact=True)
    opener.click()
    dialog = page.locator("#modal dialog[open]")
    expect(dialog).to_have_count(1)
    return opener, dialog


def test_every_dialog_opens_after_others_closed_or_submitted(browser, demo):
    second, first = one_held_one_waiting()
    with console_page(browser, demo, RECORD_HTMX_ERRORS) as page:
        # A claim from the queue: the chat opens in its own tab.
        row = page.locator(f"#queue-row-{first.public_id}")
        row.get_by_role("button", name=re.compile("Take over")).click()
        pane = page.locator(f"#chat-{first.public_id}")
        expect(pane).to_be_visible()
        expect(row).to_have_count(0)

        # Transfer, cancelled: the modal container survives; focus went in and comes back.
        opener, dialog = open_dialog(page, pane, "Transfer")
        expect(dialog.locator("select[name=target]")).to_be_focused()
        dialog.get_by_role("button", name="Cancel").click()
        expect(page.locator("#modal dialog")).to_have_count(0)
        expect(opener).to_be_focused()

        # Hand back, closed with Escape: focus returns to its button.
        opener, dialog = open_dialog(page, pane, "Hand back to bot")
        expect(dialog.locator("textarea[name=note]")).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.locator("#modal dialog")).to_have_count(0)
        expect(opener).to_be_focused()

        # Resolve, submitted: the chat leaves the console.
        _, dialog = open_dialog(page, pane, "Resolve with review…")
        dialog.locator("input[name=outcome][value=resolved]").check()
        for name, value in (("appropriate", "yes"), ("handoff_quality", "4")):
            dialog.locator(f"input[name={name}][value='{value}']").check()
        dialog.get_by_role("button", name="Resolve with review").click()
        expect(pane).to_have_count(0)
        expect(page.locator("#toasts")).to_contain_text("Resolved")
        assert Conversation.objects.get(pk=first.pk).status == Conversation.Status.RESOLVED

        # Another chat's Hand back still opens, and submits.
        page.locator(f"#tab-{second.public_id}").click()
        other = page.locator(f"#chat-{second.public_id}")
        expect(other).to_be_visible()
        _, dialog = open_dialog(page, other, "Hand back to bot")
        dialog.locator("textarea[name=note]").fill("Refund issued; the bot can take it from here.")
        dialog.get_by_role("button", name="Hand back").click()
        expect(other).to_have_count(0)
        assert Conversation.objects.get(pk=second.pk).status == Conversation.Status.BOT
        expect(page.locator("#modal")).to_have_count(1)

        assert page.evaluate("window.__htmxErrors") == []


def test_take_next_opens_the_chat_it_took(browser, demo):
    """Issue 14, item 3: the tab and pane of the chat "Take next" took become the active ones,
    though another chat was open and active before."""
    held, waiting = one_held_one_waiting()
    with console_page(browser, demo, RECORD_HTMX_ERRORS) as page:
        expect(page.locator(f"#chat-{held.public_id}")).to_be_visible()
        page.locator("#take-next").click()

        tab, pane = (
            page.locator(f"#tab-{waiting.public_id}"),
            page.locator(f"#chat-{waiting.public_id}"),
        )
        expect(tab).to_have_attribute("aria-selected", "true")
        expect(pane).to_be_visible()
        expect(pane.locator("textarea")).to_be_focused()
        expect(page.locator(f"#chat-{held.public_id}")).to_be_hidden()
        expect(page.locator(f"#tab-{held.public_id}")).to_have_attribute("aria-selected", "false")
        assert Conversation.objects.get(pk=waiting.pk).status == Conversation.Status.ASSIGNED
        assert page.evaluate("window.__htmxErrors") == []
