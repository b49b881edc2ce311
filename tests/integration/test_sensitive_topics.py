"""Sensitive topics (the spec's "Special Escalation Scenarios"): priority routing to the
specialists, the topic's response protocol, and a bot that never answers in the conversation
again — through the real visitor socket, the real Redis line and the real OpenAI client talking
to tests/support/fake_openai.py. The console marks these conversations."""

from __future__ import annotations

import html

import pytest
from channels.db import database_sync_to_async
from django.contrib.admin.sites import site as admin_site
from django.db import transaction
from django.test import RequestFactory

from agents import services as agent_services
from agents.models import Queue
from agents.waiting_queue import waiting_line
from conversations.models import Conversation, Message
from escalation import copy
from escalation.models import Escalation, SensitiveProtocol
from escalation.services import escalation_wait_cancel
from escalation.turn import _visitor_action
from tests.factories import AgentFactory, ConversationFactory, QueueFactory, escalated_conversation
from tests.support.fake_openai import FakeOpenAI, normal

SHIPPING_REPLY = "Standard shipping takes 3–5 business days; express takes 1–2.\nCONFIDENCE: 0.95"
HEATER = "The heater you sold me caught fire and burned my hand"


@pytest.fixture
def queues(db):
    for slug in ("general", "specialists"):
        QueueFactory(slug=slug)
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    return {q.slug: q for q in Queue.objects.all()}


@pytest.fixture
def specialist(queues):
    return AgentFactory(user__first_name="Maya", queues=[queues["specialists"]])


@pytest.fixture
def llm(settings):
    with FakeOpenAI() as fake:
        settings.OPENAI_API_KEY = "test-key"
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_MODEL = "fake-model"
        settings.CHATSY_LLM_FIRST_TOKEN_SECONDS = 1.0
        settings.CHATSY_LLM_TOTAL_SECONDS = 3.0
        yield fake


def bot_asked_the_model(llm: FakeOpenAI, text: str) -> bool:
    """Whether the bot's responder asked the model to answer `text`: its requests stream, and
    the question is their last message (the handoff summary's requests do not stream)."""
    return any(
        r.body.get("stream") and text in str(r.messages[-1].get("content"))
        for r in llm.requests
        if isinstance(r.body, dict) and r.messages
    )


def responder_requests(llm: FakeOpenAI) -> int:
    return sum(1 for r in llm.requests if isinstance(r.body, dict) and r.body.get("stream"))


@database_sync_to_async
def stored(public_id: str) -> tuple[Conversation, list[Escalation], list[Message]]:
    conversation = Conversation.objects.select_related("queue").get(public_id=public_id)
    escalations = list(conversation.escalations.order_by("created", "pk"))
    return conversation, escalations, list(conversation.messages.order_by("seq"))


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_sensitive_topic_goes_to_the_specialists_at_urgent_and_the_bot_stays_silent(
    new_visitor, llm, queues, specialist
):
    llm.enqueue(normal(SHIPPING_REPLY))
    # Someone already waits for the specialists at normal priority.
    earlier = await database_sync_to_async(waiting_for_the_specialists)()
    visitor = await new_visitor()
    ready = await visitor.connect()
    public_id = ready["conversation"]["id"]
    await visitor.say("How long does shipping take?")  # the bot answers with the LLM...
    answer = await visitor.receive_message_from("bot", timeout=10)
    assert "business days" in answer["body"] and bot_asked_the_model(llm, "How long does shipping")

    await visitor.say(HEATER)
    handoff = await visitor.receive_message_from("system")
    assert "call your local emergency number" in handoff["body"]
    assert "a person, not the bot, will answer you" in handoff["body"]
    conversation, [escalation], _ = await stored(public_id)
    assert (conversation.status, conversation.queue.slug, conversation.priority) == (
        "queued",
        "specialists",
        "urgent",
    )
    assert (escalation.category, escalation.sensitive_topic) == ("sensitive", "health_safety")
    line = await database_sync_to_async(waiting_line)()
    assert [e.conversation_id for e in line.entries("specialists")] == [
        public_id,
        str(earlier.public_id),
    ]  # ahead of the one who came first at normal priority

    # A specialist takes it, then hands it back to the bot...
    chat = await database_sync_to_async(agent_services.conversation_claim)(
        agent=specialist, public_id=public_id
    )
    await database_sync_to_async(agent_services.conversation_hand_back)(
        conversation=chat, agent=specialist, note="I've logged a safety report for you."
    )
    assert (await visitor.receive_message_from("system"))["body"] == "Maya joined the chat."
    stepped_away = await visitor.receive_message_from("system")
    assert stepped_away["body"] == copy.HANDED_BACK_SENSITIVE.format(agent="Maya")
    requests_before = responder_requests(llm)
    await visitor.say("Thanks. Also, how long does express shipping take?")
    acknowledgement = await visitor.receive_message_from("system")
    assert acknowledgement["body"].startswith("Thanks, I've passed your message to our specialist")
    conversation, escalations, messages = await stored(public_id)
    assert (conversation.status, conversation.queue.slug, conversation.priority) == (
        "queued",
        "specialists",
        "urgent",
    )
    assert [e.sensitive_topic for e in escalations] == ["health_safety", "health_safety"]
    assert escalations[-1].reasons[0]["signal"] == "sensitive_conversation"
    # ...which never asks the model, and posts nothing of its own.
    assert [m.body for m in messages if m.sender == "bot"] == [answer["body"]]
    assert not bot_asked_the_model(llm, "express shipping")
    assert responder_requests(llm) == requests_before

    # Resolved, then the visitor writes again: back to the specialists, still no bot.
    chat = await database_sync_to_async(agent_services.conversation_claim)(
        agent=specialist, public_id=public_id
    )
    await database_sync_to_async(agent_services.conversation_resolve)(
        conversation=chat, agent=specialist, outcome="resolved", appropriate=True, handoff_quality=5
    )
    await visitor.say("One more thing: how do I reset my password?")
    while "passed your message" not in (await visitor.receive_message_from("system"))["body"]:
        pass  # "Maya joined", "marked as resolved": then the acknowledgement
    conversation, escalations, messages = await stored(public_id)
    assert (conversation.status, conversation.queue.slug) == ("queued", "specialists")
    assert len(escalations) == 3
    assert [m.body for m in messages if m.sender == "bot"] == [answer["body"]]
    assert not bot_asked_the_model(llm, "reset my password")
    await visitor.close()


def waiting_for_the_specialists() -> Conversation:
    conversation = ConversationFactory(status="queued")
    with transaction.atomic():
        agent_services.conversation_enqueue(
            conversation=conversation, target_queue="specialists", category="", priority="normal"
        )
    return conversation


def hand_back(conversation: Conversation, agent) -> Conversation:
    chat = agent_services.conversation_claim(agent=agent, public_id=str(conversation.public_id))
    return agent_services.conversation_hand_back(conversation=chat, agent=agent, note="Done.")


@pytest.mark.django_db
def test_talk_to_a_person_in_a_sensitive_conversation_goes_to_the_specialists(queues, specialist):
    conversation = escalated_conversation("Your driver keeps sending me threatening messages")
    hand_back(conversation, specialist)
    _visitor_action(conversation.pk, "request_human", 1)
    conversation.refresh_from_db()
    latest = conversation.escalations.order_by("-created", "-pk").first()
    assert (conversation.queue.slug, conversation.priority) == ("specialists", "urgent")
    assert (latest.category, latest.sensitive_topic) == ("sensitive", "harassment")
    assert latest.reasons[1]["signal"] == "button"  # the click is kept among the reasons


@pytest.mark.django_db
def test_the_protocol_text_is_the_admins_and_their_edits_reach_the_next_handoff(queues, admin_user):
    SensitiveProtocol.objects.update_or_create(
        topic="accessibility",
        defaults={
            "visitor_text": "Sorry about that! Our {team} team will help you {wait}.",
            "agent_guidance": "Offer to take the order by phone.",
        },
    )
    conversation = escalated_conversation(
        "I'm blind and your checkout doesn't work with my screen reader."
    )
    handoff = conversation.messages.get(sender="system", metadata__event="handoff")
    assert (
        handoff.body == "Sorry about that! Our specialist team will help you as soon as possible."
    )
    assert handoff.metadata["sensitive_topic"] == "accessibility"

    # Editing it in the admin: the form validates the placeholders like the handoff texts.
    row = SensitiveProtocol.objects.get(topic="accessibility")
    model_admin = admin_site._registry[SensitiveProtocol]
    request = RequestFactory().post("/")
    request.user = admin_user
    form_class = model_admin.get_form(request, row)
    bad = form_class(
        data={
            "topic": "accessibility",
            "visitor_text": "In {minutes}",
            "agent_guidance": "x",
            "active": True,
        },
        instance=row,
    )
    assert not bad.is_valid() and "placeholders" in str(bad.errors["visitor_text"])
    good = form_class(
        data={
            "topic": "accessibility",
            "visitor_text": "A specialist from our {team} team will help you {wait}.",
            "agent_guidance": "Offer to take the order by phone.",
            "active": True,
        },
        instance=row,
    )
    assert good.is_valid(), good.errors
    good.save()
    again = escalated_conversation("My screen reader can't read your checkout page, I'm blind.")
    assert again.messages.get(sender="system", metadata__event="handoff").body == (
        "A specialist from our specialist team will help you as soon as possible."
    )


@pytest.mark.django_db
def test_without_an_active_row_each_topic_gets_its_built_in_protocol(queues):
    SensitiveProtocol.objects.update(active=False, visitor_text="Not this one: {team}.")
    for message, topic in (
        ("My lawyer will be in touch about this faulty heater.", "legal_threat"),
        ("You sold my personal data to advertisers without asking.", "privacy"),
    ):
        conversation = escalated_conversation(message)
        handoff = conversation.messages.get(sender="system", metadata__event="handoff")
        visitor_text, _guidance = copy.SENSITIVE_PROTOCOLS[topic]
        assert handoff.body == copy.handoff_message(queue="specialists", template=visitor_text)
        assert conversation.escalations.get().sensitive_topic == topic


@pytest.mark.django_db
def test_the_seed_migration_gave_every_topic_a_protocol_and_the_rule_urgent_priority():
    # Transactional tests flush it; this one reads the migrated database as it was built.
    assert set(SensitiveProtocol.objects.values_list("topic", flat=True)) == set(
        copy.SENSITIVE_PROTOCOLS
    )
    from escalation.models import EscalationRule

    assert EscalationRule.objects.get(key="sensitive_topic").priority == "urgent"


# --- the console ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_console_marks_a_sensitive_conversation_in_the_queue_tab_and_card(
    client, queues, specialist
):
    client.force_login(specialist.user)
    waiting = escalated_conversation("One of your delivery drivers has been harassing me.")
    ordinary = escalated_conversation()  # general: the specialist does not see its queue
    panel = client.get("/console/queue/", headers={"HX-Request": "true"}).content.decode()
    row = panel.split(f'id="queue-row-{waiting.public_id}"', 1)[1].split("</li>", 1)[0]
    assert "Sensitive · Harassment" in row and "urgent" in row
    assert str(ordinary.public_id) not in panel

    agent_services.conversation_claim(agent=specialist, public_id=str(waiting.public_id))
    page = client.get("/console/").content.decode()
    tab = page.split(f'id="tab-{waiting.public_id}"', 1)[1].split("</button>", 1)[0]
    assert "Sensitive · Harassment" in tab
    card = client.get(
        f"/console/chats/{waiting.public_id}/", headers={"HX-Request": "true"}
    ).content.decode()
    head, rest = card.split('class="handoff-card"', 1)
    assert "Sensitive · Harassment" in head  # the chat's header
    summary = rest.split("</summary>", 1)[0]
    assert "Sensitive · Harassment" in summary
    _visitor, guidance = copy.SENSITIVE_PROTOCOLS["harassment"]
    assert "Response protocol · Harassment" in rest
    assert guidance.split(".")[1].strip() in html.unescape(rest)  # "Thank them and believe…"


@pytest.mark.django_db
def test_an_ordinary_conversation_has_no_marker(client, queues):
    agent = AgentFactory(queues=[queues["general"]])
    client.force_login(agent.user)
    conversation = escalated_conversation()
    agent_services.conversation_claim(agent=agent, public_id=str(conversation.public_id))
    card = client.get(
        f"/console/chats/{conversation.public_id}/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "Sensitive ·" not in card and "Response protocol" not in card


@pytest.mark.django_db
def test_the_protocols_are_listed_and_editable_in_the_admin(admin_client):
    page = admin_client.get("/admin/escalation/sensitiveprotocol/").content.decode()
    for label in ("Health &amp; safety", "Legal threat", "Harassment", "Accessibility"):
        assert label in page
    row = SensitiveProtocol.objects.get(topic="harassment")
    response = admin_client.post(
        f"/admin/escalation/sensitiveprotocol/{row.pk}/change/",
        {
            "topic": "harassment",
            "visitor_text": "We're on it: our {team} team will be with you {wait}.",
            "agent_guidance": "Believe them.",
            "active": "on",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.visitor_text, row.agent_guidance) == (
        "We're on it: our {team} team will be with you {wait}.",
        "Believe them.",
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_past_the_handoff_budget_a_sensitive_chat_still_gets_no_bot_answer(
    new_visitor, queues, specialist, settings
):
    settings.CHATSY_BUDGETS = {**settings.CHATSY_BUDGETS, "escalation": ("1/3600", "")}
    visitor = await new_visitor()
    ready = await visitor.connect()
    public_id = ready["conversation"]["id"]
    await visitor.say(HEATER)
    await visitor.receive_message_from("system")
    chat = await database_sync_to_async(agent_services.conversation_claim)(
        agent=specialist, public_id=public_id
    )
    await database_sync_to_async(agent_services.conversation_hand_back)(
        conversation=chat, agent=specialist, note="Logged."
    )
    await visitor.say("How long does shipping take?")  # the knowledge base could answer this
    notice = await visitor.receive_message_from("bot")
    assert notice["body"] == copy.SENSITIVE_ESCALATION_LIMIT  # a notice, not an answer
    conversation, escalations, messages = await stored(public_id)
    assert conversation.status == "bot" and len(escalations) == 1
    assert [m.body for m in messages if m.sender == "bot"] == [copy.SENSITIVE_ESCALATION_LIMIT]
    assert messages[-2].body == "How long does shipping take?"  # stored: nothing is lost
    await visitor.close()


@pytest.mark.django_db
def test_cancelling_the_wait_in_a_sensitive_conversation_promises_no_bot(queues):
    """The bot never answers here, so the cancellation says where the next message goes."""
    conversation = escalated_conversation("Your driver keeps sending me threatening messages")
    assert escalation_wait_cancel(conversation=conversation)
    cancelled = conversation.messages.get(metadata__event="wait_cancelled")
    assert cancelled.body == copy.SENSITIVE_WAIT_CANCELLED
    assert "bot" not in cancelled.body and "specialist" in cancelled.body
