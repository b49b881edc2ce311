from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from agents.models import Queue
from chatsy.asgi import application
from conversations import services
from escalation.policy import Policy
from escalation.policy_store import policy_replace
from tests.factories import ArticleFactory, QueueFactory, SiteFactory

SHIPPING = (
    "Standard shipping takes 3–5 business days within the country. Express shipping takes "
    "1–2 business days. You get a tracking link by email as soon as your parcel leaves "
    "our warehouse."
)


class Visitor:
    """A widget's socket, through the real ASGI application."""

    def __init__(self, token: str, site_key: str, origin: str | None = None):
        headers = [(b"origin", origin.encode())] if origin else []
        headers.append((b"host", b"testserver"))
        self.token, self.site_key = token, site_key
        self.socket = WebsocketCommunicator(application, "/ws/widget/", headers=headers)

    async def connect(self) -> dict[str, Any]:
        connected, _ = await self.socket.connect()
        assert connected
        await self.send({"type": "auth", "token": self.token, "site_key": self.site_key})
        return await self.receive()

    async def send(self, frame: dict[str, Any]) -> None:
        await self.socket.send_to(text_data=json.dumps(frame))

    async def say(self, body: str, client_id: str | None = None) -> dict[str, Any]:
        """Send a message and return its ack."""
        client_id = client_id or str(uuid.uuid4())
        await self.send({"type": "message", "client_id": client_id, "body": body})
        return await self.receive_type("ack")

    async def receive(self, timeout: float = 5) -> dict[str, Any]:
        return json.loads(await self.socket.receive_from(timeout=timeout))

    async def receive_type(self, kind: str, timeout: float = 5) -> dict[str, Any]:
        """Skip frames of other types (typing, echoes) until one of `kind` arrives."""
        while True:
            frame = await self.receive(timeout)
            if frame["type"] == kind:
                return frame

    async def receive_message_from(self, sender: str, timeout: float = 5) -> dict[str, Any]:
        while True:
            frame = await self.receive_type("message", timeout)
            if frame["message"]["sender"] == sender:
                return frame["message"]

    async def close(self) -> None:
        await self.socket.disconnect()


@pytest.fixture(autouse=True)
def _redis(redis_flushed: None) -> None:
    """Integration tests run against the real redis-server, emptied for each test."""


def queues_manual(*queues: tuple[str, str]) -> None:
    """The (slug, name) queues, routed by hand: the console tests claim chats themselves.
    A fixture module per test file wraps it (autouse) with that file's queues."""
    for slug, name in queues:
        QueueFactory(slug=slug, name=name)
    Queue.objects.update(routing="manual")


@pytest.fixture
def default_policy(db):
    """The spec's policy in the database (transactional tests flush the seed migration's rows)."""
    policy_replace(Policy.default())
    return Policy.default()


@pytest.fixture
def site(db, default_policy):
    site = SiteFactory(
        key="test-shop", name="Test Shop", allowed_origins="https://shop.example.com"
    )
    ArticleFactory(
        slug="shipping-times",
        title="How long does shipping take?",
        body=SHIPPING,
        keywords="delivery, shipping time",
    )
    ArticleFactory(
        slug="reset-password",
        title="Reset your password",
        body="Click 'Forgot password' on the sign-in page and follow the emailed link.",
    )
    return site


@pytest.fixture
def new_visitor(site):
    async def make(origin: str | None = None) -> Visitor:
        _customer, token = await database_sync_to_async(services.visitor_create)(site=site)
        return Visitor(token, site.key, origin)

    return make
