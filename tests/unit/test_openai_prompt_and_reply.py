"""The LLM responder's pure parts: prompt budget, CONFIDENCE-line filter, confidence blend."""

from __future__ import annotations

import math

import pytest

from conversations.assistant.base import Turn
from conversations.assistant.llm import LLMConfig, transcript_text
from conversations.assistant.openai_responder import (
    ReplyFilter,
    blend_confidence,
    build_messages,
    estimate_tokens,
    visible_text,
)
from conversations.assistant.retrieval import ArticleDoc

ARTICLES = [
    ArticleDoc(id=7, title="How to return an item", body="Returns are free within 30 days. " * 20),
    ArticleDoc(id=8, title="Refund times", body="Refunds take 5 business days. " * 20),
]


def history_tokens(messages: list[dict[str, str]]) -> int:
    return sum(estimate_tokens(m["content"]) for m in messages[1:-1])


def test_the_prompt_has_the_articles_the_history_and_the_question_last() -> None:
    history = [Turn("customer", "hi there"), Turn("bot", "Hello!"), Turn("agent", "Anna here.")]

    prompt = build_messages("How do I return shoes?", history, ARTICLES)

    system = prompt.messages[0]
    assert system["role"] == "system"
    assert ARTICLES[0].body.strip() in system["content"]
    assert "How to return an item" in system["content"]
    assert "CONFIDENCE" in system["content"] and "ONLY" in system["content"]
    assert prompt.messages[1:] == [
        {"role": "user", "content": "hi there"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "assistant", "content": "[Agent] Anna here."},
        {"role": "user", "content": "How do I return shoes?"},
    ]
    assert (prompt.articles, prompt.history_turns, prompt.history_dropped) == (2, 3, 0)


def test_history_over_budget_drops_the_oldest_turns_first() -> None:
    history = [Turn("customer" if i % 2 else "bot", f"turn {i} " + "x" * 400) for i in range(40)]

    prompt = build_messages("and then?", history, ARTICLES, budget_tokens=3_000)

    kept = [m["content"] for m in prompt.messages[1:-1]]
    assert kept[-1].startswith("turn 39 ")
    assert not any(text.startswith("turn 0 ") for text in kept)
    assert [int(text.split()[1]) for text in kept] == list(range(40 - len(kept), 40))
    articles_tokens = sum(estimate_tokens(a.body) for a in ARTICLES)
    assert history_tokens(prompt.messages) + articles_tokens <= 3_000
    assert prompt.budget_tokens_used <= 3_000
    assert prompt.history_dropped == 40 - len(kept) > 0


def test_a_too_long_best_article_is_cut_to_the_budget_and_others_left_out() -> None:
    prompt = build_messages("returns?", [Turn("customer", "hello")], ARTICLES, budget_tokens=100)

    assert prompt.articles == 1
    assert "Refund times" not in prompt.messages[0]["content"]
    assert prompt.history_turns == 0
    assert prompt.budget_tokens_used <= 100


def test_no_matching_article_is_said_plainly() -> None:
    prompt = build_messages("capital of Peru?", [], [])

    assert "(none matched this question)" in prompt.messages[0]["content"]


@pytest.mark.parametrize(
    ("raw", "text", "assessment"),
    [
        ("Returns are free.\nCONFIDENCE: 0.85", "Returns are free.", 0.85),
        ("Returns are free.\n\n**Confidence:** 70%", "Returns are free.", 0.7),
        ("Returns are free.\nconfidence = .4 (the article covers it)", "Returns are free.", 0.4),
        ("Returns are free.\nCONFIDENCE: 7", "Returns are free.", 0.07),
        ("Returns are free.", "Returns are free.", None),
        (
            "Confidence in our returns is high.\nYes.",
            "Confidence in our returns is high.\nYes.",
            None,
        ),
    ],
)
def test_visible_text_strips_and_parses_the_confidence_line(
    raw: str, text: str, assessment: float | None
) -> None:
    assert visible_text(raw, final=True) == (text, assessment)


@pytest.mark.asyncio
async def test_the_confidence_line_is_never_streamed_even_one_character_at_a_time() -> None:
    raw = "Returns are free\nwithin 30 days.\nCONFIDENCE: 0.8\n"
    deltas: list[str] = []

    async def on_delta(piece: str) -> None:
        deltas.append(piece)

    reply_filter = ReplyFilter(on_delta)
    for char in raw:
        await reply_filter.feed(char)
        assert "C" not in "".join(deltas)
    text = await reply_filter.finish()

    assert text == "".join(deltas) == "Returns are free\nwithin 30 days."
    assert reply_filter.self_assessment == 0.8
    assert len(deltas) > 10  # streamed as it came, not in one piece at the end


@pytest.mark.asyncio
async def test_a_line_that_only_starts_like_the_marker_is_streamed_once_it_is_clear() -> None:
    deltas: list[str] = []

    async def on_delta(piece: str) -> None:
        deltas.append(piece)

    reply_filter = ReplyFilter(on_delta)
    for piece in ["Sure.\n", "Conf", "irmed: ", "it ships today."]:
        await reply_filter.feed(piece)

    assert "".join(deltas) == "Sure.\nConfirmed: it ships today."


def test_blend_is_high_when_all_signals_are_high_and_low_when_one_is_low() -> None:
    strong = blend_confidence(
        {"retrieval": 0.99, "self_assessment": 0.9, "token_probability": 0.95}
    )
    weak_self = blend_confidence(
        {"retrieval": 0.95, "self_assessment": 0.1, "token_probability": 0.95}
    )
    no_article = blend_confidence(
        {"retrieval": 0.0, "self_assessment": 0.2, "token_probability": 0.9}
    )

    assert strong > 0.9
    assert weak_self < 0.45
    assert no_article < 0.1


def test_blend_renormalises_over_the_signals_present() -> None:
    assert blend_confidence({"retrieval": 0.8}) == pytest.approx(0.8)
    both = blend_confidence({"retrieval": 0.8, "self_assessment": None, "token_probability": 0.5})
    assert both == pytest.approx(math.exp((0.45 * math.log(0.8) + 0.2 * math.log(0.5)) / 0.65))
    assert blend_confidence({}) == 0.0


def test_llm_config_reads_the_environment() -> None:
    config = LLMConfig.from_env(
        {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": "http://localhost:11434/v1",
            "OPENAI_MODEL": "llama3",
            "CHATSY_LLM_FIRST_TOKEN_SECONDS": "4",
            "CHATSY_LLM_TOTAL_SECONDS": "12.5",
        }
    )

    assert config == LLMConfig("sk-test", "http://localhost:11434/v1", "llama3", 4.0, 12.5)
    assert LLMConfig.from_env({}) == LLMConfig(api_key="", base_url=None)
    assert not LLMConfig.from_env({}).configured


def test_the_summary_transcript_keeps_the_first_turn_and_the_latest() -> None:
    transcript = [("customer", "I was charged $150 twice.")] + [
        ("bot" if i % 2 else "customer", f"message {i} " + "y" * 100) for i in range(200)
    ]

    text = transcript_text(transcript, max_chars=2_000)

    lines = text.splitlines()
    assert lines[0] == "Customer: I was charged $150 twice."
    assert "earlier messages omitted" in lines[1]
    assert lines[-1].startswith("AI assistant: message 199 ")
    assert len(text) <= 2_100
