"""Waiting for a person in headless Chromium on Daphne (issue 13): the place in line is shown
again right after a reload, what the visitor writes while waiting is acknowledged, and the
visitor can cancel and go back to the bot."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from agents.models import AgentProfile
from agents.waiting_queue import waiting_line
from conversations.models import Conversation, Message
from escalation import copy
from tests.e2e.test_widget_chat import ask, open_widget
from tests.e2e.test_widget_handoff_ux import shop  # noqa: F401 - a fixture
from tests.support.presence import agent_available

pytestmark = pytest.mark.e2e

QUEUE_TEXT = "#chatsy-queue-text"
SYSTEM_MESSAGES = "#chatsy-messages li.chatsy-msg[data-sender=system]"


def test_the_place_in_line_survives_a_reload_and_the_visitor_can_cancel(
    page,
    shop,  # noqa: F811 - the fixture imported above
):
    # Someone is online: the banner shows the place in line, not "nobody is available".
    agent_available(AgentProfile.objects.get(user__username="agent"))
    page.goto(shop + "/")
    open_widget(page)
    ask(page, "I want to talk to a human")
    expect(page.locator(QUEUE_TEXT)).to_contain_text("You're next in line", timeout=10_000)
    expect(page.locator("#chatsy-cancel-wait")).to_be_visible()

    page.reload()
    if not page.locator("#chatsy-panel").is_visible():
        open_widget(page)
    # Nothing moved in the line since: only the `ready` frame can have brought it back.
    expect(page.locator(QUEUE_TEXT)).to_contain_text("You're next in line", timeout=10_000)
    expect(page.locator("#chatsy-queue")).to_be_visible()

    ask(page, "My order number is #48213")
    expect(page.locator(SYSTEM_MESSAGES).last).to_contain_text(
        "Thanks — I've added that to the notes", timeout=10_000
    )

    page.locator("#chatsy-cancel-wait").click()
    expect(page.locator(SYSTEM_MESSAGES).last).to_contain_text(copy.WAIT_CANCELLED, timeout=10_000)
    expect(page.locator("#chatsy-queue")).to_be_hidden()
    conversation = Conversation.objects.get()
    assert conversation.status == Conversation.Status.BOT
    assert waiting_line().position(str(conversation.public_id)) is None
    events = [
        m.metadata.get("event")
        for m in Message.objects.filter(sender=Message.Sender.SYSTEM).order_by("seq")
    ]
    assert events == ["handoff", "waiting_ack", "wait_cancelled"]
