"""The widget during a handoff, in headless Chromium on Daphne (issue 14, item 7): the handoff
notice is a timed card read out politely, one waiting banner shows one state at a time, the
header names who is there, the bot's "typing" shows until its answer, and message bodies are
text with safe links and simple lists, never HTML."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agents import hours
from agents import services as agent_services
from agents.models import AgentProfile, Queue, QueueClosure
from conversations import services as conversation_services
from conversations.models import Conversation
from escalation.policy import Policy
from escalation.policy_store import POLICY_VERSION, policy_replace
from tests.e2e.conftest import demo_data_for, screenshot
from tests.e2e.test_console_resync import in_thread
from tests.e2e.test_widget_chat import ask, open_widget
from tests.e2e.test_widget_streaming import llm_server  # noqa: F401 - a fixture
from tests.factories import AgentFactory
from tests.support.fake_openai import normal
from tests.support.presence import agent_available

pytestmark = pytest.mark.e2e

HANDOFF = "#chatsy-messages li.chatsy-msg.is-handoff"
BANNER = "#chatsy-queue"
BUBBLES = "#chatsy-messages li.chatsy-msg .chatsy-bubble"


@pytest.fixture
def shop(demo):
    """The demo with the spec's policy and manual queues: a chat waits in line; nobody online."""
    policy_replace(Policy.default())  # earlier transactional tests flushed the seeded rows
    POLICY_VERSION.bump()  # the server rereads its cached policy within a second
    # An earlier transactional test may have flushed the migrations' queues.
    Queue.objects.get_or_create(slug="general", defaults={"name": "General support"})
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    for agent in AgentProfile.objects.all():
        agent.queues.add(*Queue.objects.all())
    return demo


def banner_shows(page, state: str, text: str | re.Pattern[str]) -> None:
    """The one waiting banner is in `state`, saying `text` (and nothing of another state)."""
    expect(page.locator(BANNER)).to_have_attribute("data-state", state, timeout=10_000)
    expect(page.locator(BANNER)).to_be_visible()
    expect(page.locator("#chatsy-queue-text")).to_have_text(text)


def test_the_handoff_notice_is_a_timed_card_and_the_banner_shows_the_place_in_line(page, shop):
    maya = AgentFactory(
        user__first_name="Maya", display_name="Maya Lopez", queues=list(Queue.objects.all())
    )
    agent_available(maya)  # someone is online: an estimate, not "offline"
    page.goto(shop + "/")
    open_widget(page)
    ask(page, "I want to talk to a human")

    card = page.locator(HANDOFF)
    expect(card).to_have_count(1, timeout=10_000)
    notice = card.locator(".chatsy-handoff")
    expect(notice).to_have_attribute("role", "status")
    expect(notice).to_have_attribute("aria-live", "polite")
    expect(notice.locator(".chatsy-handoff-title")).to_have_text(
        "Connecting you with our support team…"
    )
    expect(notice).to_contain_text("full context")
    time = notice.locator("time.chatsy-time")
    expect(time).to_be_visible()
    expect(time).to_have_text(re.compile(r"^\d\d:\d\d$"))
    # A card, not small grey centred text.
    assert notice.evaluate("e => getComputedStyle(e).borderLeftWidth") == "4px"

    banner_shows(page, "position", re.compile(r"^You're next in line, about"))
    expect(page.locator("#chatsy-queue-text")).not_to_contain_text("available")
    expect(page.locator(".chatsy-subtitle")).to_have_text("Support team · online")
    screenshot(page, "widget-handoff-notice.png")


def test_the_banner_goes_offline_then_about_to_join_then_joined_and_the_header_follows(page, shop):
    page.goto(shop + "/")
    open_widget(page)
    expect(page.locator(".chatsy-subtitle")).to_have_text(re.compile(r"^Chatting with "))
    site_title = page.locator("#chatsy-title").inner_text()
    ask(page, "I want to talk to a human")

    # Nobody is online: the banner says so, alone — never "next in line" beside "offline".
    banner_shows(page, "offline", "Nobody from our support team is available right now.")
    expect(page.locator(".chatsy-subtitle")).to_have_text("Support team · offline")
    expect(page.locator("#chatsy-cancel-wait")).to_be_visible()
    expect(page.locator("#chatsy-alt")).to_be_visible()  # the alternatives, in the log

    conversation = Conversation.objects.get()
    maya = AgentFactory(
        user__first_name="Maya", display_name="Maya Lopez", queues=list(Queue.objects.all())
    )
    public_id = str(conversation.public_id)
    # Assigned by routing, before Maya's console shows the chat: "about to join".
    in_thread(
        lambda: agent_services.conversation_claim(agent=maya, public_id=public_id, opened=False)
    )
    banner_shows(page, "joining", "Someone from our team is about to join.")
    expect(page.locator("#chatsy-cancel-wait")).to_be_hidden()
    expect(page.locator("#chatsy-alt")).to_be_hidden()

    in_thread(lambda: agent_services.conversation_mark_opened(agent=maya, public_id=public_id))
    banner_shows(page, "joined", "You’re chatting with Maya Lopez.")
    expect(page.locator("#chatsy-title")).to_have_text("Maya Lopez")
    expect(page.locator(".chatsy-avatar")).to_have_text("ML")
    expect(page.locator(".chatsy-subtitle")).to_have_text("Support team · online")

    # A reload rebuilds the same header and banner from `ready` and the history.
    page.reload()
    if not page.locator("#chatsy-panel").is_visible():
        open_widget(page)
    banner_shows(page, "joined", "You’re chatting with Maya Lopez.")
    expect(page.locator(".chatsy-avatar")).to_have_text("ML")

    chat = Conversation.objects.get()
    in_thread(
        lambda: agent_services.conversation_hand_back(
            conversation=chat, agent=maya, note="Your refund is on its way."
        )
    )
    expect(page.locator(BANNER)).to_be_hidden(timeout=10_000)
    expect(page.locator("#chatsy-title")).to_have_text(site_title)
    expect(page.locator(".chatsy-subtitle")).to_have_text(re.compile(r"^Chatting with "))
    expect(page.locator(".chatsy-avatar svg")).to_have_count(1)


def test_a_closed_team_shows_offline_and_when_it_is_back_in_banner_and_header(page, shop):
    maya = AgentFactory(user__first_name="Maya", queues=list(Queue.objects.all()))
    agent_available(maya)  # online, but the team is closed: closed wins
    now = timezone.now()
    reopens = (now + timedelta(hours=3)).replace(second=0, microsecond=0)
    for queue in Queue.objects.all():
        QueueClosure.objects.create(
            queue=queue, label="Team offsite", starts=now - timedelta(hours=1), ends=reopens
        )
    page.goto(shop + "/")
    open_widget(page)
    zone = page.evaluate("() => Intl.DateTimeFormat().resolvedOptions().timeZone")
    back = hours.back_at(reopens, visitor_zone=zone, now=now)
    ask(page, "I want to talk to a human")
    banner_shows(page, "offline", f"Our support team is offline right now — we’re back {back}.")
    expect(page.locator(".chatsy-subtitle")).to_have_text(f"Support team · offline · back {back}")


def test_bodies_render_as_text_with_safe_links_and_lists(page, shop):
    page.goto(shop + "/")
    open_widget(page)
    ask(page, "Is <b>this</b> bold? See javascript:alert(1) and https://example.com/help.")
    mine = page.locator("#chatsy-messages li[data-sender=customer] .chatsy-bubble").first
    expect(mine).to_contain_text("<b>this</b>")  # literally, as typed
    expect(mine.locator("b")).to_have_count(0)
    link = mine.locator("a")
    expect(link).to_have_count(1)  # javascript: stays text
    expect(link).to_have_text("https://example.com/help")  # the full stop is not in the link
    expect(link).to_have_attribute("href", "https://example.com/help")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(mine).to_contain_text("javascript:alert(1)")

    conversation = Conversation.objects.get()
    in_thread(
        lambda: conversation_services.message_post_bot(
            conversation_id=conversation.pk,
            body=(
                "Returns are easy:\n- Open your order (https://shop.example/orders)\n"
                "• Print the label\n- <img src=x onerror=alert(1)>\n"
                "Read more: https://shop.example/help/returns"
            ),
        )
    )
    answer = page.locator(
        "#chatsy-messages li[data-sender=bot] .chatsy-bubble", has_text="Returns are easy"
    )
    expect(answer.locator("ul > li")).to_have_count(3, timeout=10_000)
    expect(answer.locator("ul > li").nth(0)).to_have_text(
        "Open your order (https://shop.example/orders)"
    )
    expect(answer.locator("ul > li").nth(1)).to_have_text("Print the label")
    expect(answer.locator("ul > li").nth(2)).to_have_text("<img src=x onerror=alert(1)>")
    expect(answer.locator("img")).to_have_count(0)
    hrefs = answer.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert hrefs == ["https://shop.example/orders", "https://shop.example/help/returns"]
    expect(answer).to_contain_text("Returns are easy:")
    expect(answer).to_contain_text("Read more: https://shop.example/help/returns")


# --- the bot "typing" while it prepares an answer -----------------------------------------

REPLY = "Standard shipping takes 3 to 5 business days; express takes 1 to 2."


# Every change the visitor could see, in order: the typing line and the bot's bubbles.
RECORD_TIMELINE = """() => {
    window.__timeline = [];
    const root = document.querySelector('#chatsy-widget').shadowRoot;
    const typing = root.querySelector('#chatsy-typing');
    const list = root.querySelector('#chatsy-messages');
    let last = '';
    new MutationObserver(() => {
        const state = [
            typing.hidden ? 'no-typing' : 'typing:' + typing.textContent,
            list.querySelector('li.is-streaming') ? 'streaming' : '',
            list.querySelector('li[data-sender=bot]:not(.is-streaming)') ? 'answered' : '',
        ].filter(Boolean).join(' ');
        if (state !== last) window.__timeline.push(last = state);
    }).observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def test_the_assistant_is_typing_from_the_accepted_message_until_its_answer(
    page,
    transactional_db,
    llm_server,  # noqa: F811 - the fixture imported above
):
    fake, url = llm_server
    demo_data_for(url)
    fake.enqueue(normal(REPLY + "\nCONFIDENCE: 0.95"))
    page.goto(url + "/")
    open_widget(page)
    assert_typing_until_answer(page, "How long does shipping take?")


def test_the_assistant_is_typing_before_an_offline_answer_too(page, shop):
    """The offline knowledge base sends no typing frames: the accepted message alone shows it."""
    page.goto(shop + "/")
    open_widget(page)
    assert_typing_until_answer(page, "How long does shipping take?")


def assert_typing_until_answer(page, question: str) -> None:
    page.evaluate(RECORD_TIMELINE)
    ask(page, question)
    answer = page.locator("#chatsy-messages li.chatsy-msg[data-sender=bot]:not(.is-streaming)")
    expect(answer).to_have_count(1, timeout=15_000)
    expect(page.locator("#chatsy-typing")).to_be_hidden()
    timeline = page.evaluate("window.__timeline")
    # The bot's own name, as the header shows it (CHATSY_BOT_NAME).
    typing = [i for i, s in enumerate(timeline) if s.startswith("typing:Chatsy bot is typing…")]
    first_text = next(i for i, s in enumerate(timeline) if "streaming" in s or "answered" in s)
    assert typing and typing[0] < first_text, timeline
    # Once the first token shows, the typing line is gone for good.
    assert all(not s.startswith("typing:") for s in timeline[first_text:]), timeline
