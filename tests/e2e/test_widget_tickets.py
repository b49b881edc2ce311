"""Alternatives to waiting end to end: the widget's offer → its form → the ticket in the
console's Tickets page → the confirmation email, sent by the Celery task (eager in the Daphne
process) through Django's file email backend into a directory this test reads."""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from agents.models import AgentProfile, Queue, Ticket
from escalation.policy import Policy
from escalation.policy_store import POLICY_VERSION, policy_replace
from tests.e2e.conftest import daphne_server, demo_data_for, screenshot
from tests.factories import QueueFactory

pytestmark = pytest.mark.e2e

SYSTEM = "#chatsy-messages li.chatsy-msg[data-sender=system]"
VISITOR_ZONE = "America/Los_Angeles"


@pytest.fixture(scope="module")
def mail_server(django_db_setup, redis_url) -> Iterator[tuple[str, Path]]:
    """Daphne with email written to files in a temp directory, and Celery tasks run inline."""
    outbox = Path(tempfile.mkdtemp(prefix="chatsy-e2e-mail-"))
    with daphne_server(
        redis_url,
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(outbox),
        CELERY_TASK_ALWAYS_EAGER="true",
    ) as url:
        yield url, outbox


@pytest.fixture
def desk(transactional_db, mail_server):
    url, outbox = mail_server
    demo_data_for(url)
    policy_replace(Policy.default())
    POLICY_VERSION.bump()
    general = QueueFactory(slug="general", name="General support")
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    for agent in AgentProfile.objects.all():
        agent.queues.add(general)
    for old in outbox.iterdir():
        old.unlink()
    return url, outbox


@pytest.fixture
def visitor(browser):
    context = browser.new_context(viewport={"width": 420, "height": 760}, timezone_id=VISITOR_ZONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def agent_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def log_in(page, base: str, *, online: bool) -> None:
    page.goto(base + "/console/login/")
    page.locator("#id_username").fill("agent")
    page.locator("#id_password").fill("chatsy-agent")
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/console/$"))
    expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")
    if online:
        page.locator("#presence button", has_text="Online").click()
        expect(page.locator("#presence .is-active")).to_have_text(re.compile("Online"))


def ask_for_a_person(page, base: str) -> None:
    page.goto(base + "/")
    page.locator("#chatsy-launcher").click()
    composer = page.locator("#chatsy-input")
    composer.fill("I want to talk to a human")
    composer.press("Enter")
    expect(page.locator(SYSTEM).first).to_contain_text("full context")


def mail_to(outbox: Path, address: str, timeout: float = 15) -> str:
    """The email file naming `address`, polled until it appears (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in outbox.iterdir():
            text = path.read_text(encoding="utf-8", errors="replace")
            if f"To: {address}" in text:
                return text
        time.sleep(0.1)
    raise AssertionError(f"no email to {address} in {outbox}")


def ticket_in_console(page, base: str, contact: str) -> None:
    page.goto(base + "/console/")
    page.get_by_role("link", name="Tickets").click()
    expect(page).to_have_url(re.compile(r"/console/tickets/$"))
    row = page.locator(".ticket-table tbody tr", has_text=contact)
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("Ticket #")
    expect(page.locator(".transcript")).to_contain_text("I want to talk to a human")


def test_after_hours_nobody_available_email_priority_ticket(visitor, agent_page, desk):
    base, outbox = desk
    ask_for_a_person(visitor, base)  # nobody is online: the offer comes by itself
    offer = visitor.locator("#chatsy-alt")
    expect(offer).to_contain_text("Nobody from our team is available right now")
    offer.locator(".chatsy-alt-option[data-kind=after_hours]").click()
    email = visitor.locator("#chatsy-alt-email")
    expect(email).to_be_focused()

    # Client-side first: an empty and then a malformed email, each explained under the field.
    visitor.locator(".chatsy-alt-submit").click()
    expect(visitor.locator("#chatsy-alt-email-err")).to_have_text("Please fill this in.")
    expect(email).to_have_attribute("aria-invalid", "true")
    email.fill("ana@example")
    email.press("Enter")
    expect(visitor.locator("#chatsy-alt-email-err")).to_contain_text("look like an email")
    # The server's verdict on a phone number it cannot use, shown inline; nothing stored.
    email.fill("ana@example.com")
    visitor.locator("#chatsy-alt-phone").fill("call me")
    visitor.locator(".chatsy-alt-submit").click()
    expect(visitor.locator("#chatsy-alt-phone-err")).to_contain_text("phone number")
    assert not Ticket.objects.exists()
    screenshot(visitor, "widget-alternatives-error.png")

    visitor.locator("#chatsy-alt-phone").fill("")
    visitor.locator("#chatsy-alt-name").fill("Ana")
    visitor.locator("#chatsy-alt-details").fill("Order #48213 never arrived.")
    visitor.locator(".chatsy-alt-submit").click()
    confirmation = visitor.locator(SYSTEM).last
    expect(confirmation).to_contain_text("priority ticket")
    expect(confirmation).to_contain_text("within 2 hours (by ")  # open; nobody there
    expect(visitor.locator("#chatsy-alt")).to_be_hidden()
    screenshot(visitor, "widget-after-hours-ticket.png")

    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.priority, ticket.visitor_time_zone) == (
        "after_hours",
        "high",
        VISITOR_ZONE,
    )
    assert ticket.conversation.status == "ticket"
    assert "priority ticket" in mail_to(outbox, "ana@example.com")

    log_in(agent_page, base, online=False)
    ticket_in_console(agent_page, base, "ana@example.com")
    expect(agent_page.locator("#ticket-details")).to_contain_text("Order #48213")
    screenshot(agent_page, "console-ticket.png")


@pytest.mark.parametrize(
    ("kind", "fill", "confirmation", "contact"),
    [
        (
            "callback",
            {"#chatsy-alt-phone": "+1 555 123 4567", "#chatsy-alt-window": "afternoon"},
            "We'll call you at +1 555 123 4567 in the afternoon",
            "+1 555 123 4567",
        ),
        (
            "email",
            {"#chatsy-alt-email": "bo@example.com"},
            "We'll email you at bo@example.com",
            "bo@example.com",
        ),
        (
            "scheduled_call",
            {"#chatsy-alt-phone": "+1 555 987 6543", "#chatsy-alt-slot": 2},
            "You're booked: we'll call you at +1 555 987 6543 on",
            "+1 555 987 6543",
        ),
        (
            "message",
            {
                "#chatsy-alt-email": "cy@example.com",
                "#chatsy-alt-details": "Parcel #88 is damaged.",
            },
            "your message is with our team",
            "cy@example.com",
        ),
    ],
)
def test_each_alternative_on_request_while_waiting(
    visitor, agent_page, desk, kind, fill, confirmation, contact
):
    base, outbox = desk
    log_in(agent_page, base, online=True)  # someone is there: a short wait, no offer unasked
    ask_for_a_person(visitor, base)
    expect(agent_page.locator(".queue-row")).to_have_count(1)
    visitor.locator("#chatsy-alt-open").click()
    offer = visitor.locator("#chatsy-alt")
    expect(offer).to_contain_text("Here are other ways to reach us")
    offer.locator(f".chatsy-alt-option[data-kind={kind}]").click()
    slot_label = None
    for selector, value in fill.items():
        field = visitor.locator(selector)
        if isinstance(value, int):  # the n-th offered slot, in the visitor's time
            slot_label = field.locator("option").nth(value).inner_text()
            field.select_option(index=value)
        elif selector.endswith("window"):
            field.select_option(value)
        else:
            field.fill(value)
    visitor.locator(".chatsy-alt-submit").click()
    told = visitor.locator(SYSTEM).last
    expect(told).to_contain_text(confirmation)
    if slot_label:
        expect(told).to_contain_text(slot_label)  # "Tue 8 Dec, 6:00 AM" in Los Angeles time
    expect(visitor.locator("#chatsy-alt-open")).to_be_hidden()
    expect(agent_page.locator(".queue-row")).to_have_count(0)  # gone from the agent's queue

    ticket = Ticket.objects.get()
    assert (ticket.kind, ticket.conversation.status) == (kind, "ticket")
    ticket_in_console(agent_page, base, contact)
    if "@" in contact:
        assert confirmation in mail_to(outbox, contact)  # the same words as in the chat
    else:
        assert not list(outbox.iterdir())  # a phone-only ticket sends no email
