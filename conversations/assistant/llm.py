"""The one module that talks to the OpenAI (or any OpenAI-compatible) chat API.

The SDK's defaults (600 s timeout, two retries with back-off) would leave a visitor staring at
"typing…" for minutes, so every call here runs under our own rules:

- deadlines: the first content token within `first_token_timeout` of each attempt, the whole
  call (both attempts included) within `total_timeout`;
- at most one retry, and only while nothing has been streamed yet: never after the first token,
  never for authentication, bad-request or context-length errors, and after a 429 only when
  Retry-After allows a retry within MAX_RETRY_AFTER_SECONDS;
- a circuit breaker per server (breaker.py): every failed request counts, a success resets it;
- one failure type, ResponderUnavailable, so the caller can fall back (offline responder or a
  human) and knows whether the visitor already saw part of an answer.

Importable without Django: the configuration is the small LLMConfig, not settings.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import random
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from conversations.assistant.breaker import CircuitBreaker, CircuitOpen

T = TypeVar("T")
Message = dict[str, str]
TextCallback = Callable[[str], Awaitable[None]]

DEFAULT_MODEL = "gpt-4o-mini"
MAX_ATTEMPTS = 2
MAX_RETRY_AFTER_SECONDS = 2.0
# Pause before retrying a 5xx or dropped connection; jittered so that many chats hit by the
# same blip do not retry in lock-step.
RETRY_PAUSE_SECONDS = (0.1, 0.3)
# A retry with less of the total deadline left than this would only time out again.
MIN_RETRY_BUDGET_SECONDS = 0.2
CONNECT_TIMEOUT_SECONDS = 5.0
SUMMARY_MAX_TOKENS = 200
SUMMARY_TRANSCRIPT_CHARS = 12_000  # ~3,000 tokens at ~4 characters a token

SUMMARY_PROMPT = (
    "You write handoff notes for a human support agent who is taking over a chat from an AI "
    "assistant. In 2 to 4 short sentences, state the customer's problem with its specifics "
    "(amounts, dates, order numbers), what the AI assistant already tried, and what the "
    'customer wants now. Plain text, no preamble, no bullet points. Example: "Customer '
    "disputing $150 charge from last month. Says they canceled before renewal date. Wants "
    'full refund."'
)
SPEAKERS = {"customer": "Customer", "bot": "AI assistant", "agent": "Agent", "system": "System"}


class ResponderUnavailable(Exception):
    """The LLM could not answer. delivered_text is what the visitor already saw (maybe "")."""

    def __init__(self, reason: str, delivered_text: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.delivered_text = delivered_text

    @property
    def streamed(self) -> bool:
        return bool(self.delivered_text)


@dataclass(frozen=True)
class LLMConfig:
    api_key: str
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    first_token_timeout: float = 10.0
    total_timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.first_token_timeout <= 0 or self.total_timeout <= 0:
            raise ValueError("LLM timeouts must be positive")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> LLMConfig:
        """OPENAI_API_KEY / _BASE_URL / _MODEL and CHATSY_LLM_{FIRST_TOKEN,TOTAL}_SECONDS."""
        env = os.environ if environ is None else environ
        return cls(
            api_key=env.get("OPENAI_API_KEY", ""),
            base_url=env.get("OPENAI_BASE_URL") or None,
            model=env.get("OPENAI_MODEL") or DEFAULT_MODEL,
            first_token_timeout=float(env.get("CHATSY_LLM_FIRST_TOKEN_SECONDS") or 10.0),
            total_timeout=float(env.get("CHATSY_LLM_TOTAL_SECONDS") or 30.0),
        )

    @property
    def configured(self) -> bool:
        return bool(self.api_key)


@dataclass(frozen=True)
class StreamedReply:
    """A completed streamed reply: its raw text (nothing stripped) and per-token logprobs."""

    text: str
    token_logprobs: tuple[float, ...]
    finish_reason: str
    attempts: int


# Clients per event loop: an httpx connection pool must not outlive the loop it was made on
# (each test has its own loop; production has one). Made lazily, never at import time.
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[LLMConfig, AsyncOpenAI]] = (
    weakref.WeakKeyDictionary()
)
_breakers: dict[str | None, CircuitBreaker] = {}


def client_for(config: LLMConfig) -> AsyncOpenAI:
    """The shared client for this config on the running loop; the SDK's own retries are off."""
    if not config.configured:
        raise ResponderUnavailable("not_configured")
    clients = _clients.setdefault(asyncio.get_running_loop(), {})
    if config not in clients:
        clients[config] = AsyncOpenAI(
            api_key=config.api_key,
            base_url=config.base_url,
            max_retries=0,
            timeout=openai.Timeout(
                config.total_timeout,
                connect=min(CONNECT_TIMEOUT_SECONDS, config.first_token_timeout),
            ),
        )
    return clients[config]


def default_breaker(config: LLMConfig) -> CircuitBreaker:
    """The process-wide breaker for the server this config points at."""
    return _breakers.setdefault(config.base_url, CircuitBreaker())


async def stream_chat(
    config: LLMConfig,
    messages: Sequence[Message],
    *,
    on_text: TextCallback,
    breaker: CircuitBreaker | None = None,
    **params: Any,
) -> StreamedReply:
    """Stream a chat completion, awaiting on_text(piece) for each content delta, in order.

    Raises ResponderUnavailable; its delivered_text is the raw text already passed to on_text.
    """
    client = client_for(config)
    request = {"model": config.model, "messages": list(messages), **params}
    attempts = 0

    async def attempt(deadline: float) -> StreamedReply:
        nonlocal attempts
        attempts += 1
        return await _stream_attempt(client, request, on_text, config, deadline)

    reply = await _with_retry(config, breaker or default_breaker(config), attempt)
    return dataclasses.replace(reply, attempts=attempts)


async def complete_chat(
    config: LLMConfig,
    messages: Sequence[Message],
    *,
    breaker: CircuitBreaker | None = None,
    **params: Any,
) -> str:
    """A non-streamed chat completion's text, under the total deadline and the same retry rules."""
    client = client_for(config)
    request = {"model": config.model, "messages": list(messages), **params}

    async def attempt(deadline: float) -> str:
        return await _complete_attempt(client, request, deadline)

    return await _with_retry(config, breaker or default_breaker(config), attempt)


async def summarise(
    config: LLMConfig,
    transcript: list[tuple[str, str]],
    *,
    breaker: CircuitBreaker | None = None,
) -> str:
    """2–4 sentences for the agent taking over: the problem, what the AI tried, what they want.

    transcript is (role, text) pairs, oldest first; raises ResponderUnavailable.
    """
    messages = [
        {"role": "system", "content": SUMMARY_PROMPT},
        {"role": "user", "content": transcript_text(transcript)},
    ]
    text = await complete_chat(
        config, messages, breaker=breaker, max_completion_tokens=SUMMARY_MAX_TOKENS
    )
    if not text.strip():
        raise ResponderUnavailable("empty_reply")
    return text.strip()


def transcript_text(
    transcript: Sequence[tuple[str, str]], max_chars: int = SUMMARY_TRANSCRIPT_CHARS
) -> str:
    """The transcript as "Speaker: text" lines; keeps the first turn (usually the problem)
    and as many of the latest turns as fit in max_chars."""
    lines = [f"{SPEAKERS.get(role, role.title())}: {text.strip()}" for role, text in transcript]
    if not lines:
        return "(empty conversation)"
    kept: list[str] = []
    room = max_chars - len(lines[0])
    for line in reversed(lines[1:]):
        if len(line) + 1 > room:
            break
        kept.append(line)
        room -= len(line) + 1
    skipped = len(lines) - 1 - len(kept)
    gap = [f"[{skipped} earlier messages omitted]"] if skipped else []
    return "\n".join([lines[0][:max_chars], *gap, *reversed(kept)])


# --- one call: breaker, deadline and the single retry -------------------------------------


class _AttemptFailed(Exception):
    """One request failed; says whether one more request is allowed and after what pause."""

    def __init__(
        self, reason: str, *, retryable: bool, retry_after: float = 0.0, delivered_text: str = ""
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.delivered_text = delivered_text


async def _with_retry(
    config: LLMConfig, breaker: CircuitBreaker, attempt: Callable[[float], Awaitable[T]]
) -> T:
    """Run attempt(total_deadline) at most twice, recording every outcome in the breaker."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + config.total_timeout
    previous: _AttemptFailed | None = None
    for attempt_number in range(1, MAX_ATTEMPTS + 1):
        try:
            breaker.before_call()  # before any pause: an open breaker fails the retry at once
        except CircuitOpen as error:
            reason = previous.reason if previous else "circuit_open"
            raise ResponderUnavailable(reason) from error
        try:
            if previous is not None:
                await asyncio.sleep(previous.retry_after)
            result = await attempt(deadline)
        except _AttemptFailed as failed:
            breaker.record_failure()
            budget = deadline - loop.time() - failed.retry_after
            last = attempt_number == MAX_ATTEMPTS or budget < MIN_RETRY_BUDGET_SECONDS
            if last or not failed.retryable:
                raise ResponderUnavailable(failed.reason, failed.delivered_text) from failed
            previous = failed
            continue
        except BaseException:
            breaker.release()  # cancelled, or the caller's callback failed: no verdict
            raise
        breaker.record_success()
        return result
    raise AssertionError("unreachable")  # pragma: no cover


class _Received:
    """What one streamed attempt has received so far."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.logprobs: list[float] = []
        self.finish_reason: str | None = None

    @property
    def text(self) -> str:
        return "".join(self.pieces)

    def add(self, chunk: ChatCompletionChunk) -> str:
        """Take in one chunk of the first choice; returns its content delta ("" if none)."""
        for choice in chunk.choices:
            if choice.index == 0:
                self.finish_reason = choice.finish_reason or self.finish_reason
                self.logprobs.extend(_token_logprobs(choice.logprobs))
                if choice.delta.content:
                    self.pieces.append(choice.delta.content)
                    return choice.delta.content
        return ""


async def _stream_attempt(
    client: AsyncOpenAI,
    request: dict[str, Any],
    on_text: TextCallback,
    config: LLMConfig,
    deadline: float,
) -> StreamedReply:
    received = _Received()
    first_token_by = min(asyncio.get_running_loop().time() + config.first_token_timeout, deadline)
    try:
        async with asyncio.timeout_at(first_token_by) as timer:
            stream = await client.chat.completions.create(**request, stream=True)
            async with stream:
                async for chunk in stream:
                    if text := received.add(chunk):
                        timer.reschedule(deadline)  # a token came: only the total deadline now
                        await on_text(text)
    except TimeoutError as error:
        if not timer.expired():
            raise
        first_token_missed = not received.pieces and first_token_by < deadline
        reason = "first_token_timeout" if first_token_missed else "total_timeout"
        raise _AttemptFailed(
            reason, retryable=not received.pieces, delivered_text=received.text
        ) from error
    except (openai.OpenAIError, json.JSONDecodeError) as error:
        raise _classify(error, delivered_text=received.text) from error
    if received.finish_reason is None:  # the body ended cleanly, but the reply did not
        raise _AttemptFailed(
            "stream_cut" if received.pieces else "empty_stream",
            retryable=not received.pieces,
            delivered_text=received.text,
        )
    return StreamedReply(
        received.text, tuple(received.logprobs), received.finish_reason, attempts=1
    )


async def _complete_attempt(client: AsyncOpenAI, request: dict[str, Any], deadline: float) -> str:
    try:
        async with asyncio.timeout_at(deadline):
            completion = await client.chat.completions.create(**request)
    except TimeoutError as error:
        raise _AttemptFailed("total_timeout", retryable=False) from error
    except (openai.OpenAIError, json.JSONDecodeError) as error:
        raise _classify(error) from error
    if not isinstance(completion, ChatCompletion) or not completion.choices:
        raise _AttemptFailed("malformed_response", retryable=False)
    return completion.choices[0].message.content or ""


def _token_logprobs(choice_logprobs: Any) -> list[float]:
    content = getattr(choice_logprobs, "content", None) or []
    return [item.logprob for item in content if item.logprob is not None]


def _classify(error: Exception, delivered_text: str = "") -> _AttemptFailed:
    """Name the failure and decide whether one more request may help."""
    if delivered_text:  # the visitor saw part of an answer: a retry would repeat it
        reason = "stream_cut" if isinstance(error, openai.APIConnectionError) else _reason(error)
        return _AttemptFailed(reason, retryable=False, delivered_text=delivered_text)
    if isinstance(error, openai.RateLimitError):
        pause = _retry_after_seconds(error.response.headers)
        allowed = pause is not None and pause <= MAX_RETRY_AFTER_SECONDS
        return _AttemptFailed("rate_limited", retryable=allowed, retry_after=pause or 0.0)
    retryable = isinstance(error, openai.APIConnectionError) or (
        isinstance(error, openai.APIStatusError) and error.status_code >= 500
    )
    pause = random.uniform(*RETRY_PAUSE_SECONDS) if retryable else 0.0
    return _AttemptFailed(_reason(error), retryable=retryable, retry_after=pause)


def _reason(error: Exception) -> str:
    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        return "auth"
    if isinstance(error, openai.BadRequestError):
        return "context_length" if error.code == "context_length_exceeded" else "bad_request"
    if isinstance(error, openai.RateLimitError):
        return "rate_limited"
    if isinstance(error, openai.APIStatusError):
        return "server_error" if error.status_code >= 500 else f"http_{error.status_code}"
    if isinstance(error, openai.APITimeoutError):
        return "timeout"
    if isinstance(error, openai.APIConnectionError):
        return "connection"
    if isinstance(error, json.JSONDecodeError | openai.APIResponseValidationError):
        return "malformed_response"
    return "api_error"


def _retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Retry-After (or OpenAI's retry-after-ms) in seconds; None if absent or an HTTP date."""
    for header, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        try:
            return max(float(headers[header]) / divisor, 0.0)
        except (KeyError, ValueError):
            continue
    return None
