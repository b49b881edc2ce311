"""The visitor emails themselves the transcript from the widget, in headless Chromium: from the
header's mail button at any time, and offered under the rating when a person resolves the chat.
The Daphne child sends through Django's file-based email backend; the test reads the file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from agents import services as agent_services
from agents.models import Queue
from conversations.models import Conversation
from escalation.policy import Policy
from escalation.policy_store import policy_replace
from tests.e2e.conftest import daphne_server, demo_data_for, screenshot
from tests.e2e.test_console_resync import in_thread
from tests.factories import AgentFactory, QueueFactory

pytestmark = pytest.mark.e2e

BOT_MESSAGES = "#chatsy-messages li.chatsy-msg[data-sender=bot]"


@pytest.fixture
def mail_server(transactional_db, redis_url, tmp_path) -> Iterator[tuple[str, Path]]:
    policy_replace(Policy.default())  # transactional tests flush the seeded policy
    QueueFactory(slug="general")
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    outbox = tmp_path / "mail"
    outbox.mkdir()
    with daphne_server(
        redis_url,
        DJANGO_SETTINGS_MODULE="tests.e2e.mail_settings",
        CHATSY_TEST_EMAIL_DIR=str(outbox),
    ) as url:
        yield demo_data_for(url), outbox


def emails(outbox: Path, count: int, timeout: float = 10) -> list[str]:
    """The emails written so far, once there are `count` (bounded polling)."""
    deadline = time.monotonic() + timeout
    while True:
        files = sorted(outbox.glob("*.log"))
        texts = [f.read_text() for f in files]
        if len(texts) >= count or time.monotonic() > deadline:
            return texts
        time.sleep(0.1)


def open_and_ask(page, url: str, question: str) -> None:
    page.goto(url + "/")
    page.locator("#chatsy-launcher").click()
    composer = page.locator("#chatsy-input")
    composer.fill(question)
    composer.press("Enter")


def test_the_visitor_emails_themselves_the_transcript_from_the_header(page, mail_server):
    url, outbox = mail_server
    open_and_ask(page, url, "How long does shipping take?")
    expect(page.locator(BOT_MESSAGES)).to_have_count(1, timeout=10_000)
    answer = page.locator(BOT_MESSAGES).first.locator(".chatsy-bubble").inner_text()

    button = page.locator("#chatsy-transcript-btn")
    expect(button).to_have_attribute("aria-label", "Email me the transcript")
    button.click()
    email = page.locator("#chatsy-transcript-email")
    expect(email).to_be_focused()  # the keyboard goes straight to the field
    expect(button).to_have_attribute("aria-expanded", "true")
    status = page.locator("#chatsy-transcript-status")

    email.fill("not-an-email")
    email.press("Enter")
    expect(status).to_have_text("Please enter a valid email address.")
    expect(email).to_have_attribute("aria-invalid", "true")

    email.fill("ada@example.com")
    email.press("Enter")
    expect(status).to_have_text(
        "Done! The transcript is on its way to ada@example.com.", timeout=10_000
    )
    screenshot(page, "widget-transcript.png")
    [sent] = emails(outbox, 1)
    assert "To: ada@example.com" in sent and "Subject: Your chat with" in sent
    assert "You: How long does shipping take?" in sent
    assert answer.splitlines()[0] in sent

    # Escape closes the form opened from the header and gives the focus back to the button.
    button.click()
    button.click()
    expect(email).to_be_focused()
    email.press("Escape")
    expect(page.locator("#chatsy-transcript")).to_be_hidden()
    expect(button).to_be_focused()
    expect(page.locator("#chatsy-panel")).to_be_visible()  # the panel stays open
    assert len(emails(outbox, 2, timeout=0.5)) == 1


def test_the_transcript_is_offered_when_a_person_resolves_the_chat(page, mail_server):
    url, outbox = mail_server
    agent = AgentFactory(user__first_name="Sarah", queues=list(Queue.objects.all()))
    open_and_ask(page, url, "I want to talk to a human")
    expect(page.locator("#chatsy-messages li.chatsy-msg[data-sender=system]")).to_have_count(
        1, timeout=10_000
    )
    conversation = Conversation.objects.get()

    def take_and_resolve() -> None:
        chat = agent_services.conversation_claim(agent=agent, public_id=str(conversation.public_id))
        agent_services.message_post_agent(conversation=chat, agent=agent, body="All sorted!")
        agent_services.conversation_resolve(
            conversation=chat, agent=agent, outcome="resolved", appropriate=True, handoff_quality=5
        )

    in_thread(take_and_resolve)
    expect(page.locator("#chatsy-csat")).to_be_visible(timeout=10_000)
    form = page.locator("#chatsy-transcript")
    expect(form).to_be_visible()
    expect(form).to_contain_text("Email me a copy of this chat")
    page.locator("#chatsy-transcript-email").fill("grace@example.com")
    page.locator("#chatsy-transcript-send").click()
    expect(page.locator("#chatsy-transcript-status")).to_have_text(
        "Done! The transcript is on its way to grace@example.com.", timeout=10_000
    )
    [sent] = emails(outbox, 1)
    assert "Sarah: All sorted!" in sent and "You: I want to talk to a human" in sent
