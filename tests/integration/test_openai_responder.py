"""The OpenAI responder and summary through the real SDK, over real HTTP, to a fake server.

Deadlines are shrunk (0.5 s to the first token, 3 s in all) so failures show quickly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from conversations.assistant.base import Responder, Turn
from conversations.assistant.breaker import CircuitBreaker
from conversations.assistant.knowledge_base import load_demo_index
from conversations.assistant.llm import LLMConfig, ResponderUnavailable, summarise
from conversations.assistant.openai_responder import OpenAIResponder, estimate_tokens
from conversations.assistant.retrieval import KnowledgeIndex
from tests.support.fake_openai import (
    FakeOpenAI,
    http_429,
    normal,
    slow_first_token,
    stall,
    stream_cut,
)

IN_KB_QUESTION = "How do I return an item?"
OUT_OF_KB_QUESTION = "What is the capital of Peru?"
NOT_COVERED_REPLY = "I'm sorry, our help articles don't cover that.\nCONFIDENCE: 0.1"
FIRST_TOKEN_SECONDS = 0.5
TOTAL_SECONDS = 3.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Deltas:
    """An on_delta callback that remembers what it was given."""

    def __init__(self) -> None:
        self.pieces: list[str] = []

    async def __call__(self, piece: str) -> None:
        self.pieces.append(piece)

    @property
    def text(self) -> str:
        return "".join(self.pieces)


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    return load_demo_index()


@pytest.fixture
def server() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture
def config(server: FakeOpenAI) -> LLMConfig:
    return LLMConfig(
        api_key="test-key",
        base_url=server.base_url,
        model="fake-model",
        first_token_timeout=FIRST_TOKEN_SECONDS,
        total_timeout=TOTAL_SECONDS,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def breaker(clock: FakeClock) -> CircuitBreaker:
    return CircuitBreaker(clock=clock)


@pytest.fixture
def responder(index: KnowledgeIndex, config: LLMConfig, breaker: CircuitBreaker) -> OpenAIResponder:
    return OpenAIResponder(lambda: index, config, breaker)


async def unavailable(
    responder: OpenAIResponder, question: str = IN_KB_QUESTION
) -> tuple[ResponderUnavailable, Deltas]:
    """Ask, expect failure; returns the error and what was streamed."""
    deltas = Deltas()
    with pytest.raises(ResponderUnavailable) as raised:
        await responder.answer(question=question, on_delta=deltas)
    return raised.value, deltas


# --- answers -------------------------------------------------------------------------------


def test_meets_the_responder_protocol(responder: OpenAIResponder) -> None:
    assert isinstance(responder, Responder)
    assert responder.name == "openai"


@pytest.mark.asyncio
async def test_the_reply_streams_in_order_without_its_confidence_line(
    responder: OpenAIResponder, server: FakeOpenAI
) -> None:
    deltas = Deltas()

    answer = await responder.answer(question=IN_KB_QUESTION, on_delta=deltas)

    expected = server.reply.split("\nCONFIDENCE")[0]
    assert answer.text == deltas.text == expected
    assert len(deltas.pieces) > 5
    assert not any("CONFIDENCE" in piece for piece in deltas.pieces)
    assert "CONFIDENCE" not in answer.text
    assert answer.responder == "openai"
    assert answer.sources[0].title == "How to return an item"
    assert answer.signals["self_assessment"] == 0.9
    assert answer.signals["token_probability"] == pytest.approx(math.exp(-0.05), abs=1e-3)
    assert answer.signals["attempts"] == 1.0
    body = server.requests[0].body
    assert body["stream"] is True and body["logprobs"] is True and body["model"] == "fake-model"
    assert server.requests[0].headers["authorization"] == "Bearer test-key"


@pytest.mark.asyncio
async def test_confidence_is_higher_in_the_knowledge_base_than_outside_it(
    responder: OpenAIResponder, server: FakeOpenAI
) -> None:
    server.enqueue("normal", normal(NOT_COVERED_REPLY, logprob=-0.7))

    covered = await responder.answer(question=IN_KB_QUESTION)
    not_covered = await responder.answer(question=OUT_OF_KB_QUESTION)

    assert 0.0 <= not_covered.confidence < 0.4 < 0.8 < covered.confidence <= 1.0
    assert not_covered.text == "I'm sorry, our help articles don't cover that."
    assert not_covered.signals["retrieval"] < 0.1
    assert not_covered.signals["self_assessment"] == 0.1


@pytest.mark.asyncio
async def test_the_prompt_holds_the_top_article_and_the_newest_history_within_budget(
    responder: OpenAIResponder, server: FakeOpenAI, index: KnowledgeIndex
) -> None:
    history = [
        Turn("customer" if i % 2 == 0 else "bot", f"turn {i}: " + "words " * 80) for i in range(40)
    ]

    answer = await responder.answer(question=IN_KB_QUESTION, history=history)

    messages = server.requests[0].messages
    return_article = next(doc for doc in index.docs if doc.title == "How to return an item")
    assert return_article.body.strip() in messages[0]["content"]
    assert messages[-1] == {"role": "user", "content": IN_KB_QUESTION}
    sent_history = [m["content"] for m in messages[1:-1]]
    assert sent_history[-1].startswith("turn 39:")
    assert not any(text.startswith("turn 0:") for text in sent_history)
    assert answer.signals["history_turns_dropped"] > 0
    articles_tokens = sum(
        estimate_tokens(index.docs[s.article_id - 1].body) for s in answer.sources
    )
    assert articles_tokens + sum(estimate_tokens(text) for text in sent_history) <= 3_000


@pytest.mark.asyncio
async def test_small_talk_is_answered_without_calling_the_model(
    responder: OpenAIResponder, server: FakeOpenAI
) -> None:
    answer = await responder.answer(question="hello!")

    assert answer.confidence == 1.0
    assert server.request_count == 0


# --- deadlines and retries ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_first_token_past_its_deadline_fails_after_one_retry(
    responder: OpenAIResponder, server: FakeOpenAI
) -> None:
    server.enqueue(slow_first_token(5), slow_first_token(5))

    error, deltas = await unavailable(responder)

    assert error.reason == "first_token_timeout"  # each attempt's first-token deadline fired
    assert server.request_count == 2
    assert error.delivered_text == deltas.text == ""  # neither waited for the 5 s token
    assert not error.streamed


@pytest.mark.asyncio
async def test_a_slow_first_attempt_is_retried_once(
    responder: OpenAIResponder, server: FakeOpenAI
) -> None:
    server.enqueue(slow_first_token(5), "normal")

    answer = await responder.answer(question=IN_KB_QUESTION)

    assert server.request_count == 2
    assert answer.signals["attempts"] == 2.0


@pytest.mark.asyncio
async def test_a_server_that_hangs_fails_within_the_total_deadline(
    index: KnowledgeIndex, server: FakeOpenAI, breaker: CircuitBreaker
) -> None:
    config = LLMConfig("test-key", server.base_url, first_token_timeout=5.0, total_timeout=1.0)
    server.enqueue("hang")

    error, _ = await unavailable(OpenAIResponder(lambda: index, config, breaker))

    assert error.reason == "total_timeout"  # the server never answers: only the deadline ends it
    assert server.request_count == 1  # no time left for a retry


@pytest.mark.asyncio
async def test_a_stream_that_stalls_after_some_text_fails_at_the_total_deadline(
    index: KnowledgeIndex, server: FakeOpenAI, breaker: CircuitBreaker
) -> None:
    config = LLMConfig("test-key", server.base_url, first_token_timeout=0.5, total_timeout=1.0)
    server.enqueue(stall(after_chunks=4))

    error, deltas = await unavailable(OpenAIResponder(lambda: index, config, breaker))

    assert error.reason == "total_timeout"  # tokens kept the first-token deadline from firing
    assert error.delivered_text == deltas.text == "You can return most"
    assert server.request_count == 1


@pytest.mark.asyncio
async def test_a_server_error_is_retried_once_then_fails(
    responder: OpenAIResponder, server: FakeOpenAI
) -> None:
    server.enqueue("http_500", "http_500")

    error, _ = await unavailable(responder)

    assert error.reason == "server_error"
    assert server.request_count == 2


@pytest.mark.asyncio
async def test_a_server_error_then_success_answers(
    responder: OpenAIResponder, server: FakeOpenAI
) -> None:
    server.enqueue("http_500")

    answer = await responder.answer(question=IN_KB_QUESTION)

    assert answer.text and server.request_count == 2


@pytest.mark.asyncio
async def test_a_rate_limit_with_a_short_retry_after_is_retried_after_waiting(
    responder: OpenAIResponder, server: FakeOpenAI
) -> None:
    server.enqueue(http_429(retry_after=1))

    answer = await responder.answer(question=IN_KB_QUESTION)

    assert answer.text
    assert server.request_count == 2
    assert not server.requests[1].before_retry_after  # the fake server saw the wait


@pytest.mark.asyncio
async def test_a_rate_limit_with_a_long_retry_after_fails_at_once(
    responder: OpenAIResponder, server: FakeOpenAI
) -> None:
    server.enqueue(http_429(retry_after=5))

    error, _ = await unavailable(responder)

    assert error.reason == "rate_limited"
    assert server.request_count == 1  # no retry, so no wait for one


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        ("http_401", "auth"),
        ("context_length", "context_length"),
        ("malformed_json", "malformed_response"),
    ],
)
async def test_errors_a_retry_cannot_fix_fail_without_one(
    responder: OpenAIResponder, server: FakeOpenAI, behaviour: str, reason: str
) -> None:
    server.enqueue(behaviour, behaviour)

    error, _ = await unavailable(responder)

    assert error.reason == reason
    assert server.request_count == 1


@pytest.mark.asyncio
async def test_a_stream_cut_midway_fails_with_what_was_delivered_and_no_retry(
    responder: OpenAIResponder, server: FakeOpenAI
) -> None:
    server.enqueue(stream_cut(after_chunks=5))

    error, deltas = await unavailable(responder)

    assert error.reason == "stream_cut"
    assert error.streamed
    assert error.delivered_text == deltas.text == "You can return most items"
    assert server.request_count == 1


@pytest.mark.asyncio
async def test_a_stream_cut_before_any_text_is_retried(
    responder: OpenAIResponder, server: FakeOpenAI
) -> None:
    server.enqueue(stream_cut(after_chunks=0))

    answer = await responder.answer(question=IN_KB_QUESTION)

    assert answer.text and server.request_count == 2


@pytest.mark.asyncio
async def test_without_an_api_key_it_fails_without_a_request(
    index: KnowledgeIndex, server: FakeOpenAI
) -> None:
    config = LLMConfig(api_key="", base_url=server.base_url)

    error, _ = await unavailable(OpenAIResponder(lambda: index, config, CircuitBreaker()))

    assert error.reason == "not_configured"
    assert server.request_count == 0


# --- the circuit breaker -------------------------------------------------------------------


async def open_the_breaker(responder: OpenAIResponder, server: FakeOpenAI) -> None:
    server.enqueue(*["http_401"] * 5)
    for _ in range(5):
        await unavailable(responder)
    assert server.request_count == 5


@pytest.mark.asyncio
async def test_an_open_breaker_fails_fast_without_contacting_the_server(
    responder: OpenAIResponder, server: FakeOpenAI, breaker: CircuitBreaker
) -> None:
    await open_the_breaker(responder, server)
    assert breaker.state == "open"

    with pytest.raises(ResponderUnavailable) as raised:
        await responder.answer(question=IN_KB_QUESTION)

    assert raised.value.reason == "circuit_open"
    assert server.request_count == 5  # refused without a request, so without its wait


@pytest.mark.asyncio
async def test_after_its_reset_time_a_successful_probe_closes_the_breaker(
    responder: OpenAIResponder, server: FakeOpenAI, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    await open_the_breaker(responder, server)
    clock.now += 61

    answer = await responder.answer(question=IN_KB_QUESTION)

    assert answer.text
    assert server.request_count == 6
    assert breaker.state == "closed"


@pytest.mark.asyncio
async def test_a_failed_probe_is_not_retried_and_reopens_the_breaker(
    responder: OpenAIResponder, server: FakeOpenAI, breaker: CircuitBreaker, clock: FakeClock
) -> None:
    await open_the_breaker(responder, server)
    clock.now += 61
    server.enqueue("http_500", "normal")

    error, _ = await unavailable(responder)

    assert error.reason == "server_error"
    assert server.request_count == 6  # half-open lets exactly one request through
    assert breaker.state == "open"


# --- the handoff summary -------------------------------------------------------------------

SUMMARY = (
    "Customer disputing $150 charge from last month. Says they canceled before renewal "
    "date. Wants full refund."
)
TRANSCRIPT = [
    ("customer", "Why was I charged $150 last month? I cancelled before the renewal date."),
    ("bot", "Refunds take 5 business days after a return is received."),
    ("customer", "I want a full refund now."),
]


@pytest.mark.asyncio
async def test_summarise_returns_the_models_summary(config: LLMConfig, server: FakeOpenAI) -> None:
    server.enqueue(normal(SUMMARY))

    summary = await summarise(config, TRANSCRIPT, breaker=CircuitBreaker())

    assert summary == SUMMARY
    request = server.requests[0].body
    assert not request.get("stream")
    assert "Customer: Why was I charged $150" in request["messages"][1]["content"]
    assert "AI assistant: Refunds take" in request["messages"][1]["content"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("behaviours", "reason", "requests"),
    [(("http_500", "http_500"), "server_error", 2), (("http_401",), "auth", 1)],
)
async def test_summarise_raises_when_the_model_is_unavailable(
    config: LLMConfig,
    server: FakeOpenAI,
    behaviours: tuple[str, ...],
    reason: str,
    requests: int,
) -> None:
    server.enqueue(*behaviours)

    with pytest.raises(ResponderUnavailable) as raised:
        await summarise(config, TRANSCRIPT, breaker=CircuitBreaker())

    assert raised.value.reason == reason
    assert server.request_count == requests


@pytest.mark.asyncio
async def test_summarise_gives_up_at_the_total_deadline(server: FakeOpenAI) -> None:
    config = LLMConfig("test-key", server.base_url, first_token_timeout=0.5, total_timeout=1.0)
    server.enqueue("hang")

    with pytest.raises(ResponderUnavailable) as raised:
        await summarise(config, TRANSCRIPT, breaker=CircuitBreaker())

    assert raised.value.reason == "total_timeout"  # the server never answers
