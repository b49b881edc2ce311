"""The bot's turn with an LLM: streaming, deadlines, fallback, takeover, breaker, summary.

The real `openai` client talks over real HTTP to tests/support/fake_openai.py on 127.0.0.1.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from conversations.models import Conversation, Message
from escalation.handoff_summary import escalation_summarise
from escalation.models import Escalation
from escalation.turn import FALLBACK_PREFIX
from tests.support.fake_openai import FakeOpenAI, normal, slow_first_token

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

SHIPPING_REPLY = "Standard shipping takes 3–5 business days; express takes 1–2.\nCONFIDENCE: 0.95"


@pytest.fixture
def llm(settings):
    with FakeOpenAI() as fake:
        settings.OPENAI_API_KEY = "test-key"
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_MODEL = "fake-model"
        settings.CHATSY_LLM_FIRST_TOKEN_SECONDS = 1.0
        settings.CHATSY_LLM_TOTAL_SECONDS = 3.0
        yield fake


@database_sync_to_async
def bot_messages() -> list[Message]:
    return list(Message.objects.filter(sender="bot").order_by("seq"))


async def test_an_answer_streams_in_order_then_lands_as_one_stored_message(new_visitor, llm):
    llm.enqueue(normal(SHIPPING_REPLY))
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")
    deltas, stream_ids = [], set()
    while True:
        frame = await visitor.receive()
        if frame["type"] == "stream":
            deltas.append(frame["delta"])
            stream_ids.add(frame["stream_id"])
        elif frame["type"] == "message" and frame["message"]["sender"] == "bot":
            final = frame["message"]
            break
    assert len(deltas) > 3 and len(stream_ids) == 1
    streamed = "".join(deltas)
    assert streamed == "Standard shipping takes 3–5 business days; express takes 1–2."
    assert "CONFIDENCE" not in streamed and final["body"].startswith(streamed)
    assert final["meta"]["stream_id"] in stream_ids
    assert 0.6 <= final["meta"]["confidence"] <= 1
    [stored] = await bot_messages()
    assert stored.metadata["responder"] == "openai" and stored.reply_to == 1


async def test_a_hanging_model_falls_back_within_the_deadline_and_offers_a_person_once(
    new_visitor, llm
):
    llm.enqueue("hang", "hang")
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")
    answer = await visitor.receive_message_from("bot", timeout=10)  # the deadline is 3 s
    assert answer["body"].startswith(FALLBACK_PREFIX)
    assert "business days" in answer["body"]
    assert answer["meta"]["actions"] == [{"id": "request_human", "label": "Talk to a person"}]
    assert len(await bot_messages()) == 1
    assert not await database_sync_to_async(Escalation.objects.exists)()
    assert llm.request_count == 2  # one retry, before any token


async def test_a_person_taking_over_mid_stream_stops_the_bot_message(new_visitor, llm, settings):
    settings.CHATSY_LLM_FIRST_TOKEN_SECONDS = 3.0
    llm.enqueue(slow_first_token(1.0))
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")
    typing = await visitor.receive_type("typing")  # the bot is waiting for its first token
    assert (typing["sender"], typing["active"]) == ("bot", True)
    await database_sync_to_async(Conversation.objects.update)(status="assigned")
    frame = await visitor.receive_type("stream_end", timeout=10)
    assert frame["stream_id"]
    # The bot ends the stream only after deciding not to store its answer: nothing follows.
    assert await bot_messages() == []


async def test_an_open_breaker_fails_fast_without_calling_the_model(new_visitor, llm):
    llm.enqueue(*["http_500"] * 6)
    for _ in range(3):  # Three visitors, two failed requests each: the breaker opens at five.
        visitor = await new_visitor()
        await visitor.connect()
        await visitor.say("How long does shipping take?")
        assert (await visitor.receive_message_from("bot"))["body"].startswith(FALLBACK_PREFIX)
    requests = llm.request_count
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")
    answer = await visitor.receive_message_from("bot")
    assert answer["body"].startswith(FALLBACK_PREFIX)
    assert llm.request_count == requests  # refused without a call, so without its wait


async def test_failures_count_toward_the_failure_trigger(new_visitor, llm):
    llm.enqueue(*["http_500"] * 4)
    visitor = await new_visitor()
    await visitor.connect()
    for question in ("How long does shipping take?", "How do I reset my password?"):
        await visitor.say(question)
        await visitor.receive_message_from("bot")
    await visitor.say("What about express shipping?")
    await visitor.receive_message_from("system")
    escalation = await database_sync_to_async(Escalation.objects.get)()
    assert escalation.category == "repeated_failure"


async def test_the_llm_summary_replaces_the_extractive_one_once(new_visitor, llm):
    llm.enqueue(normal("Customer wants a person about shipping times. The AI did not answer."))
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("I want to talk to a human about my delivery")
    await visitor.receive_message_from("system")
    escalation = await database_sync_to_async(Escalation.objects.get)()
    # Celery runs eagerly in tests: the task already ran on commit.
    assert (escalation.summary_source, escalation.summary) == (
        "llm",
        "Customer wants a person about shipping times. The AI did not answer.",
    )
    assert await database_sync_to_async(escalation_summarise)(escalation_id=escalation.pk) is False
    assert llm.request_count == 1


async def test_without_the_llm_the_extractive_summary_stays(new_visitor, llm):
    llm.enqueue("http_500", "http_500")
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("I want to talk to a human about order #48213")
    await visitor.receive_message_from("system")
    escalation = await database_sync_to_async(Escalation.objects.get)()
    assert escalation.summary_source == "extractive"
    assert "#48213" in escalation.summary or "48213" in escalation.summary
