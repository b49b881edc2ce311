"""Two ASGI processes on one Redis and one database: clients on either see each other live."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from tests.e2e.conftest import daphne_server
from tests.support.ws_client import WebSocket

pytestmark = pytest.mark.e2e


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
