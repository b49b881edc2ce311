"""The widget in headless Chromium loads a chat of long messages after a reload: its history
comes in pages (issue 12), each under Daphne's outgoing bound, on one socket."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conversations.models import Conversation
from tests.e2e.test_widget_chat import BOT_MESSAGES, ask, open_widget
from tests.factories import long_history

pytestmark = pytest.mark.e2e

MESSAGES = "#chatsy-messages li.chatsy-msg"


def test_a_chat_of_long_messages_loads_after_a_reload(page, demo):
    sockets = []
    page.on("websocket", lambda socket: sockets.append(socket))
    page.goto(demo + "/")
    open_widget(page)
    ask(page, "How long does shipping take?")
    expect(page.locator(BOT_MESSAGES)).to_have_count(1, timeout=10_000)
    conversation = Conversation.objects.get()
    # A visitor pasted long messages and an agent answered at length: 20 of 3,900 characters,
    # about 115 KB of history, more than one frame of the old 64 KiB limit.
    bodies = long_history(conversation, count=20, chars=3900)

    sockets.clear()
    page.reload()
    if not page.locator("#chatsy-panel").is_visible():
        open_widget(page)
    expect(page.locator(MESSAGES)).to_have_count(22, timeout=15_000)
    expect(page.locator(MESSAGES).last).to_contain_text(bodies[-1][:40])
    page.wait_for_function("() => window.Chatsy.state().lastSeq === 22", timeout=5_000)
    state = page.evaluate("() => window.Chatsy.state()")
    assert state["connected"] is True
    seqs = page.locator(MESSAGES).evaluate_all("els => els.map(e => Number(e.dataset.seq))")
    assert seqs == list(range(1, 23))  # in order, each once
    assert len(sockets) == 1 and not sockets[0].is_closed()  # one socket, still open
