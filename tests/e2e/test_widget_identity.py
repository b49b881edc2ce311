"""Identified customers end to end: the host page signs its logged-in user into the widget's
<script> tag (data-user-*), and the agent's handoff card shows who they are and their plan."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agents.models import AgentProfile, Queue
from conversations.demo.loader import DEMO_SITE_KEY
from conversations.identity import plan_hash, user_hash
from conversations.models import Customer, Site
from escalation.models import Escalation
from escalation.policy import Policy
from escalation.policy_store import POLICY_VERSION, policy_replace
from tests.e2e.conftest import screenshot
from tests.e2e.test_console_handoff import log_in
from tests.factories import QueueFactory

pytestmark = pytest.mark.e2e

SYSTEM = "#chatsy-messages li.chatsy-msg[data-sender=system]"
CUSTOMER = "#chatsy-messages li.chatsy-msg[data-sender=customer]"
BOT = "#chatsy-messages li.chatsy-msg[data-sender=bot]"


@pytest.fixture
def vip_desk(demo):
    """The spec's policy; the demo agent serves manual VIP and general queues."""
    policy_replace(Policy.default())
    POLICY_VERSION.bump()
    queues = [
        QueueFactory(slug="vip", name="VIP & Enterprise"),
        QueueFactory(slug="general", name="General support"),
    ]
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    for agent in AgentProfile.objects.all():
        agent.queues.add(*queues)
    return demo


def signed_in_host_page(page, attributes: dict[str, str]) -> None:
    """The demo store as a host site whose server put its logged-in user on the widget's tag.

    The attributes go on the <script> tag as the parser inserts it, before the (async) widget
    runs. (Rewriting the page through page.route would make Chromium treat it as a public page
    and block its websocket to localhost.)"""
    page.add_init_script(f"({SET_ATTRIBUTES_JS})({json.dumps(attributes)});")


SET_ATTRIBUTES_JS = """(attributes) => {
    new MutationObserver((changes, observer) => {
        const tag = document.querySelector('script[data-chatsy-key]');
        if (!tag) return;
        for (const [name, value] of Object.entries(attributes)) tag.setAttribute(name, value);
        observer.disconnect();
    }).observe(document, {childList: true, subtree: true});
}"""


def test_the_host_page_identifies_the_user_and_the_agent_card_shows_them(browser, vip_desk):
    base = vip_desk
    secret = Site.objects.get(key=DEMO_SITE_KEY).identity_secret
    signed_up = (timezone.now() - timedelta(days=800)).date().isoformat()
    agent_context = browser.new_context(viewport={"width": 1440, "height": 900})
    visitor_context = browser.new_context(viewport={"width": 1100, "height": 760})
    try:
        agent_page = agent_context.new_page()
        log_in(agent_page, base)
        agent_page.locator("#presence button", has_text="Online").click()

        visitor = visitor_context.new_page()
        signed_in_host_page(
            visitor,
            {
                "data-user-id": "u-1001",
                "data-user-email": "john@example.com",
                "data-user-name": "John Smith",
                "data-user-plan": "VIP",
                "data-user-plan-hash": plan_hash(secret=secret, user_id="u-1001", plan="VIP"),
                "data-user-created": signed_up,
                "data-user-hash": user_hash(secret=secret, user_id="u-1001"),
            },
        )
        visitor.goto(base + "/")
        visitor.locator("#chatsy-launcher").click()
        composer = visitor.locator("#chatsy-input")
        composer.fill("Someone hacked my account and changed my password")
        composer.press("Enter")

        # The VIP plan skips the bot: straight to the VIP queue, urgent.
        expect(visitor.locator(SYSTEM).first).to_contain_text("full context", timeout=10_000)
        row = agent_page.locator(".queue-row").first
        expect(row).to_be_visible(timeout=10_000)
        expect(row).to_contain_text("John Smith")
        row.get_by_role("button", name=re.compile("Take over")).click()

        card = agent_page.locator(".chat-pane:not([hidden]) .handoff-card")
        expect(card).to_be_visible()
        expect(card).to_contain_text("John Smith")
        expect(card).to_contain_text("verified")
        expect(card).to_contain_text("VIP · VIP plan")
        expect(card).to_contain_text("john@example.com")
        expect(card.locator(".facts")).to_contain_text(re.compile(r"Account age\s*2\s+years"))
        expect(card).not_to_contain_text("Anonymous visitor")
        screenshot(agent_page, "console-identified-customer.png")

        customer = Customer.objects.select_related("plan").get(external_id="u-1001")
        assert (customer.name, customer.plan.name) == ("John Smith", "VIP")
        escalation = Escalation.objects.get()
        assert (escalation.priority, escalation.target_queue) == ("urgent", "vip")
        assert escalation.conversation.customer_id == customer.pk
    finally:
        agent_context.close()
        visitor_context.close()


def test_a_tampered_hash_leaves_the_visitor_anonymous_on_the_card(browser, vip_desk):
    base = vip_desk
    agent_context = browser.new_context(viewport={"width": 1440, "height": 900})
    visitor_context = browser.new_context(viewport={"width": 1100, "height": 760})
    try:
        agent_page = agent_context.new_page()
        log_in(agent_page, base)
        agent_page.locator("#presence button", has_text="Online").click()

        visitor = visitor_context.new_page()
        signed_in_host_page(
            visitor,
            {"data-user-id": "u-1001", "data-user-name": "John Smith", "data-user-hash": "0" * 64},
        )
        visitor.goto(base + "/")
        visitor.locator("#chatsy-launcher").click()
        composer = visitor.locator("#chatsy-input")
        composer.fill("I want to talk to a human")
        composer.press("Enter")

        row = agent_page.locator(".queue-row").first
        expect(row).to_be_visible(timeout=10_000)
        row.get_by_role("button", name=re.compile("Take over")).click()
        card = agent_page.locator(".chat-pane:not([hidden]) .handoff-card")
        expect(card).to_contain_text("Anonymous visitor")
        expect(card).not_to_contain_text("John Smith")
        expect(card).not_to_contain_text("VIP plan")
        assert not Customer.objects.exclude(external_id="").exists()
    finally:
        agent_context.close()
        visitor_context.close()


def test_a_plan_edited_in_devtools_is_dropped_and_the_user_stays_identified(browser, vip_desk):
    """A logged-in user edits data-user-plan to Enterprise, keeping the page's (valid) user_hash
    and the plan_hash of their real plan: identified, but no plan, so the bot answers first."""
    base = vip_desk
    secret = Site.objects.get(key=DEMO_SITE_KEY).identity_secret
    agent_context = browser.new_context(viewport={"width": 1440, "height": 900})
    visitor_context = browser.new_context(viewport={"width": 1100, "height": 760})
    try:
        agent_page = agent_context.new_page()
        log_in(agent_page, base)
        agent_page.locator("#presence button", has_text="Online").click()

        visitor = visitor_context.new_page()
        signed_in_host_page(
            visitor,
            {
                "data-user-id": "u-1001",
                "data-user-name": "John Smith",
                "data-user-plan": "Enterprise",  # edited; the site signed "Free"
                "data-user-plan-hash": plan_hash(secret=secret, user_id="u-1001", plan="Free"),
                "data-user-hash": user_hash(secret=secret, user_id="u-1001"),
            },
        )
        visitor.goto(base + "/")
        visitor.locator("#chatsy-launcher").click()
        composer = visitor.locator("#chatsy-input")
        composer.fill("I want to talk to a human")
        composer.press("Enter")

        row = agent_page.locator(".queue-row").first
        expect(row).to_be_visible(timeout=10_000)
        row.get_by_role("button", name=re.compile("Take over")).click()
        card = agent_page.locator(".chat-pane:not([hidden]) .handoff-card")
        expect(card).to_contain_text("John Smith")
        expect(card).to_contain_text("verified")
        expect(card).not_to_contain_text("Enterprise plan")
        customer = Customer.objects.get(external_id="u-1001")
        assert customer.plan is None
        escalation = Escalation.objects.get()
        assert escalation.target_queue != "vip" and escalation.priority != "urgent"
    finally:
        agent_context.close()
        visitor_context.close()


def test_identify_after_an_anonymous_chat_merges_it_and_logout_forgets_the_user(browser, vip_desk):
    """A single-page app: the visitor chats anonymously, logs in (Chatsy.identify), then logs
    out (Chatsy.logout)."""
    base = vip_desk
    secret = Site.objects.get(key=DEMO_SITE_KEY).identity_secret
    context = browser.new_context(viewport={"width": 1100, "height": 760})
    try:
        visitor = context.new_page()
        visitor.goto(base + "/")
        visitor.locator("#chatsy-launcher").click()
        composer = visitor.locator("#chatsy-input")
        composer.fill("How long does shipping take?")
        composer.press("Enter")
        expect(visitor.locator(BOT).first).to_be_visible(timeout=10_000)
        anonymous = Customer.objects.get()
        assert anonymous.external_id == ""

        user = {
            "id": "u-2002",
            "name": "Mia Chen",
            "plan": "enterprise",
            "planHash": plan_hash(secret=secret, user_id="u-2002", plan="enterprise"),
            "hash": user_hash(secret=secret, user_id="u-2002"),
        }
        visitor.evaluate("(user) => window.Chatsy.identify(user)", user)
        visitor.wait_for_function(
            "() => localStorage.getItem('chatsy:demo-store:identity') !== null"
            " && window.Chatsy.state().connected"
        )
        customer = Customer.objects.select_related("plan").get(external_id="u-2002")
        # The anonymous visitor became the user: same row, same conversation, still on screen.
        assert customer.pk == anonymous.pk and customer.plan.name == "Enterprise"
        expect(visitor.locator(CUSTOMER)).to_have_count(1)
        expect(visitor.locator(CUSTOMER)).to_contain_text("How long does shipping take?")

        visitor.evaluate("() => window.Chatsy.logout()")
        visitor.wait_for_function(
            "() => localStorage.getItem('chatsy:demo-store:identity') === null"
            " && window.Chatsy.state().connected"
        )
        expect(visitor.locator(CUSTOMER)).to_have_count(0)  # a new, empty chat
        assert Customer.objects.filter(external_id="").count() == 1  # a new anonymous visitor
        assert Customer.objects.get(external_id="u-2002").conversations.count() == 1
    finally:
        context.close()
