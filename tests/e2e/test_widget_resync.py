"""The widget in headless Chromium, on its own Daphne and its own Redis: Redis dies (kill -9)
and comes back empty while the socket stays up; what was stored meanwhile reaches the page."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from playwright.sync_api import expect

from chatsy import settings as chatsy_settings
from conversations import services
from conversations.models import Conversation, Message
from tests.e2e.conftest import daphne_server, demo_data_for
from tests.e2e.test_widget_chat import BOT_MESSAGES, ask, open_widget
from tests.support.killable_redis import KillableRedis
from tests.support.lost_broadcast import message_stored_unannounced

pytestmark = pytest.mark.e2e


def post_system(conversation: Conversation, body: str) -> None:
    """Store a message and broadcast it on commit, from a thread of its own: Playwright's
    loop in this thread would keep the broadcast from being sent at all."""

    def post() -> None:
        try:
            services.message_post_system(conversation=conversation, body=body)
        finally:  # on PostgreSQL the thread's pooled connection goes back to the pool
            connections.close_all()

    worker = threading.Thread(target=post)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive()


MESSAGES = "#chatsy-messages li.chatsy-msg"


@pytest.fixture
def killable_redis(settings):
    redis = KillableRedis()
    # This process's broadcasts go to the same Redis as the server's (and fail with it).
    settings.REDIS_URL = redis.url
    settings.CHANNEL_LAYERS = chatsy_settings.channel_layers_for(redis.url)
    yield redis
    redis.finish()


def test_messages_stored_while_redis_was_gone_appear_without_a_reload(
    page, transactional_db, killable_redis
):
    with daphne_server(killable_redis.url) as url:
        demo_data_for(url)
        page.goto(url + "/")
        open_widget(page)
        ask(page, "How long does shipping take?")
        expect(page.locator(BOT_MESSAGES)).to_have_count(1, timeout=10_000)
        conversation = Conversation.objects.get()
        page.wait_for_function("() => window.Chatsy.state().connected")

        killable_redis.kill()
        for n in (1, 2):
            post_system(conversation, f"Stored while down {n}")
        killable_redis.restart_empty()

        # No reload, no reconnect: the server's resync hint makes the widget fetch them.
        expect(page.locator(MESSAGES).last).to_contain_text("Stored while down 2", timeout=15_000)
        expect(page.locator(MESSAGES).filter(has_text="Stored while down 1")).to_have_count(1)
        stored = list(
            Message.objects.filter(conversation=conversation).order_by("seq").values("seq", "body")
        )
        page.wait_for_function(
            "n => window.Chatsy.state().lastSeq === n", arg=stored[-1]["seq"], timeout=5_000
        )
        assert page.locator(MESSAGES).count() == len(stored)  # each once, none missing

        # And live again on the same socket.
        post_system(conversation, "Back to live")
        expect(page.locator(MESSAGES).last).to_contain_text("Back to live", timeout=5_000)


def test_a_lost_last_broadcast_appears_after_the_next_ping(page, demo):
    """A message stored with no broadcast and nothing after it (its process died between the
    commit and the publish): the `seq` frame after the next pong makes the widget fetch it, on
    the same socket."""
    sockets = []
    page.on("websocket", lambda socket: sockets.append(socket))
    page.clock.install()  # real time flows; the test jumps to the widget's next ping
    page.goto(demo + "/")
    open_widget(page)
    ask(page, "How long does shipping take?")
    expect(page.locator(BOT_MESSAGES)).to_have_count(1, timeout=10_000)
    page.wait_for_function("() => window.Chatsy.state().connected")
    shown = page.locator(MESSAGES).count()
    lost = message_stored_unannounced(Conversation.objects.get(), "Stored, never broadcast")

    page.clock.fast_forward("00:26")  # the widget pings every 25 s
    page.wait_for_function("n => window.Chatsy.state().serverSeq === n", arg=lost.seq)
    page.clock.fast_forward(1_500)  # the gap wait: the broadcast may still be on its way
    expect(page.locator(MESSAGES).last).to_contain_text("Stored, never broadcast")
    assert page.locator(MESSAGES).count() == shown + 1
    page.wait_for_function("n => window.Chatsy.state().lastSeq === n", arg=lost.seq)
    assert len(sockets) == 1  # found by the `seq` frame, not by a reconnect's resync
