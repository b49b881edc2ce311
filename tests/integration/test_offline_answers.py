"""Offline answers through the real bot turn while the LLM is down: the visitor gets the
passage that answers the question (not the article), in the store's voice, with the article's
"Read more" link. The real `openai` client talks to a closed port on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from chatsy.asgi import application
from conversations.knowledge import knowledge_changed
from conversations.models import Message
from escalation.turn import FALLBACK_PREFIX
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

RETURNS_URL = "https://shop.example.com/help/returns/"
RETURNS_BODY = (
    "You can return unworn items within 30 days of delivery for a full refund.\n\n"
    "What you can return:\n"
    "- Unused items in their original condition, with the tags attached.\n"
    "- Sale items, refunded at the price you paid.\n\n"
    "What you can't return:\n"
    "- Personalised or made-to-order items, unless they're faulty.\n"
    "- Opened pillows and duvets, for hygiene reasons.\n\n"
    "Return shipping is free for members; otherwise we deduct $6.95 for the prepaid label. "
    "Refunds reach your original payment method within 3 business days of your return "
    "reaching our warehouse."
)


def closed_port() -> int:
    """A port nothing listens on (bound, then released): every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def llm_down(settings):
    settings.OPENAI_API_KEY = "test-key"
    settings.OPENAI_BASE_URL = f"http://127.0.0.1:{closed_port()}/v1"
    settings.OPENAI_MODEL = "fake-model"
    settings.CHATSY_LLM_FIRST_TOKEN_SECONDS = 1.0
    settings.CHATSY_LLM_TOTAL_SECONDS = 3.0


@pytest.fixture
def returns_article(site):
    article = ArticleFactory(
        slug="returns",
        title="Our return and refund policy",
        body=RETURNS_BODY,
        keywords="return, refund",
        url=RETURNS_URL,
    )
    knowledge_changed()
    return article


async def first_reply(new_visitor, question: str) -> dict:
    """The first message that is not the visitor's own, after asking question."""
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say(question)
    while True:
        frame = await visitor.receive_type("message", timeout=10)
        if frame["message"]["sender"] != "customer":
            return frame["message"]


async def test_with_the_llm_down_the_answer_is_the_passage_with_a_read_more_link(
    new_visitor, llm_down, returns_article
):
    answer = await first_reply(new_visitor, "Can I return pillows?")

    body = answer["body"]
    assert body.startswith(FALLBACK_PREFIX)
    stored = await database_sync_to_async(Message.objects.get)(sender="bot")
    assert stored.metadata["responder"] == "fallback" and stored.body == body
    reply = body.removeprefix(FALLBACK_PREFIX).strip()
    assert reply.startswith("What you can't return:\n- Personalised")
    assert "- Opened pillows and duvets, for hygiene reasons." in reply.splitlines()
    # The passage ends with the link; the turn's offer of a person follows it.
    assert f"hygiene reasons.\n\nRead more: {RETURNS_URL}\n\n" in reply
    # Not the article: neither the other list nor the refunds paragraph, and no "article X says".
    assert "Sale items" not in reply and "$6.95" not in reply
    assert "article" not in reply.lower()
    # A person is still offered after a failure, as before.
    assert answer["meta"]["actions"] == [{"id": "request_human", "label": "Talk to a person"}]


async def test_an_off_topic_question_still_gets_the_scope_reply_not_a_passage(
    new_visitor, llm_down, returns_article
):
    reply = await first_reply(new_visitor, "What is the capital of Australia?")

    # As before this change: the turn's scope reply and an offer of a person, no article text.
    assert reply["sender"] == "bot"
    assert reply["body"].startswith("I can help with orders, shipping, returns")
    assert reply["meta"]["actions"] == [{"id": "request_human", "label": "Talk to a person"}]
    assert "Read more" not in reply["body"] and "What you can" not in reply["body"]


@pytest.mark.parametrize("host", ["127.0.0.1:8123", "localhost:9001"])
async def test_a_help_page_stored_as_a_path_is_linked_on_the_public_url_not_the_host_header(
    new_visitor, site, settings, host
):
    """The demo's help pages are stored as paths; the link is made on CHATSY_PUBLIC_URL, the
    one address people reach this server at, whatever Host the visitor's socket sent: the
    stored message is what agents and transcript emails see too."""
    settings.CHATSY_PUBLIC_URL = "https://chat.example.com"
    await database_sync_to_async(ArticleFactory)(
        slug="returns",
        title="Our return and refund policy",
        body=RETURNS_BODY,
        keywords="return, refund",
        url="/help/returns/",
    )
    await database_sync_to_async(knowledge_changed)()
    visitor = await new_visitor()
    visitor.socket = WebsocketCommunicator(
        application, "/ws/widget/", headers=[(b"host", host.encode())]
    )
    await visitor.connect()
    await visitor.say("Can I return pillows?")
    answer = await visitor.receive_message_from("bot", timeout=10)
    assert "Read more: https://chat.example.com/help/returns/" in answer["body"]
    stored = await database_sync_to_async(Message.objects.get)(sender="bot")
    assert "Read more: https://chat.example.com/help/returns/" in stored.body
    assert host not in stored.body
    await visitor.socket.disconnect()


async def test_the_demo_stores_its_own_help_pages_as_paths():
    from conversations.demo.loader import demo_load
    from conversations.models import Article

    await database_sync_to_async(demo_load)(extra_origins=["http://localhost:9001"])
    urls = await database_sync_to_async(list)(Article.objects.values_list("slug", "url"))
    assert urls and all(url == f"/help/{slug}/" for slug, url in urls)
