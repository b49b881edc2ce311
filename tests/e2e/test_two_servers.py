"""Two ASGI processes on one Redis and one database: clients on either see each other live."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from agents.models import AgentProfile, Queue
from conversations.models import Conversation, Message
from escalation.policy import Policy
from escalation.policy_store import POLICY_VERSION, policy_replace
from tests.e2e.conftest import daphne_server, demo_data_for
from tests.factories import QueueFactory
from tests.support.ws_client import WebSocket

pytestmark = pytest.mark.e2e

MESSAGES_EACH_WAY = 200
# The visitor writes far faster than a person: lift the widget's per-socket rate limit.
UNLIMITED = {
    "CHATSY_RATE_LIMIT_MESSAGES": "100000",
    "CHATSY_BUDGET_MESSAGES_PER_ADDRESS": "100000/10",
}
# The console's rendering of one message: who wrote it, its seq and its text.
CONSOLE_MESSAGE = re.compile(
    r'class="msg msg-(?P<sender>\w+)" data-seq="(?P<seq>\d+)">.*?'
    r'<div class="msg-body">(?P<body>.*?)</div>',
    re.DOTALL,
)


@pytest.fixture
def second_server(redis_url, live_url):
    with daphne_server(redis_url) as url:
        yield url


def visitor_token(url: str) -> str:
    request = urllib.request.Request(
        url + "/api/widget/session",
        data=json.dumps({"site_key": "demo-store"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    return json.load(urllib.request.urlopen(request))["token"]


def test_a_tab_on_each_server_sees_the_other_s_messages_and_the_bot_live(demo, second_server):
    token = visitor_token(demo)
    tabs = [WebSocket(url, "/ws/widget/") for url in (demo, second_server)]
    for tab in tabs:
        tab.send_json({"type": "auth", "token": token, "site_key": "demo-store"})
        assert tab.receive_type("ready")["conversation"]["status"] == "bot"

    tabs[0].send_json(
        {"type": "message", "client_id": str(uuid.uuid4()), "body": "How long does shipping take?"}
    )
    # The other process hears the visitor's message and the bot's answer, through Redis.
    seen = tabs[1].receive_type("message")["message"]
    assert (seen["sender"], seen["body"]) == ("customer", "How long does shipping take?")
    answer = tabs[1].receive_type("message")["message"]
    assert answer["sender"] == "bot" and "business days" in answer["body"]

    tabs[1].send_json({"type": "message", "client_id": str(uuid.uuid4()), "body": "thanks"})
    bodies = [tabs[0].receive_type("message")["message"]["body"] for _ in range(3)]
    assert bodies == ["How long does shipping take?", answer["body"], "thanks"]
    for tab in tabs:
        tab.close()


# --- a visitor on one server, their agent on the other --------------------------------------


@pytest.fixture
def servers(transactional_db, redis_url):
    """Two fresh servers without the widget's rate limit, on the demo store, whose agent
    takes chats by hand from every queue."""
    with (
        daphne_server(redis_url, **UNLIMITED) as first,
        daphne_server(redis_url, **UNLIMITED) as second,
    ):
        demo_data_for(first)
        policy_replace(Policy.default())  # earlier transactional tests flushed the seeded rows
        POLICY_VERSION.bump()  # the servers rebuild their policy (Redis was flushed too)
        QueueFactory(slug="general", name="General support")
        Queue.objects.update(routing=Queue.Routing.MANUAL)
        agent = AgentProfile.objects.get(user__username="agent")
        agent.queues.add(*Queue.objects.all())
        yield first, second, agent


class Agent:
    """The demo agent's console on one server: its socket, and its HTTP actions."""

    def __init__(self, url: str, agent: AgentProfile):
        client = Client()
        client.force_login(agent.user)  # the session row is committed: other processes see it
        self.url = url
        self.csrf = secrets.token_hex(16)  # any 32-character secret, sent as cookie and header
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={self.csrf}"

    def post(self, path: str, **fields: str) -> None:
        request = urllib.request.Request(
            self.url + path,
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Cookie": self.cookie, "X-CSRFToken": self.csrf, "HX-Request": "true"},
        )
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{path}: {error.code} {error.read().decode()}") from None

    def console(self) -> WebSocket:
        return WebSocket(self.url, "/ws/console/", origin=self.url, cookie=self.cookie)


def in_thread(work: Callable[[], None], errors: list[Exception]) -> threading.Thread:
    """`work` on a thread of its own; what it raises is kept for the test to report."""

    def run() -> None:
        try:
            work()
        except Exception as error:  # reported by the test, not lost with the thread
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def read_until(receive: Callable[[], Any], done: Callable[[Any], bool]) -> Callable[[], None]:
    """Read frames until `done` says so; a socket silent for its timeout raises."""

    def read() -> None:
        while not done(receive()):
            pass

    return read


def test_a_visitor_and_an_agent_on_different_servers_exchange_200_messages_each_way(servers):
    visitor_url, agent_url, agent_profile = servers
    token = visitor_token(visitor_url)
    visitor = WebSocket(visitor_url, "/ws/widget/")
    visitor.send_json({"type": "auth", "token": token, "site_key": "demo-store"})
    public_id = visitor.receive_type("ready")["conversation"]["id"]

    # The visitor asks for a human on the first server; the agent takes the chat on the second.
    visitor.send_json(
        {"type": "message", "client_id": str(uuid.uuid4()), "body": "I want to talk to a human"}
    )
    wait_for_status(visitor, "queued")
    agent = Agent(agent_url, agent_profile)
    agent.post(f"/console/chats/{public_id}/claim/")
    wait_for_status(visitor, "assigned")
    console = agent.console()  # subscribes to the chats the agent holds before it accepts
    first_seq = Conversation.objects.get(public_id=public_id).last_seq + 1
    expected_count = 2 * MESSAGES_EACH_WAY

    # Both clients log every message they are shown, from now on.
    visitor_log: list[tuple[int, str, str]] = []
    console_log: list[tuple[int, str, str]] = []
    acks: dict[str, threading.Event] = {}
    errors: list[Exception] = []

    def visitor_frame(frame: dict[str, Any]) -> bool:
        if frame["type"] == "ack" and frame["client_id"] in acks:
            acks[frame["client_id"]].set()
        elif frame["type"] == "message" and frame["message"]["seq"] >= first_seq:
            message = frame["message"]
            visitor_log.append((message["seq"], message["sender"], message["body"]))
        return len({seq for seq, _, _ in visitor_log}) >= expected_count

    def console_frame(html: str) -> bool:
        for match in CONSOLE_MESSAGE.finditer(html):
            if int(match["seq"]) >= first_seq:
                console_log.append((int(match["seq"]), match["sender"], match["body"]))
        return len({seq for seq, _, _ in console_log}) >= expected_count

    def visitor_writes() -> None:
        for number in range(MESSAGES_EACH_WAY):
            client_id = str(uuid.uuid4())
            acks[client_id] = threading.Event()
            visitor.send_json({"type": "message", "client_id": client_id, "body": f"v-{number:03}"})
            if not acks[client_id].wait(timeout=10):
                raise AssertionError(f"no ack for v-{number:03}")

    def agent_writes() -> None:
        for number in range(MESSAGES_EACH_WAY):
            agent.post(f"/console/chats/{public_id}/compose/", body=f"a-{number:03}", kind="reply")

    threads = [
        in_thread(read_until(visitor.receive_json, visitor_frame), errors),
        in_thread(read_until(console.receive_text, console_frame), errors),
        in_thread(visitor_writes, errors),
        in_thread(agent_writes, errors),
    ]
    deadline = time.monotonic() + 180  # bounds a hang; each read and ack has its own timeout
    for thread in threads:
        thread.join(timeout=max(0, deadline - time.monotonic()))
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    visitor.close()
    console.close()

    # The database holds both sides, each in the order written, with no gap and no duplicate.
    stored = [
        (message.seq, message.sender, message.body)
        for message in Message.objects.filter(
            conversation__public_id=public_id, seq__gte=first_seq
        ).order_by("seq")
    ]
    assert [seq for seq, _, _ in stored] == list(range(first_seq, first_seq + expected_count))
    visitor_said = [f"v-{number:03}" for number in range(MESSAGES_EACH_WAY)]
    agent_said = [f"a-{number:03}" for number in range(MESSAGES_EACH_WAY)]
    assert [body for _, sender, body in stored if sender == "customer"] == visitor_said
    assert [body for _, sender, body in stored if sender == "agent"] == agent_said

    # Each client was shown every stored message exactly once, each side's in order.
    for log in (visitor_log, console_log):
        assert sorted(log) == stored
        assert [body for _, sender, body in log if sender == "customer"] == visitor_said
        assert [body for _, sender, body in log if sender == "agent"] == agent_said


def wait_for_status(visitor: WebSocket, status: str) -> None:
    while visitor.receive_type("status")["conversation"]["status"] != status:
        pass
