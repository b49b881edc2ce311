"""An LLM answer streams into the widget token by token, in order (real SDK, fake model server)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conversations.models import Message
from tests.e2e.conftest import daphne_server, demo_data_for, screenshot
from tests.support.fake_openai import FakeOpenAI, normal

pytestmark = pytest.mark.e2e

REPLY = (
    "Standard shipping takes 3 to 5 business days, and express shipping takes 1 to 2 business "
    "days. You get a tracking link by email as soon as your parcel leaves our warehouse."
)


@pytest.fixture(scope="module")
def llm_server(django_db_setup, redis_url):
    with (
        FakeOpenAI() as fake,
        daphne_server(
            redis_url,
            OPENAI_API_KEY="test-key",
            OPENAI_BASE_URL=fake.base_url,
            OPENAI_MODEL="fake-model",
        ) as url,
    ):
        yield fake, url


def test_the_answer_streams_in_order_then_settles(page, transactional_db, llm_server):
    fake, url = llm_server
    demo_data_for(url)
    fake.enqueue(normal(REPLY + "\nCONFIDENCE: 0.95"))
    page.goto(url + "/")
    page.locator("#chatsy-launcher").click()
    # Record every text the streaming bubble shows, as the browser renders it.
    page.evaluate(
        """() => {
          window.__seen = [];
          const root = document.querySelector('#chatsy-widget').shadowRoot;
          const list = root.querySelector('#chatsy-messages');
          new MutationObserver(() => {
            const bubble = list.querySelector('li.is-streaming .chatsy-bubble');
            if (bubble) window.__seen.push(bubble.textContent);
          }).observe(list, {subtree: true, childList: true, characterData: true});
        }"""
    )
    page.locator("#chatsy-input").fill("How long does shipping take?")
    page.locator("#chatsy-input").press("Enter")
    bot = page.locator("#chatsy-messages li.chatsy-msg[data-sender=bot]:not(.is-streaming)")
    expect(bot).to_have_count(1, timeout=15_000)
    seen = page.evaluate("window.__seen")
    assert len(seen) >= 5, seen
    # Each rendering extends the previous one: the tokens arrived in order.
    assert all(later.startswith(earlier) for earlier, later in zip(seen, seen[1:], strict=False))
    assert seen[-1] == REPLY
    assert bot.first.inner_text().find("CONFIDENCE") == -1
    assert page.locator("#chatsy-messages li.is-streaming").count() == 0
    screenshot(page, "widget-streamed-answer.png")
    stored = Message.objects.get(sender="bot")
    assert stored.body.startswith(REPLY) and stored.metadata["responder"] == "openai"
