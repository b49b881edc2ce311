"""What the visitor's socket sends stays bounded, and the socket always closes cleanly (issue 12).

Through the real ASGI app and a real Redis; tests/e2e/test_visitor_limits.py does the same
through a real Daphne, which is what refuses oversized frames and invalid close codes.
"""

from __future__ import annotations

import json
import logging
import uuid

import pytest
from channels.db import database_sync_to_async

from conversations.models import Conversation, Message
from tests.factories import long_history

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_resync_sends_a_long_history_in_pages_each_under_the_outgoing_bound(
    new_visitor, settings
):
    visitor = await new_visitor()
    ready = await visitor.connect()
    conversation = await database_sync_to_async(Conversation.objects.get)(
        public_id=ready["conversation"]["id"]
    )
    bodies = await database_sync_to_async(long_history)(conversation, count=120)

    after, pages, seen = 0, [], []
    for _ in range(120):  # bounded: one page holds at least one message
        await visitor.send({"type": "resync", "after_seq": after})
        raw = await visitor.socket.receive_from(timeout=5)
        page = json.loads(raw)
        assert page["type"] == "history"
        pages.append((len(page["messages"]), len(raw.encode())))
        seen += [(m["seq"], m["body"]) for m in page["messages"]]
        if not page["has_more"]:
            break
        assert page["last_seq"] == page["messages"][-1]["seq"] > after
        after = page["last_seq"]
    print(f"120 messages of 3,900 chars: {len(pages)} pages, (messages, bytes) = {pages}")

    assert seen == list(enumerate(bodies, start=1))  # all, in order, each once
    assert len(pages) > 1
    assert all(
        count <= settings.CHATSY_HISTORY_PAGE_MESSAGES
        and size <= settings.CHATSY_WS_MAX_MESSAGE_BYTES // 4
        for count, size in pages
    )
    await visitor.send({"type": "ping"})
    assert (await visitor.receive())["type"] == "pong"
    await visitor.close()


async def test_a_short_history_is_one_page_that_says_nothing_more_follows(new_visitor):
    visitor = await new_visitor()
    ready = await visitor.connect()
    conversation = await database_sync_to_async(Conversation.objects.get)(
        public_id=ready["conversation"]["id"]
    )
    await database_sync_to_async(long_history)(conversation, count=3, chars=20)
    await visitor.send({"type": "resync", "after_seq": 1})
    page = await visitor.receive_type("history")
    assert ([m["seq"] for m in page["messages"]], page["last_seq"], page["has_more"]) == (
        [2, 3],
        3,
        False,
    )
    await visitor.close()


async def test_two_hundred_bad_frames_end_in_one_clean_4400_close_and_no_error_logged(
    new_visitor, caplog, settings
):
    caplog.set_level(logging.WARNING)
    visitor = await new_visitor()
    await visitor.connect()
    for _ in range(200):
        await visitor.socket.send_to(text_data='{"type": "dance"}')

    errors, close = [], None
    for _ in range(201):  # bounded: the frames answered, then the close
        output = await visitor.socket.receive_output(timeout=5)
        if output["type"] == "websocket.close":
            close = output
            break
        errors.append(json.loads(output["text"])["code"])
    assert close == {"type": "websocket.close", "code": 4400}
    assert errors == ["unknown_type"] * settings.CHATSY_MAX_VIOLATIONS
    # Frames already in flight get no answer and no second close.
    assert await visitor.socket.receive_nothing(timeout=0.5)
    await visitor.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_lone_surrogate_gets_an_error_and_nothing_is_stored_or_logged(new_visitor, caplog):
    """JSON can spell text no database or socket can encode ("\\ud800"): it used to crash the
    consumer while storing the message."""
    caplog.set_level(logging.WARNING)
    visitor = await new_visitor()
    await visitor.connect()
    client_id = str(uuid.uuid4())
    # json.dumps spells the lone surrogate as the escape "\\ud800".
    await visitor.send({"type": "message", "client_id": client_id, "body": "hi \ud800"})
    assert (await visitor.receive())["code"] == "bad_json"
    await visitor.send({"type": "ping"})
    assert (await visitor.receive())["type"] == "pong"
    assert not await database_sync_to_async(Message.objects.exists)()
    await visitor.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.asyncio
async def test_the_pages_of_one_history_cost_one_resync_and_a_repeat_costs_again(
    new_visitor, settings
):
    """A long chat takes more pages than the resync budget allows resyncs (10 per 10 s): paging
    on costs nothing, but asking for the same page twice does."""
    settings.CHATSY_HISTORY_PAGE_MESSAGES = 2
    visitor = await new_visitor()
    ready = await visitor.connect()
    conversation = await database_sync_to_async(Conversation.objects.get)(
        public_id=ready["conversation"]["id"]
    )
    await database_sync_to_async(long_history)(conversation, count=40, chars=50)

    after, pages = 0, 0
    for _ in range(40):  # bounded: a page holds at least one message
        await visitor.send({"type": "resync", "after_seq": after})
        page = json.loads(await visitor.socket.receive_from(timeout=5))
        assert page["type"] == "history", page
        pages += 1
        if not page["has_more"]:
            break
        after = page["last_seq"]
    assert (pages, after) == (20, 38)

    repeats = []
    for _ in range(12):  # the same first page again and again: each a new resync, budgeted
        await visitor.send({"type": "resync", "after_seq": 0})
        repeats.append(json.loads(await visitor.socket.receive_from(timeout=5))["type"])
    assert repeats.count("history") == 9  # 10 per 10 s, the first paging spent one
    assert repeats[-3:] == ["error"] * 3
