"""Conversation history in Chromium: search by customer email and by text, open a result,
follow the handoff card's links to a customer's earlier conversation, ticket and all chats."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from agents import services
from agents.models import AgentProfile, Queue, Ticket
from conversations.models import Conversation, Message
from escalation.policy import Policy
from escalation.policy_store import POLICY_VERSION, policy_replace
from tests.e2e.conftest import screenshot
from tests.factories import ConversationFactory, CustomerFactory, escalated_conversation

pytestmark = pytest.mark.e2e

ROWS = "#history-results tbody tr"


def past_chat(customer, *bodies: str) -> Conversation:
    conversation = ConversationFactory(
        customer=customer, queue=Queue.objects.get(slug="general"), status="resolved"
    )
    Message.objects.bulk_create(
        Message(conversation=conversation, seq=seq, sender="customer", body=body)
        for seq, body in enumerate(bodies, start=1)
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=len(bodies))
    return conversation


@pytest.fixture
def desk(demo):
    """The demo agent (general support, not a supervisor) holds Ada's new chat; Ada wrote
    before, and left a ticket; Bob asked about a blender."""
    policy_replace(Policy.default())  # earlier transactional tests flushed the seeded rows
    POLICY_VERSION.bump()
    # An earlier transactional test may have flushed the migrations' queues.
    general, _ = Queue.objects.get_or_create(slug="general", defaults={"name": "General support"})
    Queue.objects.filter(pk=general.pk).update(routing=Queue.Routing.MANUAL)
    AgentProfile.objects.get(user__username="agent").queues.add(general)
    ada = CustomerFactory(name="Ada Lovelace", email="ada@lovelace.test")
    earlier = past_chat(ada, "My parcel never arrived, order 4821")
    ticket = Ticket.objects.create(
        conversation=earlier, request_id=uuid.uuid4(), kind="email", queue=earlier.queue
    )
    past_chat(CustomerFactory(name="Bob Stone", email="bob@stone.test"), "A refund for my blender")
    live = escalated_conversation("I want to talk to a human", customer=ada)
    agent = AgentProfile.objects.get(user__username="agent")
    services.conversation_claim(agent=agent, public_id=str(live.public_id))
    return {"url": demo, "earlier": earlier, "live": live, "ticket": ticket}


def log_in(page, base: str) -> None:
    page.goto(base + "/console/login/")
    page.locator("#id_username").fill("agent")
    page.locator("#id_password").fill("chatsy-agent")
    page.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/console/$"))


def test_an_agent_searches_the_history_and_follows_the_cards_links(page, desk):
    base = desk["url"]
    log_in(page, base)
    page.get_by_role("link", name="History").click()
    expect(page).to_have_url(re.compile(r"/console/conversations/$"))
    expect(page.locator(ROWS)).to_have_count(3)

    # By the customer's email: the list follows the typing, and the address bar too.
    page.get_by_label("Customer name or email").fill("ada@lovelace")
    expect(page.locator(ROWS)).to_have_count(2)
    expect(page).to_have_url(re.compile(r"customer=ada%40lovelace"))
    expect(page.locator("#history-count")).to_contain_text("2 conversations")
    screenshot(page, "console-history-search.png")

    # By text in the messages, from the keyboard: the result shows the matching message.
    page.get_by_label("Customer name or email").fill("")
    search = page.get_by_label("Text in the messages")
    search.focus()
    page.keyboard.type("blender")
    page.keyboard.press("Enter")
    expect(page.locator(ROWS)).to_have_count(1)
    expect(page.locator(ROWS)).to_contain_text("Bob Stone")
    expect(page.locator(ROWS)).to_contain_text("A refund for my blender")
    page.locator(ROWS).get_by_role("link", name="Bob Stone").click()
    expect(page.locator("h1")).to_contain_text("Bob Stone")
    expect(page.locator(".transcript")).to_contain_text("A refund for my blender")

    # The card of the chat the agent holds links the customer's earlier chat and ticket.
    live, earlier = desk["live"], desk["earlier"]
    chat_page = f"{base}/console/chats/{live.public_id}/"
    customer_block = page.locator(f"#card-{live.public_id} .facts")
    page.goto(chat_page)
    customer_block.locator(".previous-link").first.click()
    expect(page).to_have_url(re.compile(rf"/console/conversations/{earlier.public_id}/$"))
    expect(page.locator(".transcript")).to_contain_text("My parcel never arrived")
    expect(page.locator("#record-status")).to_have_text("Resolved")

    page.goto(chat_page)
    ticket = desk["ticket"]
    customer_block.locator(f'a[href="/console/tickets/{ticket.pk}/"]').click()
    expect(page).to_have_url(re.compile(rf"/console/tickets/{ticket.pk}/$"))
    expect(page.locator("h1")).to_contain_text(f"Ticket #{ticket.pk}")

    page.goto(chat_page)
    customer_block.get_by_role("link", name="All conversations of this customer").click()
    expect(page.locator(ROWS)).to_have_count(2)
    expect(page.locator("#history-count")).to_contain_text("Only Ada Lovelace's conversations")
    # The live one opens in the console.
    page.locator(f"#history-row-{live.public_id} a").click()
    page.get_by_role("link", name="Open in the console").click()
    expect(page).to_have_url(re.compile(rf"/console/\?chat={live.public_id}$"))
    expect(page.locator(f"#chat-{live.public_id}")).to_be_visible()

    # On a phone each result is a block with its labels; nothing runs off the side.
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"{base}/console/conversations/?customer=ada")
    expect(page.locator("#history-results thead")).to_be_hidden()
    expect(page.locator(ROWS)).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "console-history-mobile.png")
