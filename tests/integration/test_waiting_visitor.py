"""While a visitor waits for a person (issue 13): their place is part of the conversation's
state (the `ready` frame after a reload), each message they write is acknowledged once and
reaches the agent's handoff card, and they can cancel and go back to the bot.

The widget's socket on the real ASGI app, real Redis (waiting line, channel layer), real
database.
"""

from __future__ import annotations

import uuid

import pytest
from channels.db import database_sync_to_async
from django.template.loader import render_to_string

from agents import selectors, services
from agents.models import Queue
from agents.waiting_queue import waiting_line
from chatsy import events, realtime
from conversations.models import Conversation, Message
from escalation import copy
from tests.factories import AgentFactory, QueueFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def general(default_policy) -> Queue:
    return QueueFactory(slug="general", name="General support", routing=Queue.Routing.MANUAL)


async def waiting_visitor(new_visitor):
    """A visitor who asked for a person and is now first in line."""
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("I want to talk to a human")
    await visitor.receive_message_from("system")  # the handoff
    assert (await visitor.receive_type("status"))["conversation"]["status"] == "queued"
    await visitor.receive_type("queue")
    return visitor


@database_sync_to_async
def conversation() -> Conversation:
    return Conversation.objects.get()


@database_sync_to_async
def system_events() -> list[str]:
    return [
        m.metadata.get("event", "")
        for m in Message.objects.filter(sender=Message.Sender.SYSTEM).order_by("seq")
    ]


async def test_the_place_in_line_is_in_the_ready_frame_after_a_reload(new_visitor, general):
    visitor = await waiting_visitor(new_visitor)
    await visitor.close()

    again = type(visitor)(visitor.token, visitor.site_key)  # the same browser, reloaded
    ready = await again.connect()
    assert ready["type"] == "ready" and ready["conversation"]["status"] == "queued"
    assert ready["queue"]["position"] == 1
    # Nobody is available to serve the queue: no number, and the widget says so.
    assert ready["queue"]["wait_minutes"] is None
    assert ready["queue"]["text"].startswith("You're next in line. Nobody from our team is")
    await again.close()


async def test_a_layer_resync_sends_the_waiting_visitor_their_place_again(new_visitor, general):
    visitor = await waiting_visitor(new_visitor)
    chat = await conversation()
    await realtime.group_send_async(
        realtime.conversation_group(chat.public_id), events.layer_resync()
    )
    assert (await visitor.receive())["type"] == "resync"
    place = await visitor.receive()
    assert (place["type"], place["position"]) == ("queue", 1)
    await visitor.close()


async def test_a_conversation_with_the_bot_has_no_queue_in_its_ready_frame(new_visitor, general):
    visitor = await new_visitor()
    ready = await visitor.connect()
    assert ready["conversation"]["status"] == "bot" and ready["queue"] is None
    await visitor.close()


async def test_each_message_while_waiting_is_acknowledged_once_and_shown_on_the_card(
    new_visitor, general
):
    visitor = await waiting_visitor(new_visitor)
    client_id = str(uuid.uuid4())
    first = await visitor.say("My order number is #48213", client_id=client_id)
    ack = await visitor.receive_message_from("system")
    assert ack["body"] == (
        "Thanks — I've added that to the notes for our support team. You're next in line. "
        "Nobody from our team is available right now: leave your email under "
        "“Other ways to reach us” and we'll follow up."
    )
    retried = await visitor.say("My order number is #48213", client_id=client_id)  # a retry
    assert retried["duplicate"] and retried["seq"] == first["seq"]
    await visitor.say("It was a blue jacket")
    second_ack = await visitor.receive_message_from("system")
    assert second_ack["body"].startswith("Thanks — I've added that to the notes")
    assert await system_events() == ["handoff", "waiting_ack", "waiting_ack"]

    @database_sync_to_async
    def card() -> str:
        sarah = AgentFactory(user__first_name="Sarah", queues=[general])
        chat = Conversation.objects.get()
        services.conversation_claim(agent=sarah, public_id=str(chat.public_id))
        view = selectors.chat_view(agent=sarah, public_id=str(chat.public_id))
        return render_to_string("console/_handoff_card.html", {"chat": view})

    html = await card()
    assert "Visitor's note" in html and "#48213" in html
    assert "Added while waiting" in html and "It was a blue jacket" in html
    await visitor.close()


async def test_cancelling_the_wait_goes_back_to_the_bot_and_out_of_the_line(new_visitor, general):
    visitor = await waiting_visitor(new_visitor)
    chat = await conversation()
    assert await database_sync_to_async(waiting_line().position)(str(chat.public_id)) == 1
    behind = await new_visitor()
    await behind.connect()
    await behind.say("Can I talk to a person?")
    assert (await behind.receive_type("queue"))["position"] == 2

    await visitor.send({"type": "cancel_wait"})
    said = await visitor.receive_message_from("system")
    assert said["body"] == copy.WAIT_CANCELLED
    assert (await visitor.receive_type("status"))["conversation"]["status"] == "bot"
    chat = await database_sync_to_async(Conversation.objects.get)(pk=chat.pk)
    assert (chat.status, chat.enqueued_at) == ("bot", None)
    assert await database_sync_to_async(waiting_line().position)(str(chat.public_id)) is None
    assert (await system_events())[-1] == "wait_cancelled"

    # Nothing to cancel any more: a clear error, nothing written.
    await visitor.send({"type": "cancel_wait"})
    error = await visitor.receive_type("error")
    assert error["code"] == "not_waiting"
    assert (await system_events())[-1] == "wait_cancelled"

    # The one behind moves up at once.
    assert (await behind.receive_type("queue"))["position"] == 1

    # The bot answers again.
    await visitor.say("How long does shipping take?")
    answer = await visitor.receive_message_from("bot", timeout=10)
    assert "business days" in answer["body"]
    for socket in (visitor, behind):
        await socket.close()
