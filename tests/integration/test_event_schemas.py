"""Every event a whole chat sends over the channel layer matches its schema (chatsy/events.py),
Zulip-style: the real layer is wrapped; a visitor's question streams a bot answer over the real
OpenAI client until the stream breaks off; the visitor asks for a human; an agent claims, types,
writes, notes and resolves, then goes away and logs out. Each event sent is checked, and an
event of an unknown type fails."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from agents import services
from agents.models import AgentProfile, Queue
from conversations.models import Conversation
from tests.factories import AgentFactory, QueueFactory
from tests.support.console_socket import console_socket, receive_until
from tests.support.event_schema import check_event
from tests.support.fake_openai import FakeOpenAI, stream_cut

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch, redis_url: str) -> list[dict[str, Any]]:
    """Every message handed to the channel layer's group_send, in order."""
    layer = get_channel_layer()
    original = layer.group_send
    recorded: list[dict[str, Any]] = []

    async def recording(group: str, message: dict[str, Any]) -> None:
        recorded.append(message)
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", recording)
    return recorded


@pytest.fixture
def llm(settings) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        settings.OPENAI_API_KEY = "test-key"
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_MODEL = "fake-model"
        yield fake


def agent_in_general() -> AgentProfile:
    queue = QueueFactory(slug="general", routing=Queue.Routing.MANUAL)
    return AgentFactory(user__first_name="Sarah", queues=[queue], is_supervisor=True)


async def test_every_event_of_a_whole_chat_matches_its_schema(client, new_visitor, llm, sent):
    llm.enqueue(stream_cut(after_chunks=5))  # streams, then falls back to the offline answer
    agent = await database_sync_to_async(agent_in_general)()
    console = await console_socket(client, agent)
    visitor = await new_visitor()
    await visitor.connect()

    await visitor.send({"type": "typing", "active": True})
    await visitor.say("How long does shipping take?")
    await visitor.receive_type("stream_end")
    assert "shipping" in (await visitor.receive_message_from("bot"))["body"]

    await visitor.say("I want to talk to a human")
    assert (await visitor.receive_type("status"))["conversation"]["status"] == "queued"
    await visitor.receive_type("queue")
    conversation = await database_sync_to_async(Conversation.objects.get)()
    public_id = str(conversation.public_id)
    await database_sync_to_async(services.conversation_claim)(agent=agent, public_id=public_id)
    await receive_until(console, f'id="chat-{public_id}"')
    assert (await visitor.receive_type("status"))["conversation"]["status"] == "assigned"

    await console.send_to(
        text_data=json.dumps({"type": "typing", "conversation": public_id, "active": True})
    )
    assert (await visitor.receive_type("typing"))["sender"] == "agent"
    await database_sync_to_async(services.message_post_agent)(
        conversation=conversation, agent=agent, body="Let me check that for you."
    )
    await database_sync_to_async(services.note_create)(
        conversation=conversation, agent=agent, body="Asked twice about shipping"
    )
    await receive_until(console, "Asked twice about shipping")
    assert (await visitor.receive_message_from("agent"))["body"] == "Let me check that for you."
    await database_sync_to_async(services.conversation_resolve)(
        conversation=conversation,
        agent=agent,
        outcome="resolved",
        appropriate=True,
        handoff_quality=4,
    )
    await visitor.receive_type("csat_request")
    await database_sync_to_async(services.agent_presence_update)(agent=agent, status="away")
    await database_sync_to_async(client.logout)()
    while (await console.receive_output(timeout=5))["type"] != "websocket.close":
        pass  # the last pushes (presence, the queue) before the logout closes the socket
    await visitor.close()

    for event in sent:
        check_event(event)
    assert {event["type"] for event in sent} >= {
        "typing.changed",
        "message.created",
        "stream.delta",
        "stream.end",
        "conversation.status",
        "conversation.updated",
        "queue.position",
        "queue.changed",
        "escalation.summary_updated",
        "chat.opened",
        "note.created",
        "csat.requested",
        "chat.closed",
        "supervisor.refresh",
        "presence.changed",
        "session.logout",
    }
    senders = {e["sender"] for e in sent if e["type"] == "typing.changed"}
    assert senders == {"customer", "bot", "agent"}


async def test_an_event_of_no_known_type_fails_the_check(sent, redis_url):
    from chatsy import realtime

    await realtime.group_send_async("nobody", {"type": "message.deleted"})  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="unknown event type 'message.deleted'"):
        check_event(sent[-1])
