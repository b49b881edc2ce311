"""Truthful presence in Chromium on Daphne (issue 13): an agent who closed the console gets no
chat and the visitor reads no "joined"; back at the console, the waiting chat is theirs and
the visitor reads "Sarah joined the chat." once it is on the agent's screen."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from agents import presence
from agents.models import AgentProfile, Queue
from conversations.models import Conversation, Message
from escalation.policy import Policy
from escalation.policy_store import POLICY_VERSION, policy_replace
from tests.e2e.test_console_handoff import log_in, open_widget
from tests.factories import QueueFactory

pytestmark = pytest.mark.e2e

SYSTEM = "#chatsy-messages li.chatsy-msg[data-sender=system]"


@pytest.fixture
def auto_desk(demo):
    """The spec's policy; `general` assigns automatically, Sarah ("agent") serves it."""
    policy_replace(Policy.default())  # earlier transactional tests flushed the seeded rows
    POLICY_VERSION.bump()  # the server rereads its cached policy within a second
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    general = QueueFactory(slug="general", name="General support")
    Queue.objects.filter(pk=general.pk).update(routing=Queue.Routing.AUTO)
    sarah = AgentProfile.objects.get(user__username="agent")
    sarah.queues.add(general)
    return demo, sarah


def wait_until(condition, what: str, timeout: float = 10) -> None:
    """Bounded polling for a state another process writes."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_closed_console_gets_no_chat_and_the_visitor_reads_no_joined(browser, auto_desk):
    base, sarah = auto_desk
    console = browser.new_context(viewport={"width": 1440, "height": 900})
    agent_page = console.new_page()
    log_in(agent_page, base)
    agent_page.locator("#presence button", has_text="Online").click()
    expect(agent_page.locator("#presence .is-active")).to_have_text(re.compile("Online"))
    wait_until(lambda: presence.presence_online([sarah.pk]) == {sarah.pk}, "Sarah available")

    console.close()  # the browser tab goes away; her status stays "online"
    wait_until(lambda: presence.presence_online([sarah.pk]) == set(), "Sarah unavailable")
    assert presence.presence_get(sarah.pk) == "online"

    visitor_context = browser.new_context(viewport={"width": 1100, "height": 760})
    visitor = visitor_context.new_page()
    composer = open_widget(visitor, base)
    composer.fill("I want to talk to a human")
    composer.press("Enter")
    # The line's first broadcast comes after auto-assign had its go: nobody was given it,
    # and the one waiting banner says so (naming the team, issue 14).
    expect(visitor.locator("#chatsy-queue-text")).to_contain_text(
        "Nobody from our support team is available right now", timeout=10_000
    )
    conversation = Conversation.objects.get()
    assert (conversation.status, conversation.assigned_agent_id) == ("queued", None)
    assert not Message.objects.filter(metadata__event="agent_joined").exists()

    # Back at her console: the chat is hers and, once on her screen, the visitor hears so.
    console = browser.new_context(viewport={"width": 1440, "height": 900})
    agent_page = console.new_page()
    log_in(agent_page, base)
    expect(agent_page.locator(f"#chat-{conversation.public_id}")).to_be_attached(timeout=10_000)
    expect(visitor.locator(SYSTEM).last).to_contain_text("Sarah joined the chat.", timeout=10_000)
    # The one waiting banner now says who the visitor is chatting with (issue 14).
    expect(visitor.locator("#chatsy-queue")).to_have_attribute("data-state", "joined")
    expect(visitor.locator("#chatsy-queue-text")).to_contain_text("You’re chatting with Sarah.")
    conversation.refresh_from_db()
    assert (conversation.status, conversation.assigned_agent_id) == ("assigned", sarah.pk)
    assert Message.objects.filter(metadata__event="agent_joined").count() == 1
    console.close()
    visitor_context.close()
