"""Issue 12: however many visitors wait, the agent's console socket stays open on the real
Daphne (run with `--websocket-max-message-size`, CHATSY_WS_MAX_MESSAGE_BYTES, which bounds the
frames it sends too).

500 visitors escalated through the real pipeline wait in one queue (the line in Redis is real);
an agent's console socket and a supervisor's are connected; more visitors escalate. Before the
fix each escalation pushed the whole queue panel — one frame of every waiting chat — and Daphne
closed the socket (1011) once it passed the limit (then 64 KiB; 500 chats made 425 KB). Now every
frame is a few rows at most, whatever the queue's length."""

from __future__ import annotations

import asyncio
import re
import threading
import time

import pytest
import websockets
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from playwright.sync_api import expect

from agents.models import Queue
from chatsy.devstack import WEBSOCKET_MAX_MESSAGE_BYTES
from escalation.policy import Policy
from escalation.policy_store import policy_replace
from tests.factories import AgentFactory, QueueFactory, escalated_conversation

pytestmark = pytest.mark.e2e

WAITING = 500
MORE = 12
SETTLE_SECONDS = 90  # an upper bound for the last row to arrive; the test ends when it does


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


class Watcher:
    """The agent's and the supervisor's console sockets, read in a thread of their own."""

    def __init__(self, base: str, agent_cookie: str, supervisor_cookie: str) -> None:
        self.base, self.cookies = base, (agent_cookie, supervisor_cookie)
        self.frames: dict[str, list[str]] = {"agent": [], "supervisor": []}
        self.closed: dict[str, object] = {}
        self.open_after: dict[str, bool] = {}
        self.ready, self.finished = threading.Event(), threading.Event()
        self.wanted: str | None = None  # the last escalation's row id, once it exists
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    def start(self) -> None:
        self.thread.start()
        assert self.ready.wait(timeout=30), "the console sockets did not open"

    def arrived(self) -> bool:
        wanted = self.wanted
        return wanted is not None and any(wanted in f for f in self.frames["agent"])

    async def _main(self) -> None:
        ws_base = self.base.replace("http://", "ws://")
        connect = [
            websockets.connect(
                ws_base + path,
                origin=self.base,  # type: ignore[arg-type]
                additional_headers={"Cookie": cookie},
                max_size=None,  # see what the server sends, however big
            )
            for path, cookie in zip(
                ("/ws/console/", "/ws/console/?view=supervisor"), self.cookies, strict=True
            )
        ]
        agent, supervisor = [await c for c in connect]
        readers = [
            asyncio.create_task(self._read("agent", agent)),
            asyncio.create_task(self._read("supervisor", supervisor)),
        ]
        self.ready.set()
        deadline = time.monotonic() + SETTLE_SECONDS
        while not self.arrived() and time.monotonic() < deadline and not self.closed:
            await asyncio.sleep(0.05)
        for name, socket in (("agent", agent), ("supervisor", supervisor)):
            try:  # still open: it answers a ping
                await asyncio.wait_for(socket.ping(), timeout=10)
                self.open_after[name] = True
            except Exception:  # noqa: BLE001 — closed or dead, either way not open
                self.open_after[name] = False
        for reader in readers:
            reader.cancel()
        await agent.close()
        await supervisor.close()
        self.finished.set()

    async def _read(self, name: str, socket) -> None:
        try:
            async for frame in socket:
                self.frames[name].append(frame if isinstance(frame, str) else frame.decode())
        except websockets.ConnectionClosed as closed:
            self.closed[name] = (closed.rcvd.code if closed.rcvd else None, str(closed))
            return
        self.closed[name] = (socket.close_code, "closed by the server")


def test_500_waiting_visitors_never_close_an_agent_s_console(transactional_db, live_url):
    policy_replace(Policy.default())
    general = QueueFactory(slug="general", name="General support")
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    Queue.objects.exclude(pk=general.pk).update(active=False)  # everyone waits in general
    agent = AgentFactory(user__first_name="Sarah", queues=[general])
    supervisor = AgentFactory(user__first_name="Alex", is_supervisor=True)

    # The 500 wait through the real pipeline, committed together (mirrored in Redis on commit);
    # their broadcasts (nobody listens yet) go to an in-memory layer so the setup stays quick.
    started = time.monotonic()
    with (
        override_settings(
            CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        ),
        transaction.atomic(),
    ):
        for _ in range(WAITING):
            escalated_conversation()
    from agents.waiting_queue import waiting_line

    assert waiting_line().depth("general") == WAITING
    print(f"\n{WAITING} escalations set up in {time.monotonic() - started:.1f} s")

    watcher = Watcher(live_url, session_cookie(agent.user), session_cookie(supervisor.user))
    watcher.start()
    last = None
    for n in range(MORE):
        # Every third is urgent (the security wording): it goes to the top of the queue, so
        # its row is pushed; the others wait at the back (only the counts change).
        text = "My account was hacked!" if n % 3 == 2 else "I want to talk to a human"
        last = escalated_conversation(text)
    assert last is not None and last.priority == "urgent"
    watcher.wanted = f'id="queue-row-{last.public_id}"'
    assert watcher.finished.wait(timeout=SETTLE_SECONDS + 30)

    sizes = {name: [len(f.encode()) for f in frames] for name, frames in watcher.frames.items()}
    for name, measured in sizes.items():
        print(
            f"{name}: {len(measured)} frames, largest {max(measured, default=0)} bytes "
            f"(limit {WEBSOCKET_MAX_MESSAGE_BYTES})"
        )
    assert watcher.closed == {}, watcher.closed
    assert watcher.open_after == {"agent": True, "supervisor": True}
    assert watcher.arrived(), "the last escalation's row never reached the console"
    assert sizes["supervisor"], "the supervisor's view heard nothing"
    assert any("sup-queue-general" in f for f in watcher.frames["supervisor"])
    for measured in sizes.values():
        # Bounded by the rows shown, not the queue: 500 waiting chats once made a 425 KB frame.
        assert max(measured) < min(64 * 1024, WEBSOCKET_MAX_MESSAGE_BYTES // 2)


def test_the_console_shows_the_first_rows_and_the_rest_on_request(
    browser, transactional_db, redis_url
):
    """In Chromium, five rows per queue: "Show more" from the keyboard loads the rest, pushed
    newcomers land in order, and a list not expanded stays at five rows."""
    from tests.e2e.conftest import daphne_server, demo_data_for
    from tests.e2e.test_console_handoff import log_in
    from tests.e2e.test_console_resync import desk_agent, in_thread

    with daphne_server(redis_url, CHATSY_CONSOLE_QUEUE_ROWS="5") as url:
        demo_data_for(url)
        desk_agent()
        Queue.objects.exclude(slug="general").update(active=False)
        queued = [str(escalated_conversation().public_id) for _ in range(8)]
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        try:
            # The socket's first open re-fetches the panel (console:resync); a "Show more"
            # pressed before that answer lands would be swapped away with the old panel.
            with page.expect_response(lambda response: response.url.endswith("/console/queue/")):
                log_in(page, url)
            expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")
            page.wait_for_function(  # htmx has swapped and settled that answer
                "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
            )
            rows = page.locator("#queue-rows-general > .queue-row")
            expect(rows).to_have_count(5)
            more = page.locator("#queue-section-general .show-more")
            expect(more).to_have_text("Show more (3 more)")
            more.focus()
            page.keyboard.press("Enter")
            expect(rows).to_have_count(8)
            expect(more).to_be_hidden()
            assert [r.get_attribute("id") for r in rows.all()] == [f"queue-row-{i}" for i in queued]

            # An urgent newcomer is pushed to the top; the expanded list keeps every row.
            urgent: list = []
            in_thread(lambda: urgent.append(escalated_conversation("My account was hacked!")))
            expect(rows.first).to_have_id(f"queue-row-{urgent[0].public_id}")
            expect(rows).to_have_count(9)
            expect(page).to_have_title(re.compile(r"^\(9\) "))

            # A fresh page shows five; an urgent newcomer lands after the earlier urgent one
            # and the list stays at five, in order.
            page.reload()
            expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")
            expect(rows).to_have_count(5)
            in_thread(lambda: urgent.append(escalated_conversation("Someone hacked my account")))
            expect(rows.nth(1)).to_have_id(f"queue-row-{urgent[1].public_id}")
            expect(more).to_have_text("Show more (5 more)")
            ids = [f"queue-row-{c.public_id}" for c in urgent] + [f"queue-row-{i}" for i in queued]
            expect(rows).to_have_count(5)
            assert [r.get_attribute("id") for r in rows.all()] == ids[:5]

            # Taking the top chat brings the next one up at the bottom.
            rows.first.get_by_role("button", name=re.compile("Take over")).click()
            expect(page.locator(f"#chat-{urgent[0].public_id}")).to_have_count(1)
            expect(rows.last).to_have_id(ids[5])
            expect(rows).to_have_count(5)
        finally:
            context.close()
