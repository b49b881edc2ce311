"""Budgets on everything an anonymous visitor can do (issue 12), on the real ASGI app and a real
Redis: nothing one visitor or one address sends can flood an agent's console or the server."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from chatsy import realtime
from conversations.models import Conversation, Message
from escalation import copy
from escalation.models import Escalation

pytestmark = pytest.mark.django_db(transaction=True)


def addressed(visitor: Any, address: str, forwarded_for: str | None = None) -> Any:
    """The socket comes from `address` (the ASGI scope's client), optionally through a proxy
    that says X-Forwarded-For."""
    visitor.socket.scope["client"] = (address, 50123)
    if forwarded_for is not None:
        visitor.socket.scope["headers"].append((b"x-forwarded-for", forwarded_for.encode()))
    return visitor


async def outputs_until_close(visitor: Any, limit: int = 5000) -> tuple[list[dict], int]:
    """Every frame the server sent this socket, in order, and the close code that ended them.
    Bounded: a socket that is never closed fails the test by timing out."""
    frames: list[dict] = []
    for _ in range(limit):
        output = await visitor.socket.receive_output(timeout=10)
        if output["type"] == "websocket.close":
            return frames, output["code"]
        frames.append(json.loads(output["text"]))
    raise AssertionError(f"still open after {limit} frames")


async def customer_messages() -> int:
    return await database_sync_to_async(
        Message.objects.filter(sender=Message.Sender.CUSTOMER).count
    )()


@pytest.mark.asyncio
async def test_ten_sockets_on_one_token_share_the_message_budget(new_visitor, settings):
    settings.CHATSY_RATE_LIMIT_MESSAGES = 20
    settings.CHATSY_RATE_LIMIT_WINDOW_SECONDS = 600  # one window for the whole test
    first = await new_visitor()
    sockets = [first] + [type(first)(first.token, first.site_key) for _ in range(9)]
    for socket in sockets:
        assert (await socket.connect())["type"] == "ready"

    async def send_five(socket: Any) -> list[dict[str, Any]]:
        """Five messages, then the answer to each: an ack or an error naming it."""
        ids = [str(uuid.uuid4()) for _ in range(5)]
        for client_id in ids:
            await socket.send({"type": "message", "client_id": client_id, "body": "Hi there"})
        answers: list[dict[str, Any]] = []
        while len(answers) < len(ids):
            frame = await socket.receive()
            if frame["type"] in ("ack", "error") and frame.get("client_id") in ids:
                answers.append(frame)
        return answers

    answers = [a for batch in await asyncio.gather(*map(send_five, sockets)) for a in batch]
    acks = [a for a in answers if a["type"] == "ack"]
    refused = [a for a in answers if a["type"] == "error"]
    assert len(acks) == 20 and await customer_messages() == 20
    assert len(refused) == 30
    assert {(e["code"], e["retry_after"] > 0) for e in refused} == {("rate_limited", True)}
    for socket in sockets:
        await socket.close()


@pytest.mark.asyncio
async def test_visitors_behind_one_address_share_its_budget_and_others_do_not(
    new_visitor, settings
):
    settings.CHATSY_BUDGETS = {**settings.CHATSY_BUDGETS, "message": (None, "4/600")}
    alice = addressed(await new_visitor(), "198.51.100.7")
    bob = addressed(await new_visitor(), "198.51.100.7")
    carol = addressed(await new_visitor(), "203.0.113.9")
    for visitor in (alice, bob, carol):
        await visitor.connect()
    codes = []
    for visitor in (alice, bob, alice, bob, alice, bob):
        await visitor.send({"type": "message", "client_id": str(uuid.uuid4()), "body": "Hello"})
        codes.append((await visitor.receive_type("ack" if len(codes) < 4 else "error"))["type"])
    assert codes == ["ack"] * 4 + ["error"] * 2
    assert (await carol.say("Hello from elsewhere"))["duplicate"] is False
    assert await customer_messages() == 5
    for visitor in (alice, bob, carol):
        await visitor.close()


async def typing_pushes(public_id: str) -> tuple[Any, str]:
    """Listen on the conversation's group, where the agent's console hears the visitor type."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(realtime.conversation_group(public_id), channel)
    return layer, channel


@pytest.mark.asyncio
async def test_a_typing_flood_reaches_the_console_about_once_a_second(new_visitor, settings):
    settings.CHATSY_BUDGETS = {**settings.CHATSY_BUDGETS, "typing": ("100000/10", "")}
    visitor = await new_visitor()
    ready = await visitor.connect()
    layer, channel = await typing_pushes(ready["conversation"]["id"])
    started = time.monotonic()
    for _ in range(3000):
        await visitor.send({"type": "typing", "active": True})
    await visitor.send({"type": "typing", "active": False})  # stopped: this state must arrive

    pushes = []
    while not pushes or pushes[-1]["active"] is not False:
        event = await asyncio.wait_for(layer.receive(channel), timeout=10)
        if event["type"] == "typing.changed":
            pushes.append(event)
    elapsed = time.monotonic() - started
    while True:  # nothing more follows the last state
        try:
            event = await asyncio.wait_for(layer.receive(channel), timeout=1.5)
        except TimeoutError:
            break
        if event["type"] == "typing.changed":
            pushes.append(event)
    # One at once, then at most one per second of the flood, the last one the final state.
    assert 2 <= len(pushes) <= 2 + elapsed / settings.CHATSY_TYPING_PUSH_SECONDS
    assert pushes[-1]["active"] is False
    await visitor.close()


@pytest.mark.asyncio
async def test_a_typing_flood_beyond_its_budget_is_refused_then_closed_4429(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    for _ in range(300):
        await visitor.send({"type": "typing", "active": True})
    frames, code = await outputs_until_close(visitor)
    errors = [f for f in frames if f["type"] == "error"]
    assert code == 4429
    assert len(errors) == 6  # CHATSY_BUDGET_STRIKES (5) friendly ones, then the close
    assert {(e["code"], e["retry_after"] >= 1) for e in errors} == {("rate_limited", True)}


@pytest.mark.asyncio
async def test_a_resync_flood_on_an_unread_socket_is_refused_and_answers_stay_few(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")
    await visitor.receive_message_from("bot")
    for _ in range(1500):  # never reading what comes back
        await visitor.send({"type": "resync", "after_seq": 0})
    frames, code = await outputs_until_close(visitor)
    histories = [f for f in frames if f["type"] == "history"]
    assert code == 4429
    assert len(histories) == 10  # CHATSY_BUDGETS["resync"]: 10 per 10 s
    assert len(frames) <= 10 + 6 + 2  # the histories, the errors, stray broadcasts


@pytest.mark.asyncio
async def test_a_socket_that_never_authenticates_is_closed_at_the_deadline(new_visitor, settings):
    settings.CHATSY_AUTH_DEADLINE_SECONDS = 0.3
    visitor = await new_visitor()
    connected, _ = await visitor.socket.connect()
    assert connected
    frames, code = await outputs_until_close(visitor)
    assert code == 4408
    assert [f["code"] for f in frames] == ["auth_timeout"]


@pytest.mark.asyncio
async def test_unauthenticated_sockets_per_address_are_capped(new_visitor, settings):
    settings.CHATSY_UNAUTHENTICATED_SOCKETS_PER_ADDRESS = 3
    idle = [addressed(await new_visitor(), "198.51.100.20") for _ in range(3)]
    for visitor in idle:
        assert (await visitor.socket.connect())[0]

    one_too_many = addressed(await new_visitor(), "198.51.100.20")
    assert (await one_too_many.socket.connect())[0]
    frames, code = await outputs_until_close(one_too_many)
    assert code == 4429 and [f["code"] for f in frames] == ["rate_limited"]

    elsewhere = addressed(await new_visitor(), "203.0.113.50")
    assert (await elsewhere.connect())["type"] == "ready"

    # Authenticating gives the place back.
    await idle[0].send({"type": "auth", "token": idle[0].token, "site_key": idle[0].site_key})
    assert (await idle[0].receive())["type"] == "ready"
    now_fits = addressed(await new_visitor(), "198.51.100.20")
    assert (await now_fits.connect())["type"] == "ready"
    for visitor in [*idle, elsewhere, now_fits]:
        await visitor.close()


@pytest.mark.asyncio
async def test_new_sockets_per_address_are_budgeted(new_visitor, settings):
    settings.CHATSY_BUDGETS = {**settings.CHATSY_BUDGETS, "socket": ("", "2/600")}
    first, second, third = [addressed(await new_visitor(), "198.51.100.30") for _ in range(3)]
    assert (await first.connect())["type"] == "ready"
    assert (await second.connect())["type"] == "ready"
    assert (await third.socket.connect())[0]
    frames, code = await outputs_until_close(third)
    assert code == 4429 and frames[0]["code"] == "rate_limited"
    await first.close()
    await second.close()


@pytest.mark.asyncio
async def test_a_token_reconnecting_in_a_loop_is_refused_before_its_database_hop(
    new_visitor, settings
):
    settings.CHATSY_BUDGETS = {**settings.CHATSY_BUDGETS, "auth": ("2/600", "")}
    first = await new_visitor()
    second = type(first)(first.token, first.site_key)
    assert (await first.connect())["type"] == "ready"
    assert (await second.connect())["type"] == "ready"
    third = type(first)(first.token, first.site_key)
    refused = await third.connect()
    assert (refused["code"], refused["retry_after"] >= 1) == ("rate_limited", True)
    assert (await third.socket.receive_output(timeout=5))["code"] == 4429
    await first.close()
    await second.close()


@pytest.mark.asyncio
async def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(new_visitor, settings):
    """Two visitors behind one load balancer (10.0.0.5) with different real addresses."""
    settings.CHATSY_UNAUTHENTICATED_SOCKETS_PER_ADDRESS = 1

    async def two_through_the_proxy() -> int:
        """How many of two unauthenticated sockets, forwarded for two addresses, stay open."""
        a = addressed(await new_visitor(), "10.0.0.5", "198.51.100.1, 203.0.113.1")
        b = addressed(await new_visitor(), "10.0.0.5", "198.51.100.1, 203.0.113.2")
        await a.socket.connect()
        await b.socket.connect()
        open_ = 0
        for visitor in (a, b):
            if await visitor.socket.receive_nothing(timeout=0.3):
                open_ += 1
                await visitor.close()
        return open_

    assert await two_through_the_proxy() == 1  # not configured: both are the proxy's address
    settings.CHATSY_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert await two_through_the_proxy() == 2


def test_new_visitors_are_counted_per_forwarded_address_behind_a_trusted_proxy(
    client, site, settings
):
    settings.CHATSY_SESSIONS_PER_MINUTE = 2

    def new_chat(forwarded_for: str) -> int:
        return client.post(
            "/api/widget/session",
            data=json.dumps({"site_key": site.key}),
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        ).status_code

    # Not configured: the header is the client's to forge, and is ignored.
    assert [new_chat(f"192.0.2.{n}") for n in range(3)] == [201, 201, 429]
    settings.CHATSY_TRUSTED_PROXIES = ["127.0.0.1"]
    assert [new_chat("192.0.2.77") for _ in range(3)] == [201, 201, 429]
    assert new_chat("spoofed, 192.0.2.78") == 201  # the right-most untrusted entry counts
    refused = client.post(
        "/api/widget/session",
        data=json.dumps({"site_key": site.key}),
        content_type="application/json",
        HTTP_X_FORWARDED_FOR="192.0.2.77",
    )
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused["Access-Control-Expose-Headers"] == "Retry-After"


@pytest.mark.asyncio
async def test_escalations_per_visitor_are_budgeted_and_the_bot_keeps_going(new_visitor, settings):
    settings.CHATSY_BUDGETS = {**settings.CHATSY_BUDGETS, "escalation": ("2/3600", "")}
    visitor = await new_visitor()
    ready = await visitor.connect()

    @database_sync_to_async
    def back_to_the_bot() -> None:
        """As if an agent had taken the chat and handed it back."""
        Conversation.objects.filter(public_id=ready["conversation"]["id"]).update(status="bot")

    for _ in range(2):
        await visitor.send({"type": "action", "action": "request_human", "seq": 1})
        status = await visitor.receive_type("status")
        assert status["conversation"]["status"] == "queued"
        await back_to_the_bot()

    await visitor.send({"type": "action", "action": "request_human", "seq": 1})
    assert (await visitor.receive_message_from("bot"))["body"] == copy.ESCALATION_LIMIT
    await visitor.say("I want to talk to a human")
    assert (await visitor.receive_message_from("bot"))["body"] == copy.ESCALATION_LIMIT
    await visitor.say("How long does shipping take?")
    assert "business days" in (await visitor.receive_message_from("bot"))["body"]

    assert await database_sync_to_async(Escalation.objects.count)() == 2
    status = await database_sync_to_async(
        Conversation.objects.values_list("status", flat=True).get
    )(public_id=ready["conversation"]["id"])
    assert status == "bot"
    await visitor.close()
