"""The LLM responder: retrieval-augmented answers from the knowledge base, streamed.

The top articles (the offline responder's retrieval, `assess`) go into the system prompt with
the instruction to answer only from them and to say so when they do not cover the question.
Articles and history share a token budget (~4 characters a token; oldest turns dropped first).
The model ends its reply with a line `CONFIDENCE: <0..1>`, which is parsed, never shown and
never streamed: a trailing line that could still turn into it is held back.

The confidence is a weighted geometric mean of up to three signals in [0, 1]:

    confidence = exp( sum(w_i * log(max(x_i, 0.01))) / sum(w_i) )   over the signals present

- retrieval (w = 0.45): the offline confidence, P(the knowledge base answers this), fitted on
  held-out questions (confidence.py). The only calibrated signal, so it weighs most.
- self_assessment (w = 0.35): the model's CONFIDENCE line. It sees what retrieval cannot
  (whether the articles hold the specific detail asked for) but verbalised confidence is known
  to run high, so it weighs less than retrieval.
- token_probability (w = 0.20): the mean token probability, when the server returns logprobs.
  Fluent text scores ~0.9 whether right or wrong, so it only nudges; low values do flag a
  model that was unsure of its wording.

A geometric mean, not an arithmetic one, because an answer is only as good as its weakest
link: one low signal (no article matched, or the model says the articles do not cover it)
pulls the result well under the engine's 40% line, while three high ones keep it above 80%.
Missing signals (no marker line, no logprobs) drop out and the weights are renormalised.
The weights are a documented prior, not fitted: calibrating them needs a labelled set of
real LLM replies (a `calibrate_llm` script like calibrate.py is left for when we have one).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from conversations.assistant.base import Answer, DeltaCallback, Source, Turn
from conversations.assistant.breaker import CircuitBreaker
from conversations.assistant.confidence import assess
from conversations.assistant.knowledge_base import follow_up_query
from conversations.assistant.llm import (
    LLMConfig,
    Message,
    ResponderUnavailable,
    stream_chat,
)
from conversations.assistant.retrieval import ArticleDoc, KnowledgeIndex
from conversations.assistant.small_talk import small_talk_answer

__all__ = ["OpenAIResponder", "ResponderUnavailable", "blend_confidence", "build_messages"]

DEFAULT_BUDGET_TOKENS = 3_000  # articles + history; the instructions and question come on top
CHARS_PER_TOKEN = 4
MAX_ARTICLES = 3
MAX_REPLY_TOKENS = 400
WEIGHTS = {"retrieval": 0.45, "self_assessment": 0.35, "token_probability": 0.20}
SIGNAL_FLOOR = 0.01  # log(0) would make one missing match veto everything, even a 0.99

SYSTEM_PROMPT = """\
You are the customer-support assistant in the chat on an online shop's website.
Answer the customer's latest message using ONLY the help-centre articles below. Do not use \
outside knowledge and do not invent policies, prices, dates or links.
If the articles do not cover the question, say so in one sentence and offer to connect the \
customer with a member of the team. Do not guess.
Be brief: at most 120 words, plain text. Messages starting with [Agent] were written by a \
human support agent.
End your reply with a final line of its own: CONFIDENCE: <a number from 0 to 1>, your \
probability that the articles fully answer the customer's question. Write nothing after it.

Help-centre articles:
{articles}"""
NO_ARTICLES = "(none matched this question)"

# "CONFIDENCE: 0.8", "**Confidence:** 80%", "confidence = .8 (articles cover it)"
_MARKER = re.compile(
    r"^[\s*_`>#-]*confidence[\s*_`]*[:=][\s*_`]*(?P<value>\d+(?:\.\d+)?|\.\d+)\s*(?P<pct>%)?",
    re.IGNORECASE,
)
_MARKER_WORD = "confidence"


class OpenAIResponder:
    """Responder protocol over an OpenAI-compatible chat model; raises ResponderUnavailable."""

    name = "openai"

    def __init__(
        self,
        index_source: Callable[[], KnowledgeIndex],
        config: LLMConfig,
        breaker: CircuitBreaker | None = None,
        *,
        budget_tokens: int = DEFAULT_BUDGET_TOKENS,
        request_logprobs: bool = True,
    ) -> None:
        # Called per question, so a rebuilt index is picked up without a restart.
        self._index_source = index_source
        self._config = config
        self._breaker = breaker  # None: llm.py's process-wide breaker for this server
        self._budget_tokens = budget_tokens
        # Some servers and reasoning models reject logprobs; they can be switched off.
        self._request_logprobs = request_logprobs

    async def answer(
        self,
        *,
        question: str,
        history: Sequence[Turn] = (),
        on_delta: DeltaCallback | None = None,
    ) -> Answer:
        canned = await small_talk_answer(question, responder=self.name, on_delta=on_delta)
        if canned is not None:  # a greeting is no knowledge-base question: no call, no doubt
            return canned
        index = self._index_source()
        query = follow_up_query(question, history, index=index)
        assessment = assess(index, query, limit=MAX_ARTICLES)
        articles = [hit.doc for hit in assessment.hits]
        prompt = build_messages(question, history, articles, self._budget_tokens)
        reply_filter = ReplyFilter(on_delta)
        try:
            reply = await stream_chat(
                self._config,
                prompt.messages,
                on_text=reply_filter.feed,
                breaker=self._breaker,
                max_completion_tokens=MAX_REPLY_TOKENS,
                **({"logprobs": True} if self._request_logprobs else {}),
            )
        except ResponderUnavailable as error:
            raise ResponderUnavailable(error.reason, reply_filter.delivered) from error
        text = await reply_filter.finish()
        if not text:
            raise ResponderUnavailable("empty_reply")
        signals = {
            "retrieval": assessment.confidence,
            "self_assessment": reply_filter.self_assessment,
            "token_probability": mean_token_probability(reply.token_logprobs),
        }
        return Answer(
            text=text,
            confidence=blend_confidence(signals),
            sources=tuple(
                Source(hit.doc.id, hit.doc.title, round(hit.score, 4))
                for hit in assessment.hits[: prompt.articles]
            ),
            responder=self.name,
            signals={
                **assessment.signals.as_dict(),
                **{name: round(value, 4) for name, value in signals.items() if value is not None},
                **prompt.as_signals(),
                "used_history": float(query != question),
                "attempts": float(reply.attempts),
                "truncated": float(reply.finish_reason == "length"),
            },
        )


def blend_confidence(signals: Mapping[str, float | None]) -> float:
    """Weighted geometric mean of the signals present (see the module docstring)."""
    present = {
        name: min(max(value, SIGNAL_FLOOR), 1.0)
        for name, value in signals.items()
        if value is not None and name in WEIGHTS
    }
    if not present:
        return 0.0
    total_weight = sum(WEIGHTS[name] for name in present)
    log_mean = sum(WEIGHTS[name] * math.log(value) for name, value in present.items())
    return math.exp(log_mean / total_weight)


def mean_token_probability(token_logprobs: Sequence[float]) -> float | None:
    if not token_logprobs:
        return None
    return sum(math.exp(logprob) for logprob in token_logprobs) / len(token_logprobs)


# --- the prompt ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Prompt:
    messages: list[Message]
    articles: int  # how many of the given articles fit (in rank order)
    history_turns: int
    history_dropped: int
    budget_tokens_used: int

    def as_signals(self) -> dict[str, float]:
        return {
            "articles_in_prompt": float(self.articles),
            "history_turns_in_prompt": float(self.history_turns),
            "history_turns_dropped": float(self.history_dropped),
            "budget_tokens_used": float(self.budget_tokens_used),
        }


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def build_messages(
    question: str,
    history: Sequence[Turn],
    articles: Sequence[ArticleDoc],
    budget_tokens: int = DEFAULT_BUDGET_TOKENS,
) -> Prompt:
    """System prompt with the articles, then the newest history that fits, then the question.

    Articles come first in the budget (the answer must come from them); the best one is cut
    to fit rather than left out.
    """
    blocks: list[str] = []
    room = budget_tokens
    for rank, article in enumerate(articles):
        block = _article_block(article)
        if estimate_tokens(block) > room:
            if rank > 0 or room <= 0:
                break
            block = block[: room * CHARS_PER_TOKEN]
        blocks.append(block)
        room -= estimate_tokens(block)
    turns = [turn for turn in history if turn.role != "system"]
    kept: list[Message] = []
    for turn in reversed(turns):
        message = _history_message(turn)
        if estimate_tokens(message["content"]) > room:
            break  # drop this turn and every older one: a gap mid-conversation would mislead
        kept.append(message)
        room -= estimate_tokens(message["content"])
    system = SYSTEM_PROMPT.format(articles="\n\n".join(blocks) or NO_ARTICLES)
    return Prompt(
        messages=[{"role": "system", "content": system}, *reversed(kept),
                  {"role": "user", "content": question}],
        articles=len(blocks),
        history_turns=len(kept),
        history_dropped=len(turns) - len(kept),
        budget_tokens_used=budget_tokens - room,
    )  # fmt: skip


def _article_block(article: ArticleDoc) -> str:
    header = f'<article id="{article.id}" title="{article.title}">'
    return f"{header}\n{article.body.strip()}\n</article>"


def _history_message(turn: Turn) -> Message:
    if turn.role == "customer":
        return {"role": "user", "content": turn.text}
    prefix = "[Agent] " if turn.role == "agent" else ""
    return {"role": "assistant", "content": prefix + turn.text}


# --- the reply -----------------------------------------------------------------------------


class ReplyFilter:
    """Passes a streamed reply on to the visitor without its CONFIDENCE line.

    Text is forwarded as soon as it cannot belong to that line; a trailing partial line
    that still could (and trailing whitespace) waits for the next piece or the end.
    """

    def __init__(self, on_delta: DeltaCallback | None) -> None:
        self._on_delta = on_delta
        self._raw = ""
        self.delivered = ""  # what on_delta has been given so far
        self.self_assessment: float | None = None

    async def feed(self, piece: str) -> None:
        self._raw += piece
        await self._forward(visible_text(self._raw, final=False)[0])

    async def finish(self) -> str:
        """Forward the rest; returns the visible reply (also parses the self-assessment)."""
        text, self.self_assessment = visible_text(self._raw, final=True)
        await self._forward(text)
        return text

    async def _forward(self, visible: str) -> None:
        # Visible text only grows at its end; the check guards the stream all the same.
        if len(visible) > len(self.delivered) and visible.startswith(self.delivered):
            delta, self.delivered = visible[len(self.delivered) :], visible
            if self._on_delta is not None:
                await self._on_delta(delta)


def visible_text(raw: str, *, final: bool) -> tuple[str, float | None]:
    """The reply without CONFIDENCE lines (and, mid-stream, without a line that may become
    one), stripped; plus the last self-assessment found, clamped to [0, 1]."""
    lines = raw.split("\n")
    if not final and _could_be_marker(lines[-1]):
        lines.pop()
    shown: list[str] = []
    assessment: float | None = None
    for line in lines:
        match = _MARKER.match(line)
        if match is None:
            shown.append(line)
            continue
        value = float(match["value"])
        if match["pct"] or value > 1:
            value /= 100
        assessment = min(max(value, 0.0), 1.0)
    return "\n".join(shown).strip(), assessment


def _could_be_marker(partial_line: str) -> bool:
    start = partial_line.lstrip(" \t*_`>#-").lower()
    return _MARKER_WORD.startswith(start) or start.startswith(_MARKER_WORD)
