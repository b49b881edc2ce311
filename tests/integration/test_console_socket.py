"""The console's websocket on the real ASGI app: pushes, typing both ways, notes, access checks,
logout. Real Redis (channel layer, queue, presence) and a real database."""

from __future__ import annotations

import json

import pytest
import pytest_asyncio
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from agents import consumers, presence, services
from agents.models import AgentProfile, Queue
from chatsy import events, realtime
from chatsy.asgi import application
from conversations import services as conversation_services
from conversations.models import Conversation
from tests.factories import AgentFactory, QueueFactory, escalated_conversation
from tests.support.console_socket import console_socket, receive_until
from tests.support.lost_broadcast import message_stored_unannounced
from tests.support.presence import agent_available

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queues(default_policy):
    for slug in ("general", "billing"):
        QueueFactory(slug=slug, routing=Queue.Routing.MANUAL)


async def drain(socket, quiet: float = 1.0) -> str:
    """Everything pushed until the socket stays quiet (without timing out the consumer)."""
    pushed = []
    while not await socket.receive_nothing(timeout=quiet):
        pushed.append(await socket.receive_from())
    return "".join(pushed)


def make_agent(*slugs: str, **fields) -> AgentProfile:
    return AgentFactory(
        user__first_name="Sarah", queues=list(Queue.objects.filter(slug__in=slugs)), **fields
    )


async def test_a_new_escalation_in_their_queue_is_pushed_to_the_agent(client, queues):
    agent = await database_sync_to_async(make_agent)("general")
    socket = await console_socket(client, agent)
    chat = await database_sync_to_async(escalated_conversation)()
    html = await receive_until(socket, 'id="queue-section-general"')
    assert f'id="queue-row-{chat.public_id}"' in html
    assert "The visitor asked for a human" in html

    # A dispute goes to billing: the general-only agent hears nothing of it.
    await database_sync_to_async(escalated_conversation)("I was charged $250 twice, I dispute it")
    assert await socket.receive_nothing(timeout=1)
    await socket.disconnect()


@pytest_asyncio.fixture
async def handoff(client, queues, new_visitor):
    """A visitor asked for a human over the widget socket and Sarah took the chat."""
    agent = await database_sync_to_async(make_agent)("general")
    console = await console_socket(client, agent)
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("I want to talk to a human")
    await visitor.receive_type("status")
    conversation = await database_sync_to_async(Conversation.objects.get)()
    await database_sync_to_async(services.conversation_claim)(
        agent=agent, public_id=str(conversation.public_id)
    )
    opened = await receive_until(console, 'hx-swap-oob="beforeend:#chat-panes"')
    assert f'id="chat-{conversation.public_id}"' in opened
    assert (await visitor.receive_message_from("system"))["body"] == "Sarah joined the chat."
    assert (await visitor.receive_type("status"))["conversation"]["status"] == "assigned"
    yield agent, console, visitor, conversation
    await console.disconnect()
    await visitor.close()


async def test_messages_and_typing_flow_both_ways(handoff):
    agent, console, visitor, conversation = handoff
    public_id = str(conversation.public_id)

    await visitor.send({"type": "typing", "active": True})
    html = await receive_until(console, f'id="typing-{public_id}"')
    assert "The visitor is typing…" in html
    await visitor.say("My parcel never arrived")
    html = await receive_until(console, f'hx-swap-oob="beforeend:#messages-{public_id}"')
    assert "My parcel never arrived" in html and 'class="msg msg-customer"' in html
    assert f'id="sentiment-{public_id}"' in html  # the card's live sentiment

    await console.send_to(
        text_data=json.dumps({"type": "typing", "conversation": public_id, "active": True})
    )
    typing = await visitor.receive_type("typing")
    assert (typing["sender"], typing["name"], typing["active"]) == ("agent", "Sarah", True)

    await database_sync_to_async(services.message_post_agent)(
        conversation=conversation, agent=agent, body="Let me check that for you."
    )
    message = await visitor.receive_message_from("agent")
    assert (message["sender_name"], message["body"]) == ("Sarah", "Let me check that for you.")
    html = await receive_until(console, "Let me check that for you.")
    assert 'class="msg msg-agent"' in html


async def test_internal_notes_reach_agents_and_never_the_visitor(handoff):
    agent, console, visitor, conversation = handoff
    await database_sync_to_async(services.note_create)(
        conversation=conversation, agent=agent, body="Customer is a journalist, be careful"
    )
    html = await receive_until(console, "Customer is a journalist")
    assert 'class="msg msg-note"' in html
    assert await visitor.socket.receive_nothing(timeout=1)
    history = await database_sync_to_async(conversation_services.selectors.messages_after)(
        conversation=conversation, after_seq=0
    )
    assert all("journalist" not in m.body for m in history)


async def test_typing_for_a_chat_the_agent_does_not_hold_goes_nowhere(client, queues, new_visitor):
    intruder = await database_sync_to_async(make_agent)("general")
    console = await console_socket(client, intruder)
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("I want to talk to a human")
    await visitor.receive_type("status")
    conversation = await database_sync_to_async(Conversation.objects.get)()
    for frame in (
        {"type": "typing", "conversation": str(conversation.public_id), "active": True},
        {"type": "typing", "conversation": "not-a-uuid", "active": True},
        {"type": "message", "body": "hi"},
    ):
        await console.send_to(text_data=json.dumps(frame))
    await console.send_to(text_data="not json")
    await visitor.receive_type("queue")
    assert await visitor.socket.receive_nothing(timeout=1)
    await console.disconnect()
    await visitor.close()


async def test_a_chat_that_leaves_the_agent_stops_reaching_their_console(handoff):
    agent, console, visitor, conversation = handoff
    colleague = await database_sync_to_async(make_agent)("general")
    await database_sync_to_async(agent_available)(colleague)
    await database_sync_to_async(services.conversation_transfer_to_agent)(
        conversation=conversation, agent=agent, target=colleague, note="VIP, be nice"
    )
    closed = await receive_until(console, "data-remove=")
    assert f'data-remove="tab-{conversation.public_id} chat-{conversation.public_id}"' in closed
    await visitor.say("Hello? Who am I talking to?")
    assert "Who am I talking to?" not in await drain(console)  # no longer Sarah's chat


async def test_resolving_closes_the_chat_in_the_console_and_asks_the_visitor_to_rate(handoff):
    agent, console, visitor, conversation = handoff
    await database_sync_to_async(services.conversation_resolve)(
        conversation=conversation,
        agent=agent,
        outcome="resolved",
        appropriate=True,
        handoff_quality=4,
    )
    closed = await receive_until(console, "data-remove=")
    assert f'data-remove="tab-{conversation.public_id} chat-{conversation.public_id}"' in closed
    request = await visitor.receive_type("csat_request")
    assert request["text"] == "How did Sarah do? Rate this chat."


async def test_the_llm_summary_replaces_the_extractive_one_live(handoff):
    agent, console, visitor, conversation = handoff
    escalation = await database_sync_to_async(conversation.escalations.get)()
    await database_sync_to_async(type(escalation).objects.filter(pk=escalation.pk).update)(
        summary="Customer wants a person; no order given yet.", summary_source="llm"
    )
    await realtime.group_send_async(
        realtime.conversation_group(conversation.public_id),
        events.escalation_summary_updated(escalation_id=escalation.pk),
    )
    html = await receive_until(console, f'id="summary-{conversation.public_id}"')
    assert "Customer wants a person; no order given yet." in html and ">LLM<" in html
    # The visitor's socket ignores the card's event, and so do both for bot streams.
    await realtime.group_send_async(
        realtime.conversation_group(conversation.public_id),
        events.stream_end(stream_id="x"),
    )
    await visitor.say("still there?")
    await receive_until(console, "still there?")


async def test_logging_out_closes_every_console_socket_of_that_user(client, queues):
    agent = await database_sync_to_async(make_agent)("general")
    await database_sync_to_async(presence.presence_set)(agent.pk, "online")
    first = await console_socket(client, agent)
    second = await console_socket(client, agent)
    await database_sync_to_async(client.post)("/console/logout/")
    for socket in (first, second):
        # 4401 from the logout event; 4012 (reconnect, re-authenticate) when a heartbeat finds
        # the session gone before the event arrives: the reconnect is refused either way.
        output = await socket.receive_output(timeout=5)
        assert output["type"] == "websocket.close" and output["code"] in (4401, 4012)
    refused = WebsocketCommunicator(application, "/ws/console/", headers=first.scope["headers"])
    assert await refused.connect() == (False, 4403)
    assert await database_sync_to_async(presence.presence_get)(agent.pk) == "offline"


async def test_an_agent_removed_from_a_queue_stops_seeing_it(client, queues):
    agent = await database_sync_to_async(make_agent)("general")
    socket = await console_socket(client, agent)
    await database_sync_to_async(agent.queues.clear)()
    chat = await database_sync_to_async(escalated_conversation)()
    html = await receive_until(socket, 'id="queue-summary"')
    assert f"queue-row-{chat.public_id}" not in html
    assert '<section id="queue-section-general" hx-swap-oob="delete">' in html
    await socket.disconnect()


async def test_an_open_console_keeps_the_agent_s_presence_alive(client, queues):
    import time

    agent = await database_sync_to_async(make_agent)("general")
    await database_sync_to_async(presence.presence_set)(agent.pk, "online", now=time.time() - 50)
    in_40_s = time.time() + 40  # 90 s after the last beat: expired, unless the console beat
    socket = await console_socket(client, agent)
    await socket.receive_nothing(timeout=0.3)
    assert await database_sync_to_async(presence.presence_expired)(now=in_40_s) == []
    assert await database_sync_to_async(presence.presence_get)(agent.pk) == "online"
    await socket.disconnect()


async def test_the_heartbeat_never_brings_an_offline_agent_back(client, queues):
    agent = await database_sync_to_async(make_agent)("general")
    socket = await console_socket(client, agent)
    await socket.receive_nothing(timeout=0.3)
    assert await database_sync_to_async(presence.presence_get)(agent.pk) == "offline"
    await socket.disconnect()


async def test_a_ping_is_answered_with_a_pong(client, queues):
    """console.js measures its socket with pings (docs/console.md, "Connection")."""
    agent = await database_sync_to_async(make_agent)("general")
    console = await console_socket(client, agent)
    await drain(console, quiet=0.3)
    await console.send_to(text_data='{"type":"ping"}')
    assert await console.receive_from(timeout=5) == '{"type":"pong"}'
    await console.send_to(text_data='{"type":"ping", "extra": 1}')  # not the ping frame
    assert await console.receive_nothing(timeout=0.3)
    await console.disconnect()


async def test_a_reconnected_page_gets_the_chats_it_does_not_show(client, queues):
    """console.js lists the chats it shows after each (re)connect; the socket pushes the tab and
    pane of every chat the agent holds that is missing from the list, and nothing else."""
    agent = await database_sync_to_async(make_agent)("general")
    shown, missing = [await database_sync_to_async(escalated_conversation)() for _ in range(2)]
    for chat in (shown, missing):
        await database_sync_to_async(services.conversation_claim)(
            agent=agent, public_id=str(chat.public_id)
        )
    console = await console_socket(client, agent)
    await drain(console, quiet=0.5)
    await console.send_to(text_data=json.dumps({"type": "shown", "chats": [str(shown.public_id)]}))
    pushed = await receive_until(console, 'hx-swap-oob="beforeend:#chat-panes"')
    assert f'id="chat-{missing.public_id}"' in pushed
    assert f'id="chat-{shown.public_id}"' not in pushed
    everything = [str(shown.public_id), str(missing.public_id)]
    await console.send_to(text_data=json.dumps({"type": "shown", "chats": everything}))
    assert await console.receive_nothing(timeout=0.5)
    await console.disconnect()


async def test_a_page_behind_the_database_is_told_to_resync(client, queues, monkeypatch):
    """console.js reports its open chats' latest seqs every few pings: a chat the database holds
    more of (a broadcast lost with nothing after it) gets `resync`; an up-to-date page, a chat
    the agent does not hold and a malformed frame get nothing; the database is read at most
    once per PAGE_SEQS_SECONDS."""
    agent = await database_sync_to_async(make_agent)("general")
    held, other = [await database_sync_to_async(escalated_conversation)() for _ in range(2)]
    await database_sync_to_async(services.conversation_claim)(
        agent=agent, public_id=str(held.public_id)
    )
    await database_sync_to_async(held.refresh_from_db)()
    await database_sync_to_async(other.refresh_from_db)()
    console = await console_socket(client, agent)
    await drain(console, quiet=0.5)

    def seqs(chats: dict[str, int]) -> str:
        return json.dumps({"type": "seqs", "chats": chats})

    monkeypatch.setattr(consumers, "PAGE_SEQS_SECONDS", 0.0)
    up_to_date = {str(held.public_id): held.last_seq, str(other.public_id): 0}
    await console.send_to(text_data=seqs(up_to_date))  # `other` is behind, and not theirs
    assert await console.receive_nothing(timeout=0.5)
    await console.send_to(text_data='{"type": "seqs", "chats": ["not", "a", "map"]}')
    assert await console.receive_nothing(timeout=0.3)

    await database_sync_to_async(message_stored_unannounced)(held, "Still there?", "customer")
    assert await console.receive_nothing(timeout=0.3)  # no broadcast of it
    await console.send_to(text_data=seqs(up_to_date))
    assert json.loads(await console.receive_from(timeout=5)) == {"type": "resync"}

    monkeypatch.setattr(consumers, "PAGE_SEQS_SECONDS", 60.0)  # the last read was just now
    await console.send_to(text_data=seqs(up_to_date))
    assert await console.receive_nothing(timeout=0.5)
    await console.disconnect()
