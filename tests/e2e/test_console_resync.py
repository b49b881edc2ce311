"""The agent's console in headless Chromium, on its own Daphne and its own Redis: Redis dies
(kill -9) and comes back empty while the console's socket stays up. A message stored in the
open chat and a chat given to the agent meanwhile both reach the page, without a reload."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections
from playwright.sync_api import expect

from agents import services as agent_services
from agents.models import AgentProfile, Queue
from chatsy import settings as chatsy_settings
from conversations import services
from escalation.policy import Policy
from escalation.policy_store import policy_replace
from tests.e2e.conftest import daphne_server, demo_data_for
from tests.e2e.test_console_handoff import log_in
from tests.factories import QueueFactory, escalated_conversation
from tests.support.killable_redis import KillableRedis

pytestmark = pytest.mark.e2e


def in_thread(call: Callable[[], object]) -> None:
    """Run a service from a thread of its own: Playwright's loop in this thread would keep its
    on-commit broadcasts from being sent at all."""

    def run() -> None:
        try:
            call()
        finally:  # on PostgreSQL the thread's pooled connection goes back to the pool
            connections.close_all()

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=15)
    assert not worker.is_alive()


@pytest.fixture
def killable_redis(settings):
    redis = KillableRedis()
    # This process's broadcasts go to the same Redis as the server's (and fail with it).
    settings.REDIS_URL = redis.url
    settings.CHANNEL_LAYERS = chatsy_settings.channel_layers_for(redis.url)
    yield redis
    redis.finish()


def desk_agent() -> AgentProfile:
    policy_replace(Policy.default())
    general = QueueFactory(slug="general", name="General support")
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    agent = AgentProfile.objects.get(user__username="agent")
    agent.queues.add(general)
    return agent


def test_the_console_catches_up_on_what_it_missed_while_redis_was_gone(
    browser, transactional_db, killable_redis
):
    with daphne_server(killable_redis.url) as url:
        demo_data_for(url)
        agent = desk_agent()
        held, given_later = escalated_conversation(), escalated_conversation()
        agent_services.conversation_claim(agent=agent, public_id=str(held.public_id))

        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        try:
            log_in(page, url)
            transcript = page.locator(f"#messages-{held.public_id}")
            expect(transcript).to_contain_text("I want to talk to a human")
            page.evaluate(
                """() => { window.__opens = 0;
                    document.addEventListener('htmx:wsOpen', () => window.__opens++); }"""
            )

            killable_redis.kill()
            in_thread(
                lambda: services.message_post_system(conversation=held, body="Stored while down")
            )
            in_thread(
                lambda: agent_services.conversation_claim(
                    agent=agent, public_id=str(given_later.public_id)
                )
            )
            killable_redis.restart_empty()

            expect(transcript).to_contain_text("Stored while down", timeout=15_000)
            expect(page.locator(f"#chat-{given_later.public_id}")).to_have_count(1, timeout=5_000)
            assert page.evaluate("window.__opens") == 0  # the same socket: the hint did it
            expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live")

            # Subscribed to the chat it was given while Redis was gone: it is live now.
            in_thread(
                lambda: services.message_post_system(conversation=given_later, body="Hello again")
            )
            expect(page.locator(f"#messages-{given_later.public_id}")).to_contain_text(
                "Hello again", timeout=5_000
            )
        finally:
            context.close()


def test_a_pane_refreshed_from_an_older_render_keeps_the_messages_pushed_live(
    browser, transactional_db, killable_redis
):
    """The resync re-fetches each open chat; a message pushed while that request was in flight
    must survive the swap. The stale render is served on purpose (page.route)."""
    with daphne_server(killable_redis.url) as url:
        demo_data_for(url)
        agent = desk_agent()
        held = escalated_conversation()
        agent_services.conversation_claim(agent=agent, public_id=str(held.public_id))
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        try:
            log_in(page, url)
            pane_url = f"{url}/console/chats/{held.public_id}/"
            stale = page.request.get(pane_url, headers={"HX-Request": "true"})
            assert stale.ok and "Pushed live" not in stale.text()

            in_thread(lambda: services.message_post_system(conversation=held, body="Pushed live"))
            live = page.locator(f"#messages-{held.public_id} li", has_text="Pushed live")
            expect(live).to_have_count(1, timeout=5_000)

            served = []
            page.route(
                pane_url,
                lambda route: (served.append(1), route.fulfill(response=stale)),
            )
            page.evaluate(
                """() => { window.__settled = 0;
                    document.addEventListener('htmx:afterSettle', () => window.__settled++);
                    htmx.trigger(document.body, 'console:resync'); }"""
            )
            page.wait_for_function("() => window.__settled > 0", timeout=5_000)
            assert served == [1]
            expect(live).to_have_count(1)
            transcript = page.locator(f"#messages-{held.public_id}")
            expect(transcript).to_contain_text("I want to talk to a human")  # the refreshed pane
        finally:
            context.close()
