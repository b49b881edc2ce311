"""The widget's websocket on the real ASGI app and a real Redis (docs/widget-protocol.md)."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from channels.db import database_sync_to_async

from conversations import consumers
from conversations.models import Conversation, Message
from tests.support.lost_broadcast import message_stored_unannounced

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def stored_bodies(**filters) -> list[tuple[int, str, str]]:
    rows = Message.objects.filter(**filters).order_by("conversation_id", "seq")
    return await database_sync_to_async(lambda: [(m.seq, m.sender, m.body) for m in rows])()


async def test_visitor_authenticates_sends_and_gets_a_bot_answer(new_visitor):
    visitor = await new_visitor()
    ready = await visitor.connect()
    assert ready["type"] == "ready"
    assert ready["conversation"]["status"] == "bot"
    assert ready["site"]["name"] == "Test Shop"
    assert "token" not in json.dumps(ready)

    ack = await visitor.say("How long does shipping take?")
    assert ack["seq"] == 1 and ack["duplicate"] is False
    echo = await visitor.receive_message_from("customer")
    assert echo["body"] == "How long does shipping take?"
    answer = await visitor.receive_message_from("bot")
    assert answer["seq"] == 2
    assert "business days" in answer["body"]
    assert 0.0 <= answer["meta"]["confidence"] <= 1.0
    assert await stored_bodies() == [
        (1, "customer", "How long does shipping take?"),
        (2, "bot", answer["body"]),
    ]
    await visitor.close()


async def test_a_retried_client_id_is_stored_once(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    client_id = str(uuid.uuid4())
    first = await visitor.say("How long does shipping take?", client_id)
    second = await visitor.say("How long does shipping take?", client_id)
    assert (first["seq"], first["duplicate"]) == (1, False)
    assert (second["seq"], second["duplicate"]) == (1, True)
    await visitor.receive_message_from("bot")
    customer_rows = [row for row in await stored_bodies() if row[1] == "customer"]
    assert customer_rows == [(1, "customer", "How long does shipping take?")]
    await visitor.close()


async def test_resync_returns_exactly_the_missed_messages_in_order(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")
    await visitor.receive_message_from("bot")
    await visitor.close()

    # While this visitor is away, two more messages are stored by another tab.
    other_tab = type(visitor)(visitor.token, visitor.site_key)
    await other_tab.connect()
    await other_tab.say("How do I reset my password?")
    await other_tab.receive_message_from("bot")
    await other_tab.close()

    back = type(visitor)(visitor.token, visitor.site_key)
    ready = await back.connect()
    assert ready["last_seq"] == 4
    await back.send({"type": "resync", "after_seq": 2})
    history = await back.receive_type("history")
    assert [(m["seq"], m["sender"]) for m in history["messages"]] == [(3, "customer"), (4, "bot")]
    assert history["messages"][0]["body"] == "How do I reset my password?"
    assert history["last_seq"] == 4
    await back.close()


async def test_a_visitor_cannot_read_or_post_into_another_visitors_conversation(new_visitor):
    alice, bob = await new_visitor(), await new_visitor()
    alice_ready, bob_ready = await alice.connect(), await bob.connect()
    assert alice_ready["conversation"]["id"] != bob_ready["conversation"]["id"]

    await alice.say("Order 12345: how long does shipping take?")
    await alice.receive_message_from("bot")
    assert await bob.socket.receive_nothing(timeout=0.5)

    await bob.send({"type": "resync", "after_seq": 0})
    assert (await bob.receive_type("history"))["messages"] == []
    await bob.say("hello")
    await bob.receive_message_from("bot")
    alice_conv = await database_sync_to_async(Conversation.objects.get)(
        public_id=alice_ready["conversation"]["id"]
    )
    assert [
        row[2] for row in await stored_bodies(conversation=alice_conv) if row[1] == "customer"
    ] == ["Order 12345: how long does shipping take?"]
    await alice.close()
    await bob.close()


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda token, key: (token[:-3] + "abc", key), id="tampered"),
        pytest.param(lambda token, key: ("not-a-token", key), id="garbage"),
        pytest.param(lambda token, key: (token, "another-site"), id="wrong-site"),
    ],
)
async def test_bad_tokens_are_refused_and_closed(new_visitor, mangle):
    visitor = await new_visitor()
    visitor.token, visitor.site_key = mangle(visitor.token, visitor.site_key)
    error = await visitor.connect()
    assert error == {
        "type": "error",
        "code": "auth_failed",
        "message": "This chat session is not valid.",
    }
    assert (await visitor.socket.receive_output(timeout=2))["code"] == 4401


async def test_a_frame_before_auth_is_refused(new_visitor):
    visitor = await new_visitor()
    await visitor.socket.connect()
    await visitor.send({"type": "message", "client_id": str(uuid.uuid4()), "body": "hi"})
    assert (await visitor.receive())["code"] == "auth_required"
    assert (await visitor.socket.receive_output(timeout=2))["code"] == 4400
    assert await stored_bodies() == []


async def test_an_origin_the_site_does_not_allow_is_refused(new_visitor):
    refused = await new_visitor(origin="https://evil.example.net")
    assert (await refused.connect())["code"] == "auth_failed"
    allowed = await new_visitor(origin="https://shop.example.com")
    assert (await allowed.connect())["type"] == "ready"
    await allowed.close()


async def test_an_idle_socket_survives_twelve_seconds_and_still_receives(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await asyncio.sleep(12)
    ack = await visitor.say("How long does shipping take?")
    assert ack["seq"] == 1
    assert "business days" in (await visitor.receive_message_from("bot"))["body"]
    await visitor.close()


async def test_after_a_pong_a_message_whose_broadcast_was_lost_is_announced(new_visitor):
    """A message stored with no broadcast and nothing after it (its process died between the
    commit and the publish): no gap ever shows it; after the next pong a `seq` frame does."""
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")
    answer = await visitor.receive_message_from("bot")
    conversation = await database_sync_to_async(Conversation.objects.get)()
    lost = await database_sync_to_async(message_stored_unannounced)(conversation, "Stored, lost")
    assert await visitor.socket.receive_nothing(timeout=0.3)  # no broadcast of it

    await visitor.send({"type": "ping"})
    assert await visitor.receive() == {"type": "pong"}  # at once, before any database read
    assert await visitor.receive() == {"type": "seq", "last_seq": lost.seq}
    await visitor.send({"type": "resync", "after_seq": answer["seq"]})
    history = await visitor.receive_type("history")
    assert [m["body"] for m in history["messages"]] == ["Stored, lost"]
    await visitor.close()


async def test_a_socket_that_told_everything_gets_no_seq_frame_and_pings_read_once_a_window(
    new_visitor, monkeypatch
):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")
    await visitor.receive_message_from("bot")
    conversation = await database_sync_to_async(Conversation.objects.get)()
    await visitor.send({"type": "ping"})
    assert await visitor.receive() == {"type": "pong"}
    assert await visitor.socket.receive_nothing(timeout=0.3)  # it told the widget of every seq

    lost = await database_sync_to_async(message_stored_unannounced)(conversation, "Stored, lost")
    await visitor.send({"type": "ping"})  # within the window: no read, so no `seq` yet
    assert await visitor.receive() == {"type": "pong"}
    assert await visitor.socket.receive_nothing(timeout=0.3)
    monkeypatch.setattr(consumers, "PONG_SEQ_SECONDS", 0.0)
    await visitor.send({"type": "ping"})
    assert await visitor.receive() == {"type": "pong"}
    assert await visitor.receive() == {"type": "seq", "last_seq": lost.seq}
    await visitor.send({"type": "ping"})  # said once
    assert await visitor.receive() == {"type": "pong"}
    assert await visitor.socket.receive_nothing(timeout=0.3)
    await visitor.close()


async def test_an_oversized_message_is_refused_and_nothing_is_stored(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    client_id = str(uuid.uuid4())
    await visitor.send({"type": "message", "client_id": client_id, "body": "x" * 4001})
    error = await visitor.receive()
    assert (error["code"], error["client_id"]) == ("message_too_long", client_id)
    await visitor.send({"type": "ping"})
    assert (await visitor.receive())["type"] == "pong"
    assert await stored_bodies() == []
    await visitor.close()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "bad_json"),
        ("[1, 2]", "bad_json"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"body": "no type"}', "unknown_type"),
        ('{"type": "message", "body": "no id"}', "invalid_frame"),
        ('{"type": "resync", "after_seq": -1}', "invalid_frame"),
        (
            '{"type": "message", "client_id": "' + str(uuid.uuid4()) + '", "body": "   "}',
            "empty_message",
        ),
    ],
)
async def test_malformed_frames_get_an_error_and_the_socket_stays_open(new_visitor, raw, code):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.socket.send_to(text_data=raw)
    assert (await visitor.receive())["code"] == code
    await visitor.send({"type": "ping"})
    assert (await visitor.receive())["type"] == "pong"
    assert await stored_bodies() == []
    await visitor.close()


async def test_repeated_violations_close_the_socket_with_4400(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    for _ in range(10):
        await visitor.socket.send_to(text_data="{oops")
        assert (await visitor.receive())["code"] == "bad_json"
    assert (await visitor.socket.receive_output(timeout=2))["code"] == 4400


async def test_a_binary_frame_closes_the_socket_with_4415(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.socket.send_to(bytes_data=b"\x00\x01binary")
    assert (await visitor.receive())["code"] == "binary_not_supported"
    assert (await visitor.socket.receive_output(timeout=2))["code"] == 4415
