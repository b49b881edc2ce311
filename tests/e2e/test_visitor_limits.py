"""Through the real Daphne (issue 12): a long chat loads in pages on one socket, and sockets
closed for bad frames or bad auth close with a 44xx code, run `disconnect()` and leave no
channel-layer subscription and no traceback behind."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack

import pytest
import redis
from django.conf import settings
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from chatsy import realtime
from conversations import services
from conversations.models import Message, Site
from tests.e2e.conftest import daphne_server, demo_data_for
from tests.factories import long_history
from tests.support.widget_client import WidgetClient

pytestmark = pytest.mark.e2e

SITE_KEY = "demo-store"


def ws_url(url: str) -> str:
    return url.replace("http://", "ws://") + "/ws/widget/"


def new_token() -> str:
    return services.visitor_create(site=Site.objects.get(key=SITE_KEY))[1]


def group_channel(conversation_id: str) -> str:
    """The Redis channel RedisPubSubChannelLayer subscribes to for a conversation's group."""
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]
    return f"{prefix}__group__{realtime.conversation_group(conversation_id)}"


def opened(url: str, sockets: ExitStack) -> ClientConnection:
    return sockets.enter_context(connect(ws_url(url), open_timeout=5, compression=None))


def authed(url: str, token: str, sockets: ExitStack) -> tuple[ClientConnection, dict]:
    socket = opened(url, sockets)
    socket.send(json.dumps({"type": "auth", "token": token, "site_key": SITE_KEY}))
    return socket, json.loads(socket.recv(timeout=5))


def close_code(socket: ClientConnection) -> int | None:
    """The code the server closed with, reading (bounded) whatever it sent before."""
    try:
        for _ in range(500):
            socket.recv(timeout=10)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    except TimeoutError:
        return None
    return None


def send_until_closed(socket: ClientConnection, frame: str | bytes, count: int) -> None:
    try:
        for _ in range(count):
            socket.send(frame)
    except ConnectionClosed:
        pass


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_sockets_closed_for_bad_frames_or_auth_use_44xx_and_leave_nothing_behind(
    transactional_db, redis_url, tmp_path
):
    log = tmp_path / "daphne.log"
    client = redis.Redis.from_url(redis_url)
    prefix = settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"]

    def subscribed_groups() -> int:
        return len(client.pubsub_channels(f"{prefix}__group__*"))

    with daphne_server(redis_url, log=log) as url, ExitStack() as sockets:
        demo_data_for(url)
        good = [authed(url, new_token(), sockets) for _ in range(5)]
        assert [ready["type"] for _, ready in good] == ["ready"] * 5
        baseline = subscribed_groups()
        assert baseline >= 5

        codes: Counter[int | None] = Counter()
        bad_groups = []
        for _ in range(25):  # authenticated, then 200 frames of nonsense each
            socket, ready = authed(url, new_token(), sockets)
            bad_groups.append(group_channel(ready["conversation"]["id"]))
            send_until_closed(socket, '{"type": "dance"}', 200)
            codes[close_code(socket)] += 1
        for _ in range(10):  # a token that is not one
            socket, error = authed(url, "not-a-token", sockets)
            assert error["code"] == "auth_failed"
            codes[close_code(socket)] += 1
        for _ in range(5):  # a message before auth
            socket = opened(url, sockets)
            send_until_closed(socket, '{"type": "ping"}', 200)
            codes[close_code(socket)] += 1
        for _ in range(5):  # binary
            socket, _ready = authed(url, new_token(), sockets)
            send_until_closed(socket, b"\x00\x01", 1)
            codes[close_code(socket)] += 1
        # disconnect() ran for each: the conversations' group subscriptions go.
        back_to_baseline = wait_for(lambda: subscribed_groups() == baseline, timeout=10)
        left = sum(count for _, count in client.pubsub_numsub(*bad_groups))
        print(
            f"close codes {dict(codes)}; conversation groups subscribed: {baseline} before, "
            f"{subscribed_groups()} after ({left} of the 25 closed visitors' groups)"
        )
        assert codes == {4400: 30, 4401: 10, 4415: 5}
        assert back_to_baseline and left == 0
        for socket, _ready in good:  # and the visitors who behaved were never disturbed
            socket.send(json.dumps({"type": "ping"}))
            assert json.loads(socket.recv(timeout=5))["type"] == "pong"
            socket.close()
    client.close()

    lines = log.read_text(errors="replace").splitlines()
    errors = [line for line in lines if "Traceback" in line or " ERROR " in line]
    print(f"daphne's stderr: {len(lines)} lines, {len(errors)} errors or tracebacks")
    assert errors == []


def test_a_visitor_loads_two_thousand_long_messages_in_order_on_one_socket(demo):
    customer, token = services.visitor_create(site=Site.objects.get(key=SITE_KEY))
    conversation = services.conversation_get_or_start(customer=customer)
    started = time.monotonic()
    bodies = long_history(conversation, count=2000, chars=3900)
    print(f"stored 2,000 messages of 3,900 chars in {time.monotonic() - started:.1f} s")

    async def load() -> tuple[WidgetClient, float]:
        widget = WidgetClient(name="long", token=token, site_key=SITE_KEY, servers=[demo])
        began = time.monotonic()
        widget.start()
        try:
            loaded = await widget.wait_until(lambda: widget.last_seq >= 2000, timeout=120)
            assert loaded, (widget.last_seq, widget.close_codes)
            seconds = time.monotonic() - began
            # Still open: the same socket answers a ping.
            assert widget._ws is not None
            frames = widget._frames_seen
            await widget._ws.send(json.dumps({"type": "ping"}))
            assert await widget.wait_until(lambda: widget._frames_seen > frames, timeout=5)
            return widget, seconds
        finally:
            await widget.stop()

    widget, seconds = asyncio.run(load())
    pages = [seqs for _, kind, seqs in widget.log if kind == "history"]
    print(f"resync of 2,000 messages: {len(pages)} pages in {seconds:.1f} s")

    assert [seq for page in pages for seq in page] == list(range(1, 2001))  # in order, once
    assert [widget.transcript[seq].body for seq in range(1, 2001)] == bodies
    assert widget.conflicts == []
    assert widget.connections == 1 and widget.close_codes == []
    assert Message.objects.filter(conversation=conversation).count() == 2000
