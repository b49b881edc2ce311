"""The console's connection indicator tells the truth (issue 14, item 2): in headless Chromium,
behind a TCP proxy whose network is cut, the console's socket stays open and silent; the
ping's deadline passes, the indicator leaves "Live" at once, and once the network is back a new
socket brings what happened meanwhile: the visitor's message in the open chat, a new chat in
the queue."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from agents import services as agent_services
from agents.models import AgentProfile
from conversations import services
from conversations.models import Message
from tests.e2e.conftest import daphne_server, demo_data_for, screenshot
from tests.e2e.test_console_dialogs import console_page, one_held_one_waiting
from tests.e2e.test_console_resync import in_thread
from tests.factories import escalated_conversation
from tests.support.lost_broadcast import message_stored_unannounced
from tests.support.pausable_proxy import PausableProxy

pytestmark = pytest.mark.e2e

PING_SECONDS, DEADLINE_SECONDS = 1, 2
COUNT_OPENS = (
    "window.__opens = 0; document.addEventListener('htmx:wsOpen', () => window.__opens++);"
)


@contextmanager
def console_behind_a_proxy(browser, redis_url: str) -> Iterator[tuple]:
    """Daphne with short ping times, the demo agent's console reaching it through a proxy
    whose network can be cut; yields (page, proxy, held chat, waiting chat)."""
    with daphne_server(
        redis_url,
        CHATSY_CONSOLE_PING_SECONDS=str(PING_SECONDS),
        CHATSY_CONSOLE_PONG_DEADLINE_SECONDS=str(DEADLINE_SECONDS),
    ) as direct:
        proxy = PausableProxy(int(direct.rsplit(":", 1)[-1]))
        url = demo_data_for(f"http://localhost:{proxy.port}")
        held, given = one_held_one_waiting()
        try:
            with console_page(browser, url, COUNT_OPENS) as page:
                yield page, proxy, held, given
        finally:
            proxy.close()


def test_a_cut_network_shows_offline_and_the_reconnect_catches_up(
    browser, transactional_db, redis_url
):
    with console_behind_a_proxy(browser, redis_url) as (page, proxy, held, given):
        cut_and_restore(page, proxy, held, given)


def cut_and_restore(page, proxy: PausableProxy, held, given) -> None:
    """During the cut: a visitor writes in the open chat, a new chat joins the queue and
    another is given to the agent; all three reach the page after it."""
    indicator = page.locator("#live-indicator")
    transcript = page.locator(f"#messages-{held.public_id}")
    expect(transcript).to_contain_text("I want to talk to a human")
    assert page.evaluate("window.__opens") == 1

    proxy.cut()
    in_thread(
        lambda: services.message_receive(
            conversation=held, client_id=uuid.uuid4(), body="Sent during the cut"
        )
    )
    waiting: list = []
    in_thread(lambda: waiting.append(escalated_conversation("I need a person please")))
    new_row = page.locator(f"#queue-row-{waiting[0].public_id}")
    agent = AgentProfile.objects.get(user__username="agent")
    in_thread(
        lambda: agent_services.conversation_claim(agent=agent, public_id=str(given.public_id))
    )

    # Within one ping interval and the deadline (and a second's slack).
    expect(indicator).not_to_have_attribute(
        "data-state", "live", timeout=(PING_SECONDS + DEADLINE_SECONDS + 1) * 1000
    )
    expect(indicator).to_have_text("Offline — reconnecting…")
    screenshot(page, "console-offline.png")
    # The cut was real: the server pushed the message, nothing of it reached the page.
    assert proxy.withheld["to_browser"] > 0
    expect(transcript).not_to_contain_text("Sent during the cut")
    expect(new_row).to_have_count(0)

    proxy.restore()
    expect(indicator).to_have_attribute("data-state", "live", timeout=20_000)
    expect(transcript).to_contain_text("Sent during the cut")
    expect(new_row).to_have_count(1)
    expect(page.locator(f"#tab-{given.public_id}")).to_have_count(1)
    expect(page.locator(f"#messages-{given.public_id}")).to_contain_text("talk to a human")
    assert page.evaluate("window.__opens") >= 2  # a new socket, not the old one


def test_a_reconnect_into_a_black_hole_gives_up_and_retries_after_the_network_heals(
    browser, transactional_db, redis_url
):
    """Review follow-up: during the cut the proxy accepts new connections and never answers
    them (a network that drops packets), so the console's new socket stays CONNECTING. It is
    abandoned at the connect deadline (2 x the pong deadline) and retried with the backoff,
    so once the network heals the console is Live again and shows what it missed, without
    waiting for TCP to give up on the stalled connections (the proxy never closes them)."""
    with console_behind_a_proxy(browser, redis_url) as (page, proxy, held, _given):
        indicator = page.locator("#live-indicator")
        transcript = page.locator(f"#messages-{held.public_id}")
        expect(transcript).to_contain_text("I want to talk to a human")

        proxy.cut(black_hole=True)
        in_thread(
            lambda: services.message_receive(
                conversation=held, client_id=uuid.uuid4(), body="Sent into the hole"
            )
        )
        expect(indicator).to_have_text(
            "Offline — reconnecting…",
            timeout=(PING_SECONDS + DEADLINE_SECONDS + 1) * 1000,
        )
        # Two reconnects stalled in the hole: the first was given up on, not waited on.
        until(lambda: proxy.stalled >= 2, seconds=4 * DEADLINE_SECONDS + 10)
        expect(indicator).to_have_text("Offline — reconnecting…")
        assert page.evaluate("window.__opens") == 1

        proxy.restore()
        expect(indicator).to_have_attribute("data-state", "live", timeout=20_000)
        expect(transcript).to_contain_text("Sent into the hole")
        assert page.evaluate("window.__opens") == 2


def until(condition, *, seconds: float) -> None:
    """Poll `condition` until it holds (bounded)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.05)


def test_a_visitor_message_whose_broadcast_was_lost_shows_a_few_pings_later(
    browser, transactional_db, redis_url
):
    """Stored, never broadcast, nothing after it (the visitor's last word as a server died):
    the page's seqs, sent every third ping, make the socket answer `resync`, on the same socket."""
    with daphne_server(
        redis_url,
        CHATSY_CONSOLE_PING_SECONDS=str(PING_SECONDS),
        CHATSY_CONSOLE_PONG_DEADLINE_SECONDS=str(DEADLINE_SECONDS),
    ) as url:
        demo_data_for(url)
        held, _ = one_held_one_waiting()
        with console_page(browser, url, COUNT_OPENS) as page:
            transcript = page.locator(f"#messages-{held.public_id}")
            expect(transcript).to_contain_text("I want to talk to a human")
            page.wait_for_function("window.__opens === 1")
            page.wait_for_load_state("networkidle")  # the open's re-fetch is in, before the store
            in_thread(
                lambda: message_stored_unannounced(
                    held, "Are you still there?", sender=Message.Sender.CUSTOMER
                )
            )
            # Seqs go out every 3rd ping (1 s here); the server reads them at most every 5 s.
            expect(transcript).to_contain_text("Are you still there?", timeout=20_000)
            assert page.evaluate("window.__opens") == 1  # no reconnect brought it
