"""The contract every bot responder meets.

A responder turns the visitor's latest question (plus the conversation so far) into an
Answer with a confidence in [0, 1]. The escalation engine reads that confidence through
the spec's bands, so it has to mean something: see docs/assistant.md.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

Role = Literal["customer", "bot", "agent", "system"]


@dataclass(frozen=True)
class Turn:
    """One earlier message of the conversation, oldest first."""

    role: Role
    text: str


@dataclass(frozen=True)
class Source:
    """A knowledge-base article an answer was drawn from."""

    article_id: int
    title: str
    score: float


@dataclass(frozen=True)
class Answer:
    text: str
    confidence: float
    sources: tuple[Source, ...] = ()
    responder: str = ""
    # Raw inputs to the confidence (retrieval score, margin, self-assessment…), kept for
    # the handoff card and for calibration; a fallback answer also names its reason.
    signals: Mapping[str, float | str] = field(default_factory=dict)


# Called with each text delta as it is generated (streaming responders); may be None.
DeltaCallback = Callable[[str], Awaitable[None]]


@runtime_checkable
class Responder(Protocol):
    name: str

    async def answer(
        self,
        *,
        question: str,
        history: Sequence[Turn] = (),
        on_delta: DeltaCallback | None = None,
    ) -> Answer: ...
