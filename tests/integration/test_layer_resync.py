"""Clients never silently miss events when the channel layer's Redis dies or stalls.

A redis-server of each test's own carries the channel layer (and chatsy.redis), so it can be
killed (-9, then restarted empty on the same port) or stopped (SIGSTOP) without harming the
session's. Sockets go through the real ASGI app; each test waits for frames and states, never
for fixed times, and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from agents import services as agent_services
from agents.models import Queue
from chatsy import layer_health
from chatsy import settings as chatsy_settings
from conversations import services
from conversations.models import Conversation, Message
from tests.factories import AgentFactory, QueueFactory, escalated_conversation
from tests.support.console_socket import console_socket, receive_until
from tests.support.killable_redis import KillableRedis

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

# Redis back → the layer re-subscribes (≤ ~1 s) → a probe round trip (every 1 s) → the hint.
HINT_BUDGET = 10.0


@pytest.fixture
def layer_redis(settings) -> Iterator[KillableRedis]:
    redis = KillableRedis()
    settings.REDIS_URL = redis.url
    settings.CHANNEL_LAYERS = chatsy_settings.channel_layers_for(redis.url)
    try:
        yield redis
    finally:
        redis.finish()


async def until(check: Callable[[], bool], budget: float = HINT_BUDGET, what: str = "") -> None:
    deadline = time.monotonic() + budget
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what or check}"
        await asyncio.sleep(0.05)


async def frames_until(visitor: Any, kind: str, budget: float = HINT_BUDGET) -> list[dict]:
    """Every frame up to and including the first of `kind`."""
    seen = []
    deadline = time.monotonic() + budget
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"no {kind!r} frame; got {[f['type'] for f in seen]}"
        frame = await visitor.receive(timeout=left)
        seen.append(frame)
        if frame["type"] == kind:
            return seen


def stored_seqs(conversation_id: int) -> list[int]:
    return list(
        Message.objects.filter(conversation_id=conversation_id)
        .order_by("seq")
        .values_list("seq", flat=True)
    )


async def post_system(conversation: Conversation, body: str) -> Message:
    """A stored message whose broadcast goes out on commit (and fails while Redis is gone)."""
    return await database_sync_to_async(services.message_post_system)(
        conversation=conversation, body=body
    )


async def ready_visitor(new_visitor) -> tuple[Any, Conversation, set[int]]:
    visitor = await new_visitor()
    ready = await visitor.connect()
    assert ready["type"] == "ready"
    conversation = await database_sync_to_async(Conversation.objects.get)(
        public_id=ready["conversation"]["id"]
    )
    await visitor.send({"type": "resync", "after_seq": 0})
    history = await visitor.receive_type("history")
    return visitor, conversation, {m["seq"] for m in history["messages"]}


async def resync_after(visitor: Any, have: set[int]) -> set[int]:
    """What the widget does on a hint: ask for everything after its last contiguous seq."""
    last = 0
    while last + 1 in have:
        last += 1
    await visitor.send({"type": "resync", "after_seq": last})
    history = await visitor.receive_type("history")
    return have | {m["seq"] for m in history["messages"]}


async def test_kill_9_and_an_empty_restart_make_the_visitor_resync_and_miss_nothing(
    layer_redis, new_visitor
):
    visitor, conversation, have = await ready_visitor(new_visitor)
    have.add((await visitor.say("hello"))["seq"])
    assert layer_health.sockets_registered() >= 1

    layer_redis.kill()
    await until(lambda: not layer_health.redis_up(), what="the watchdog to see Redis down")
    lost = [await post_system(conversation, f"while down {n}") for n in range(3)]
    layer_redis.restart_empty()

    frames = await frames_until(visitor, "resync")
    assert not {f["message"]["seq"] for f in frames if f["type"] == "message"} & {
        m.seq for m in lost
    }  # the broadcasts really were lost
    await until(layer_health.redis_up, what="redis_up() to turn True")
    have = await resync_after(visitor, have)
    assert sorted(have) == await database_sync_to_async(stored_seqs)(conversation.pk)

    # The layer re-subscribed: live events flow again on the same socket.
    after = await post_system(conversation, "after the restart")
    live = await visitor.receive_type("message")
    assert live["message"]["seq"] == after.seq
    await visitor.close()


async def test_a_restart_too_quick_for_any_probe_still_sends_the_hint(layer_redis, new_visitor):
    """The pub/sub connection reconnecting is itself the signal: what another process published
    before this one re-subscribed was dropped without an error."""
    visitor, conversation, have = await ready_visitor(new_visitor)
    layer_redis.kill()
    lost = await post_system(conversation, "published into the void")
    layer_redis.restart_empty()  # at once: the watchdog may never have seen Redis down
    await frames_until(visitor, "resync")
    have = await resync_after(visitor, have)
    assert lost.seq in have
    assert sorted(have) == await database_sync_to_async(stored_seqs)(conversation.pk)
    await visitor.close()


async def test_a_stopped_redis_turns_redis_up_false_and_sockets_resync_after_it_resumes(
    layer_redis, new_visitor
):
    visitor, conversation, have = await ready_visitor(new_visitor)
    layer_redis.stop()
    await until(lambda: not layer_health.redis_up(), what="the watchdog to see Redis stopped")
    layer_redis.resume()
    await frames_until(visitor, "resync")
    assert layer_health.redis_up()
    after = await post_system(conversation, "after SIGCONT")
    assert (await visitor.receive_type("message"))["message"]["seq"] == after.seq
    await visitor.close()


async def test_a_failed_broadcast_reported_from_another_thread_makes_sockets_resync(
    layer_redis, new_visitor
):
    """The pipeline's publisher calls broadcast_failed() after a publish error or timeout,
    from whatever thread it runs on; Redis itself is fine here."""
    visitor, _conversation, _have = await ready_visitor(new_visitor)
    reporter = threading.Thread(target=layer_health.broadcast_failed)
    reporter.start()
    reporter.join(timeout=5)
    await frames_until(visitor, "resync", budget=3)
    await visitor.close()


async def test_a_second_process_publishing_the_hint_reaches_this_process_sockets(
    layer_redis, new_visitor
):
    """A process without sockets (a Celery worker) delivers the hint from a helper thread to
    the shared group, which every socket of every process has joined."""
    visitor, _conversation, _have = await ready_visitor(new_visitor)

    def worker_reports() -> None:
        layer_health._orphan_hint_deliver()  # what broadcast_failed() starts without a watchdog

    await asyncio.get_running_loop().run_in_executor(None, worker_reports)
    await frames_until(visitor, "resync", budget=3)
    await visitor.close()


@pytest.fixture
def general_queue(default_policy) -> Queue:
    return QueueFactory(slug="general", routing=Queue.Routing.MANUAL)


async def test_the_console_rejoins_a_chat_given_to_the_agent_while_redis_was_gone(
    layer_redis, client, general_queue
):
    agent = await database_sync_to_async(
        lambda: AgentFactory(
            user__first_name="Sarah", queues=list(Queue.objects.filter(slug="general"))
        )
    )()
    console = await console_socket(client, agent)
    chat = await database_sync_to_async(escalated_conversation)()
    await receive_until(console, f'id="queue-row-{chat.public_id}"')

    layer_redis.kill()
    await until(lambda: not layer_health.redis_up(), what="the watchdog to see Redis down")
    # Claimed while Redis is gone: `chat.opened` is lost, so the console never subscribed.
    await database_sync_to_async(agent_services.conversation_claim)(
        agent=agent, public_id=str(chat.public_id)
    )
    layer_redis.restart_empty()

    pushed = []
    deadline = time.monotonic() + HINT_BUDGET
    while '{"type": "resync"}' not in pushed:
        assert time.monotonic() < deadline, "the console got no resync hint"
        pushed.append(await console.receive_from(timeout=deadline - time.monotonic()))
    assert any(f'id="chat-{chat.public_id}"' in html for html in pushed)  # the chat, pushed

    # Subscribed again: the visitor's next words reach the agent live.
    await post_system(chat, "Still there?")
    html = await receive_until(console, "Still there?")
    assert f"messages-{chat.public_id}" in html
    await console.disconnect()


async def test_a_socket_that_went_away_is_forgotten(layer_redis, new_visitor):
    visitor, _conversation, _have = await ready_visitor(new_visitor)
    layer = get_channel_layer()
    assert layer is not None
    group = layer._get_layer().groups  # channels-redis: "<prefix>__group__<name>" → channels

    def members() -> int:
        return len(group.get(f"chatsy__group__{layer_health.RESYNC_GROUP}", ()))

    before_sockets, before_members = layer_health.sockets_registered(), members()
    assert before_members >= 1
    await visitor.close()
    await until(lambda: layer_health.sockets_registered() == before_sockets - 1, budget=5)
    await until(lambda: members() == before_members - 1, budget=5)
