"""The warm-handoff card: everything the spec's "Agent view" lists, escalated, in few queries."""

from __future__ import annotations

import html as htmllib
import uuid

import pytest
from django.utils import timezone

from agents import services
from agents.models import Queue, QueueMembership, Ticket
from conversations import services as conversation_services
from conversations.models import Conversation, Message
from escalation.models import Plan
from tests.factories import (
    AgentFactory,
    ConversationFactory,
    CustomerFactory,
    QueueFactory,
    escalated_conversation,
)
from tests.integration.conftest import queues_manual

pytestmark = pytest.mark.django_db

DISPUTE = "I was charged $150 twice for order #48213 and I dispute it. Email me at ada@example.com"


@pytest.fixture(autouse=True)
def manual_queues():
    queues_manual(("general", "General"), ("billing", "Billing"))


@pytest.fixture
def agent(client):
    agent = AgentFactory(
        user__first_name="Sarah", queues=list(Queue.objects.filter(slug__in=["general", "billing"]))
    )
    client.force_login(agent.user)
    return agent


def say(conversation: Conversation, body: str) -> Message:
    return conversation_services.message_receive(
        conversation=conversation, client_id=uuid.uuid4(), body=body
    ).message


def card(client, conversation: Conversation) -> str:
    response = client.get(
        f"/console/chats/{conversation.public_id}/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    return response.content.decode()


def bot_answer(conversation: Conversation, text: str, confidence: float) -> None:
    conversation_services.message_post_bot(
        conversation_id=conversation.pk, body=text, metadata={"confidence": confidence}
    )


def test_the_card_has_everything_the_agent_view_lists(client, agent):
    pro, _ = Plan.objects.get_or_create(name="Pro")
    customer = CustomerFactory(name="John Smith", plan=pro, email="john@example.com")
    customer.created = timezone.now() - timezone.timedelta(days=800)
    customer.save()
    for status in ("resolved", "resolved", "closed"):
        ConversationFactory(customer=customer, status=status, resolved_at=timezone.now())
    followed_up = ConversationFactory(customer=customer, status="ticket")
    for state in ("done", "open"):
        Ticket.objects.create(
            conversation=followed_up, request_id=uuid.uuid4(), kind="callback", state=state
        )
    # Closed as abandoned (the visitor left the queue): never resolved, so not counted as such.
    ConversationFactory(customer=customer, status="closed")
    first = ConversationFactory(customer=customer)
    say(first, "Why was I charged twice?")
    bot_answer(first, "Refunds go back to the original payment method in 5–10 days.", 0.72)
    chat = escalated_conversation(DISPUTE, customer=customer)
    assert chat.pk  # a fresh conversation of the same customer
    Conversation.objects.filter(pk=first.pk).update(status="closed", resolved_at=timezone.now())
    say(chat, "Please add that I cancelled before the renewal date.")
    services.conversation_claim(agent=agent, public_id=str(chat.public_id))

    html = card(client, chat)
    assert "John Smith" in html and "Pro plan" in html and "john@example.com" in html
    assert "2\xa0years" in html  # account age
    assert "Previous conversations</dt><dd>6 (4 resolved)" in html
    assert "Tickets</dt><dd>2 (1 open)" in html
    reason = html.split('class="reason-text">')[1].split("</p>")[0]
    assert reason.startswith('<span class="reason-words">Billing dispute over $100</span>: <q')
    assert "I was charged $150 twice for order #48213" in reason
    assert "billing_dispute" not in reason and "Rule <code>" not in html
    assert "billing dispute of $150" in html.lower()  # how it was detected, folded
    assert 'AI attempts <span class="count">0</span>' in html
    assert "The AI did not answer before the handoff." in html
    assert "AI summary" in html and "extractive" in html and "Customer wrote:" in html
    assert "#48213" in html and "$150" in html and "ada@example.com" in html
    assert "Visitor&#x27;s note" in html or "Visitor's note" in html
    assert "I cancelled before the renewal date." in html.split("s note</h4>")[1]
    assert 'id="sentiment-' in html and "At handoff" in html


def test_ai_attempts_show_what_the_bot_answered_and_how_sure_it_was(client, agent):
    chat = ConversationFactory()
    say(chat, "How do I get a refund?")
    bot_answer(chat, "Refunds go back to the original payment method.", 0.55)
    from escalation.buttons import human_requested_by_button
    from escalation.policy_store import policy_current
    from escalation.services import conversation_escalate

    conversation_escalate(
        conversation_id=chat.pk, decision=human_requested_by_button(policy_current())
    )
    services.conversation_claim(agent=agent, public_id=str(chat.public_id))
    html = card(client, chat)
    assert 'AI attempts <span class="count">1</span>' in html
    assert "Refunds go back to the original payment method." in html
    assert "55% confident" in html
    # The transcript marks the bot's messages.
    assert (
        'class="msg msg-bot"' in html
        and '<span class="badge ai" title="Written by the bot">AI</span>' in html
    )


def test_the_card_costs_a_fixed_number_of_queries(client, agent, django_assert_num_queries):
    chat = escalated_conversation(DISPUTE)
    services.conversation_claim(agent=agent, public_id=str(chat.public_id))
    with django_assert_num_queries(10) as few:
        card(client, chat)
    for n in range(30):
        say(chat, f"Still waiting, message {n}")
        services.note_create(conversation=chat, agent=agent, body=f"note {n}")
    with django_assert_num_queries(len(few.captured_queries)):
        html = card(client, chat)
    assert html.count('class="msg msg-customer"') == 31 and html.count('class="msg msg-note"') == 30


def test_the_workspace_page_costs_the_same_for_one_chat_or_three(
    client, agent, django_assert_num_queries
):
    services.conversation_claim(agent=agent, public_id=str(escalated_conversation().public_id))
    with django_assert_num_queries(15) as one:  # the queue panel: + depth and oldest wait
        client.get("/console/")
    for _ in range(2):
        services.conversation_claim(agent=agent, public_id=str(escalated_conversation().public_id))
    with django_assert_num_queries(len(one.captured_queries)):
        html = client.get("/console/").content.decode()
    assert html.count('role="tabpanel"') == 3


def test_a_chat_that_is_not_theirs_is_not_shown(client, agent):
    chat = escalated_conversation()
    assert client.get(f"/console/chats/{chat.public_id}/").status_code == 404
    resync = client.get(f"/console/chats/{chat.public_id}/", headers={"HX-Request": "true"})
    assert f'data-remove="tab-{chat.public_id} chat-{chat.public_id}"' in resync.content.decode()
    assert client.get(f"/console/chats/{chat.public_id}/resolve/").status_code == 404


def test_visitor_text_is_escaped_everywhere_on_the_console(client, agent):
    payload = '<img src=x onerror="alert(1)"></script><div hx-get="/evil" hx-trigger="load">x</div>'
    chat = escalated_conversation(f"I want to talk to a human {payload}", customer__name=payload)
    say(chat, payload)
    queue_html = client.get("/console/queue/").content.decode()
    services.conversation_claim(agent=agent, public_id=str(chat.public_id))
    for html in (queue_html, card(client, chat), client.get("/console/").content.decode()):
        assert "<img src=x" not in html and 'hx-get="/evil"' not in html
        assert "</script><div" not in html
        assert htmllib.escape(payload, quote=True).replace("&#x27;", "&#39;")[:20] in html.replace(
            "&#x27;", "&#39;"
        )


def test_gathered_information_includes_what_the_visitor_said_before_and_after(client, agent):
    chat = ConversationFactory()
    say(chat, "My order 77123 never arrived")
    from escalation.buttons import human_requested_by_button
    from escalation.policy_store import policy_current
    from escalation.services import conversation_escalate

    conversation_escalate(
        conversation_id=chat.pk, decision=human_requested_by_button(policy_current())
    )
    say(chat, "You can reach me at grace@example.com")
    services.conversation_claim(agent=agent, public_id=str(chat.public_id))
    html = card(client, chat)
    gathered = html.split("Gathered information", 1)[1].split("</ul>", 1)[0]
    assert "77123" in gathered and "grace@example.com" in gathered


def test_a_classifier_escalation_names_the_words_that_showed_it(client, agent):
    security = QueueFactory(slug="security", routing="manual")
    QueueMembership.objects.create(agent=agent, queue=security)
    conversation = escalated_conversation(
        "someone is using my account and I never made these orders"
    )
    services.conversation_claim(agent=agent, public_id=str(conversation.public_id))
    page = htmllib.unescape(card(client, conversation))
    reason = page.split('class="reason-text">')[1].split("</p>")[0]
    assert reason.startswith('<span class="reason-words">Account security concern</span>: <q')
    assert "someone is using my account" in reason
    detected = page.split('class="reason-detail">')[1].split("</details>")[0]
    assert "Account security concern (security " in detected  # its probability, then
    assert "'my account'" in detected  # the words that pushed the classifier over


def test_each_ai_attempt_names_the_question_it_answered_and_the_escalating_one_comes_last(
    client, agent
):
    """A confident answer to an earlier question never reads as the answer to the dispute."""
    chat = ConversationFactory()
    say(chat, "What are your opening hours?")
    bot_answer(chat, "We're open 9 to 5, Monday to Friday.", 0.95)
    from escalation.engine import decide
    from escalation.policy_store import policy_current
    from escalation.selectors import snapshot_for
    from escalation.services import conversation_escalate

    dispute = say(chat, DISPUTE)
    snapshot = snapshot_for(conversation=chat, message=dispute)
    decision = decide(snapshot, policy_current(), timezone.now())
    conversation_escalate(conversation_id=chat.pk, decision=decision, message=dispute)
    services.conversation_claim(agent=agent, public_id=str(chat.public_id))

    page = htmllib.unescape(card(client, chat))
    attempts = page.split('class="ai-attempts">')[1].split("</ol>")[0].split("<li")[1:]
    assert len(attempts) == 2
    assert "What are your opening hours?" in attempts[0]
    assert "We're open 9 to 5" in attempts[0] and "95% confident" in attempts[0]
    assert "escalating" not in attempts[0]
    assert 'class="attempt escalating"' in attempts[1]
    assert "I was charged $150 twice" in attempts[1]
    assert "Not answered by the AI: handed to a person." in attempts[1]


@pytest.mark.parametrize(("currency", "shown"), [("EUR", "€100"), ("GBP", "£100")])
def test_the_threshold_is_shown_in_the_store_currency(client, agent, settings, currency, shown):
    settings.CHATSY_CURRENCY = currency
    chat = escalated_conversation(DISPUTE)
    services.conversation_claim(agent=agent, public_id=str(chat.public_id))
    reason = card(client, chat).split('class="reason-text">')[1].split("</p>")[0]
    assert f"Billing dispute over {shown}</span>" in reason


def test_the_card_shows_the_priority_the_wait_raised_it_to(client, agent):
    """The escalation keeps the priority it was handed off with; the conversation carries the
    one the visitor's messages while waiting raised it to, which the queue row showed."""
    chat = escalated_conversation()
    Conversation.objects.filter(pk=chat.pk).update(priority="high")
    services.conversation_claim(agent=agent, public_id=str(chat.public_id))

    html = card(client, chat)

    assert "high priority" in html and "normal priority" not in html
