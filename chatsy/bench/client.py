"""The load generator: widget visitors, an agent, and echo clients, on one asyncio loop.

Speaks the widget protocol (docs/widget-protocol.md) with the `websockets` client; HTTP calls
(widget sessions, the agent's login and replies) go through urllib in worker threads.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import re
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from chatsy.bench.stack import BenchError

SITE_KEY = "demo-store"
WAIT_SECONDS = float(os.environ.get("CHATSY_BENCH_WAIT", "30"))
# Questions the offline knowledge base answers without handing over. More distinct ones than
# the engine's history window (20), none alike by its measure: cycling through them never
# asks "the same question" three times (chosen with escalation.signals.failures.similarity).
QUESTIONS = [
    "How do I place an order?",
    "How can I track my order?",
    "Can I add an item to my order?",
    "How much is shipping?",
    "Do you ship abroad?",
    "What delivery options do you have?",
    "How do I change my shipping address?",
    "What is your refund policy?",
    "How do I start a return?",
    "How do I exchange an item for a different size?",
    "Where can I download my invoice?",
    "Which payment methods do you accept?",
    "How do I create an account?",
    "How do I reset my password?",
    "How do I unsubscribe from the newsletter?",
    "How do I write a product review?",
    "What are your opening hours?",
    "How do I use a promo code?",
    "What is Northwind Plus membership?",
    "How long does delivery take?",
    "Do you offer express delivery?",
    "How do I cancel my order?",
    "Can I collect from a pickup point?",
    "Can I get a gift card?",
    "Is guest checkout possible?",
]


def ms(seconds: float) -> float:
    return seconds * 1000.0


# --- HTTP ------------------------------------------------------------------------------------


def _post_json(url: str, payload: dict[str, Any], origin: str) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", "Origin": origin},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WAIT_SECONDS) as response:
        body: dict[str, Any] = json.loads(response.read())
        return body


def visitor_token(base: str) -> str:
    """A new anonymous visitor, as the widget gets one (POST /api/widget/session)."""
    return str(_post_json(f"{base}/api/widget/session", {"site_key": SITE_KEY}, base)["token"])


async def visitor_tokens(base: str, count: int, concurrency: int = 8) -> list[str]:
    limit = asyncio.Semaphore(concurrency)

    async def one() -> str:
        async with limit:
            return await asyncio.to_thread(visitor_token, base)

    return list(await asyncio.gather(*(one() for _ in range(count))))


# --- the widget ------------------------------------------------------------------------------


@dataclass
class Visitor:
    socket: ClientConnection
    conversation: str
    chat_status: str  # as the widget last heard it
    next_question: int = 0

    @classmethod
    async def open(cls, ws_base: str, origin: str, token: str) -> Visitor:
        socket = await connect(
            f"{ws_base}/ws/widget/",
            origin=Origin(origin),
            compression=None,
            ping_interval=None,
            max_size=2**20,
            open_timeout=WAIT_SECONDS,
        )
        await socket.send(json.dumps({"type": "auth", "token": token, "site_key": SITE_KEY}))
        visitor = cls(socket, "", "")
        ready = await visitor.wait_for(lambda f: f["type"] == "ready")
        visitor.conversation = ready["conversation"]["id"]
        visitor.chat_status = ready["conversation"]["status"]
        return visitor

    async def frame(self, timeout: float = WAIT_SECONDS) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.socket.recv(), timeout))
        if frame["type"] == "status":
            self.chat_status = frame["conversation"]["status"]
        elif frame["type"] == "error":
            raise BenchError(f"the server answered an error frame: {frame}")
        return frame

    async def wait_for(
        self, match: Callable[[dict[str, Any]], bool], timeout: float = WAIT_SECONDS
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BenchError(f"no matching frame within {timeout} s")
            try:
                frame = await self.frame(remaining)
            except TimeoutError:
                raise BenchError(f"no matching frame within {timeout} s") from None
            if match(frame):
                return frame

    async def send_message(self, body: str) -> str:
        client_id = str(uuid.uuid4())
        await self.socket.send(
            json.dumps({"type": "message", "client_id": client_id, "body": body})
        )
        return client_id

    async def ask(self) -> tuple[float, float]:
        """One question to the bot: (ack latency, reply latency) in seconds."""
        body = QUESTIONS[self.next_question % len(QUESTIONS)]
        self.next_question += 1
        started = time.perf_counter()
        client_id = await self.send_message(body)
        ack = await self.wait_for(lambda f: f["type"] == "ack" and f["client_id"] == client_id)
        acked = time.perf_counter()
        seq = ack["seq"]
        await self.wait_for(lambda f: self._bot_reply(f, seq, body))
        return acked - started, time.perf_counter() - started

    def _bot_reply(self, frame: dict[str, Any], after_seq: int, question: str) -> bool:
        if self.chat_status != "bot":  # the bench measures the bot's path: it must stay on it
            raise BenchError(f"the bot handed {question!r} to a person (status {self.chat_status})")
        message = frame.get("message") if frame["type"] == "message" else None
        return bool(message and message["sender"] == "bot" and message["seq"] > after_seq)

    async def close(self) -> None:
        await self.socket.close()


async def visitors_open(
    ws_base: str, origin: str, tokens: list[str], concurrency: int = 50
) -> list[Visitor]:
    limit = asyncio.Semaphore(concurrency)

    async def one(index: int, token: str) -> Visitor:
        async with limit:
            visitor = await Visitor.open(ws_base, origin, token)
            visitor.next_question = index  # visitors ask different questions at a time
            return visitor

    return list(await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens))))


async def visitors_close(visitors: list[Visitor]) -> None:
    await asyncio.gather(*(v.close() for v in visitors), return_exceptions=True)


# --- the agent -------------------------------------------------------------------------------


@dataclass
class Agent:
    """The demo agent, logged in through the console's login form (a real session cookie)."""

    base: str
    cookies: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def cookie(self, name: str) -> str:
        for cookie in self.cookies:
            if cookie.name == name and cookie.value:
                return cookie.value
        raise BenchError(f"no {name} cookie")

    def login(self, username: str, password: str) -> None:
        with self.opener.open(f"{self.base}/console/login/", timeout=WAIT_SECONDS) as page:
            html = page.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if token is None:
            raise BenchError("the console login page has no CSRF token")
        self.post("/console/login/", {"username": username, "password": password}, token[1])
        self.cookie("sessionid")

    def post(self, path: str, form: dict[str, str], csrf: str | None = None) -> int:
        request = urllib.request.Request(
            f"{self.base}{path}",
            data=urllib.parse.urlencode(
                {**form, "csrfmiddlewaretoken": csrf or self.cookie("csrftoken")}
            ).encode(),
            headers={"HX-Request": "true", "Referer": f"{self.base}/console/"},
            method="POST",
        )
        with self.opener.open(request, timeout=WAIT_SECONDS) as response:
            response.read()
            return int(response.status)

    def claim(self, public_id: str) -> None:
        self.post(f"/console/chats/{public_id}/claim/", {})

    def reply(self, public_id: str, body: str) -> None:
        """What the console's compose box posts (htmx)."""
        self.post(f"/console/chats/{public_id}/compose/", {"kind": "reply", "body": body})

    async def console(self, ws_base: str) -> ClientConnection:
        return await connect(
            f"{ws_base}/ws/console/",
            origin=Origin(self.base),
            additional_headers={"Cookie": f"sessionid={self.cookie('sessionid')}"},
            compression=None,
            ping_interval=None,
            max_size=2**22,
            open_timeout=WAIT_SECONDS,
        )


# --- echo ------------------------------------------------------------------------------------


async def echo_open(url: str, count: int, concurrency: int = 50) -> list[ClientConnection]:
    limit = asyncio.Semaphore(concurrency)

    async def one() -> ClientConnection:
        async with limit:
            return await connect(url, compression=None, ping_interval=None, max_size=2**20)

    return list(await asyncio.gather(*(one() for _ in range(count))))


ECHO_FRAME = json.dumps(
    {"type": "message", "client_id": str(uuid.UUID(int=0)), "body": QUESTIONS[0]}
)


async def echo_round_trip(socket: ClientConnection) -> float:
    started = time.perf_counter()
    await socket.send(ECHO_FRAME)
    await asyncio.wait_for(socket.recv(), WAIT_SECONDS)
    return time.perf_counter() - started
