"""The widget in headless Chromium against Daphne (issue 12): a chat of long messages loads after
a reload, in pages on one socket; a terminal close code stops it instead of a reconnect loop."""

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


# Records the page's sockets and the codes they close with; the widget's own code is untouched.
SOCKET_SPY = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.__closeCodes = [];
  function Spied(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    ws.addEventListener('close', (event) => window.__closeCodes.push(event.code));
    window.__sockets.push(ws);
    return ws;
  }
  Spied.prototype = Native.prototype;
  for (const key of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Spied[key] = Native[key];
  window.WebSocket = Spied;
})();
"""


@pytest.mark.parametrize(
    ("misbehave", "code"),
    [
        pytest.param(
            'ws => { for (let i = 0; i < 10; i++) ws.send(\'{"type": "dance"}\'); }',
            4400,
            id="bad-frames",
        ),
        pytest.param("ws => ws.send(new Uint8Array([0, 1]))", 4415, id="binary"),
    ],
)
def test_a_terminal_close_stops_the_widget_instead_of_a_reconnect_loop(page, demo, misbehave, code):
    page.add_init_script(SOCKET_SPY)
    page.goto(demo + "/")
    open_widget(page)
    page.wait_for_function("() => window.Chatsy.state().connected", timeout=10_000)

    page.evaluate(f"() => ({misbehave})(window.__sockets[window.__sockets.length - 1])")

    expect(page.locator("#chatsy-unavailable")).to_be_visible(timeout=10_000)
    expect(page.locator("#chatsy-input")).to_be_disabled()
    assert page.evaluate("() => window.__closeCodes") == [code]
    assert page.evaluate("() => window.__sockets.length") == 1  # no reconnect was scheduled
