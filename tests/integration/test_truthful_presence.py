"""Truthful presence and handoff (issue 13): an agent is available only with a console open,
"joined" is posted when their console shows the chat, a transfer never comes back to the agent
who made it, and time to human starts with the first message a person writes.

Real console sockets on the real ASGI app (tests.support.console_socket), real Redis, and a
real database; the callbacks that run on commit run as they do in production.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.template.loader import render_to_string
from django.utils import timezone

from agents import presence, selectors, services
from agents.models import Queue, QueueClosure
from conversations.models import Conversation, Message
from conversations.services import message_receive
from escalation.models import Escalation
from escalation.services import waiting_message_acknowledge
from tests.factories import AgentFactory, QueueFactory, escalated_conversation
from tests.support.console_socket import console_socket, receive_until
from tests.support.presence import agent_available

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def general(default_policy) -> Queue:
    return QueueFactory(slug="general", name="General support", routing=Queue.Routing.AUTO)


def joined_messages(conversation: Conversation) -> list[str]:
    return list(
        Message.objects.filter(conversation=conversation, metadata__event="agent_joined")
        .order_by("seq")
        .values_list("body", flat=True)
    )


def status_of(conversation: Conversation) -> tuple[str, int | None]:
    conversation.refresh_from_db()
    return conversation.status, conversation.assigned_agent_id


@pytest.mark.asyncio
async def test_closing_the_console_makes_the_agent_unavailable_and_nothing_is_assigned(
    client, general
):
    sarah = await database_sync_to_async(AgentFactory)(user__first_name="Sarah", queues=[general])
    await database_sync_to_async(services.agent_presence_update)(agent=sarah, status="online")
    assert await database_sync_to_async(presence.presence_online)([sarah.pk]) == set()

    console = await console_socket(client, sarah)
    assert await database_sync_to_async(presence.presence_online)([sarah.pk]) == {sarah.pk}
    await console.disconnect()  # returns once the consumer's disconnect has run

    # At once, not after the 60 s status TTL; her chosen status stays for her next visit.
    assert await database_sync_to_async(presence.presence_online)([sarah.pk]) == set()
    assert await database_sync_to_async(presence.presence_get)(sarah.pk) == "online"
    chat = await database_sync_to_async(escalated_conversation)()
    assert await database_sync_to_async(status_of)(chat) == ("queued", None)
    assert await database_sync_to_async(joined_messages)(chat) == []
    capacity = await database_sync_to_async(selectors.queue_capacity)(general)
    assert capacity.online == 0 and capacity.wait_minutes(1) is None

    # Back at her console: the waiting chat is hers, and the visitor reads "joined" once it
    # is on her screen.
    console = await console_socket(client, sarah)
    await receive_until(console, f'id="chat-{chat.public_id}"')
    await receive_until(console, "Sarah joined the chat.")
    assert await database_sync_to_async(status_of)(chat) == ("assigned", sarah.pk)
    assert await database_sync_to_async(joined_messages)(chat) == ["Sarah joined the chat."]
    await console.disconnect()


def test_a_console_whose_heartbeat_stopped_is_not_available(general):
    """A killed browser or server never says goodbye: its entry ages out with the console TTL."""
    sarah = AgentFactory(queues=[general])
    now = time.time()
    presence.presence_set(sarah.pk, "online", now=now)
    presence.presence_console_beat(sarah.pk, "killed-browser", now=now - 40)
    assert presence.presence_online([sarah.pk], now=now) == set()
    assert presence.presence_online([sarah.pk], now=now - 20) == {sarah.pk}
    presence.presence_console_beat(sarah.pk, "killed-browser", now=now)
    assert presence.presence_online([sarah.pk], now=now) == {sarah.pk}


@pytest.mark.asyncio
async def test_joined_is_posted_when_the_console_shows_the_chat_and_only_once(client, general):
    sarah = await database_sync_to_async(AgentFactory)(user__first_name="Sarah", queues=[general])
    # Available (a console entry) but no console on screen: auto-assign gives her the chat…
    await database_sync_to_async(agent_available)(sarah)
    chat = await database_sync_to_async(escalated_conversation)()
    assert await database_sync_to_async(status_of)(chat) == ("assigned", sarah.pk)
    # …yet nobody is looking: the visitor is not told anyone joined.
    assert await database_sync_to_async(joined_messages)(chat) == []

    console = await console_socket(client, sarah)
    await receive_until(console, "Sarah joined the chat.")
    assert await database_sync_to_async(joined_messages)(chat) == ["Sarah joined the chat."]
    await console.disconnect()
    # A reload (and a second tab) shows the same chat: nothing more is posted. A socket's
    # disconnect runs after its connect finished, so both have looked at the chat by then.
    first, second = await console_socket(client, sarah), await console_socket(client, sarah)
    for socket in (first, second):
        await socket.disconnect()
    assert await database_sync_to_async(joined_messages)(chat) == ["Sarah joined the chat."]


def test_a_manual_claim_posts_joined_once(general):
    sarah = AgentFactory(user__first_name="Sarah", queues=[general])
    general.routing = Queue.Routing.MANUAL
    general.save()
    chat = escalated_conversation()
    services.conversation_claim(agent=sarah, public_id=str(chat.public_id))
    assert not services.conversation_mark_opened(agent=sarah, public_id=str(chat.public_id))
    assert joined_messages(chat) == ["Sarah joined the chat."]


def test_a_transfer_never_lands_back_on_the_agent_who_transferred(default_policy):
    general = QueueFactory(slug="general", routing=Queue.Routing.AUTO)
    billing = QueueFactory(slug="billing", name="Billing", routing=Queue.Routing.AUTO)
    sarah = AgentFactory(user__first_name="Sarah", queues=[general, billing])
    agent_available(sarah)
    previous = escalated_conversation()  # she served this customer before: a returning one
    assert status_of(previous) == ("assigned", sarah.pk)
    chat = escalated_conversation(customer=previous.customer)
    assert status_of(chat) == ("assigned", sarah.pk)

    services.conversation_transfer_to_queue(
        conversation=chat, agent=sarah, queue=billing, note="Refund question"
    )
    # She is available, has room, and is billing's only agent: it still waits for someone else.
    assert status_of(chat) == ("queued", None)
    assert sarah.pk in presence.presence_online([sarah.pk])
    services.queue_auto_assign(queue=billing)
    assert status_of(chat) == ("queued", None)

    tom = AgentFactory(user__first_name="Tom", queues=[billing])
    agent_available(tom)
    services.queue_auto_assign(queue=billing)
    assert status_of(chat) == ("assigned", tom.pk)


def test_time_to_human_is_measured_from_the_first_human_message(general):
    general.routing = Queue.Routing.MANUAL
    general.save()
    sarah = AgentFactory(user__first_name="Sarah", queues=[general])
    chat = escalated_conversation()
    escalation = Escalation.objects.get(conversation=chat)
    # The escalation happened five minutes ago; the claim is now.
    created = escalation.created - timedelta(minutes=5)
    Escalation.objects.filter(pk=escalation.pk).update(created=created)
    services.conversation_claim(agent=sarah, public_id=str(chat.public_id))

    escalation.refresh_from_db()
    assert escalation.time_to_assignment_seconds == pytest.approx(
        (escalation.assigned_at - created).total_seconds()
    )
    assert escalation.time_to_human_seconds is None  # nobody wrote yet: no time to human
    view = selectors.chat_view(agent=sarah, public_id=str(chat.public_id))
    card = render_to_string("console/_handoff_card.html", {"chat": view})
    assert "Time to assignment" in card and "Time to human" not in card

    first = services.message_post_agent(conversation=chat, agent=sarah, body="Hi, I'm Sarah.")
    services.message_post_agent(conversation=chat, agent=sarah, body="Let me look.")
    escalation.refresh_from_db()
    assert escalation.first_agent_reply_at == first.created
    assert escalation.time_to_human_seconds == (first.created - created).total_seconds()
    assert escalation.time_to_human_seconds >= 300
    view = selectors.chat_view(agent=sarah, public_id=str(chat.public_id))
    assert "Time to human" in render_to_string("console/_handoff_card.html", {"chat": view})


@pytest.mark.asyncio
async def test_chats_outlive_a_closed_console_for_the_grace_period_then_go_back(client, general):
    """A reload must not bounce the chats: they stay for the status TTL, then return."""
    sarah = await database_sync_to_async(AgentFactory)(user__first_name="Sarah", queues=[general])
    await database_sync_to_async(services.agent_presence_update)(agent=sarah, status="online")
    console = await console_socket(client, sarah)
    chat = await database_sync_to_async(escalated_conversation)()
    await receive_until(console, "Sarah joined the chat.")
    await console.disconnect()

    now = timezone.now()
    watch = database_sync_to_async(services.queue_sla_watch)
    assert (await watch(now=now))["released"] == 0
    assert await database_sync_to_async(status_of)(chat) == ("assigned", sarah.pk)
    assert (await watch(now=now + timedelta(seconds=61)))["released"] == 1
    assert await database_sync_to_async(status_of)(chat) == ("queued", None)


def test_a_chat_assigned_but_not_yet_opened_still_acknowledges_the_visitor(general):
    """Auto-assigned to an agent whose console has not shown it yet: to the visitor it is still
    waiting, so what they write is acknowledged (never silence); once "joined", it is not."""
    sarah = AgentFactory(user__first_name="Sarah", queues=[general])
    agent_available(sarah)
    chat = escalated_conversation()
    assert status_of(chat) == ("assigned", sarah.pk) and joined_messages(chat) == []

    def write(body: str) -> Message:
        return message_receive(conversation=chat, client_id=uuid.uuid4(), body=body).message

    ack = waiting_message_acknowledge(message=write("Hello? Is anyone there?"))
    assert ack is not None and ack.body == (
        "Thanks — I've added that to the notes for our support team. "
        "Someone from our team is about to join."
    )
    services.conversation_mark_opened(agent=sarah, public_id=str(chat.public_id))
    assert joined_messages(chat) == ["Sarah joined the chat."]
    assert waiting_message_acknowledge(message=write("Hi Sarah")) is None


def test_a_closed_queue_has_nobody_to_serve_it_whoever_is_online(general):
    """Outside its hours (here a closure) the estimate, the handoff text and auto-assign agree
    with the after-hours offer: nobody is there, even with an agent's console open."""
    now = timezone.now()
    QueueClosure.objects.create(
        queue=general,
        label="Staff day",
        starts=now - timedelta(hours=1),
        ends=now + timedelta(hours=1),
    )
    sarah = AgentFactory(user__first_name="Sarah", queues=[general])
    agent_available(sarah)
    chat = escalated_conversation()
    assert status_of(chat) == ("queued", None)
    assert "nobody is available right now" in chat.messages.get(metadata__event="handoff").body
    capacity = selectors.queue_capacity(general)
    assert capacity.online == 0 and capacity.wait_minutes(1) is None
    assert services.queue_auto_assign(queue=general) == 0
    # An agent working late may still take it by hand.
    services.conversation_claim(agent=sarah, public_id=str(chat.public_id))
    assert status_of(chat) == ("assigned", sarah.pk)


def test_a_transfer_away_counts_only_for_the_wait_it_happened_in(default_policy):
    general = QueueFactory(slug="general", routing=Queue.Routing.MANUAL)
    sarah = AgentFactory(user__first_name="Sarah", queues=[general])
    chat = escalated_conversation()
    services.conversation_claim(agent=sarah, public_id=str(chat.public_id))
    services.conversation_transfer_to_queue(
        conversation=chat, agent=sarah, queue=general, note="Back to the team"
    )
    chat.refresh_from_db()
    assert selectors.agents_transferred_away(chat) == {sarah.pk}
    # A later escalation of the same chat waits afresh: she may serve it again.
    Conversation.objects.filter(pk=chat.pk).update(enqueued_at=timezone.now() + timedelta(days=1))
    chat.refresh_from_db()
    assert selectors.agents_transferred_away(chat) == set()
