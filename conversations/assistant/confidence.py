"""How sure the offline responder is that its best article answers the question.

The confidence is a logistic regression over four retrieval signals, each in [0, 1] and
independent of knowledge-base size (ratios, not raw BM25 scores, which grow with the corpus):

- normalised_score: the best article's score over the sum of the best score each question
  term gets in any article (a term no article uses counts with the highest weight there is).
- term_coverage: share of the question's terms that the best article contains.
- unknown_share: share of the question's terms that no article uses at all; "how do I bake
  sourdough" is all unknown, store questions rarely are.
- margin: how far the best article is ahead of the runner-up, relative to its score. Its
  fitted weight is negative: a question that touches one article through a single stray word
  ("what time does the louvre *open*") is the typical false match, while real store questions
  touch several neighbouring articles (returns, refunds, exchanges) at once.

idf_coverage, top_score and query_terms are reported with the answer but not used.
The result reads as P(the knowledge base answers this question) for a mix of two store
questions to one unrelated question (see calibrate.py), so the engine's bands apply to it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

from conversations.assistant.retrieval import Hit, KnowledgeIndex, ParsedQuery

FEATURE_NAMES = ("normalised_score", "term_coverage", "unknown_share", "margin")

# Fitted by `python -m conversations.assistant.calibrate` (plain-Python Newton's method,
# L2 = 1, rows re-weighted to a 2:1 answerable prior) on the demo knowledge base
# (conversations/demo/kb_articles.json) and the rows of /work/shared/eval/answerability_dev.jsonl
# whose id's crc32 is 1 or 2 mod 3; the rows at 0 mod 3 (343 of 1000) were held out.
# Held out: answerable >= 0.6 for 90.3%, out-of-scope < 0.4 for 93.8%, AUROC 0.988.
INTERCEPT = -2.791
COEFFICIENTS = {
    "normalised_score": 4.895,
    "term_coverage": 4.063,
    "unknown_share": -2.330,
    "margin": -1.349,
}


@dataclass(frozen=True)
class RetrievalSignals:
    """The raw inputs to the confidence; also stored on the Answer for the handoff card."""

    idf_coverage: float = 0.0
    term_coverage: float = 0.0
    unknown_share: float = 1.0
    normalised_score: float = 0.0
    margin: float = 0.0
    top_score: float = 0.0
    query_terms: float = 0.0

    def features(self) -> list[float]:
        return [getattr(self, name) for name in FEATURE_NAMES]

    def as_dict(self) -> dict[str, float]:
        return {item.name: round(getattr(self, item.name), 4) for item in fields(self)}


def retrieval_signals(
    index: KnowledgeIndex, parsed: ParsedQuery, hits: Sequence[Hit]
) -> RetrievalSignals:
    """Signals for the best hit; a question with no terms or no hits gets the empty signals."""
    if not parsed.terms or not hits:
        return RetrievalSignals(query_terms=float(len(parsed.terms)))
    top = hits[0]
    runner_up = hits[1].score if len(hits) > 1 else 0.0
    total_idf = sum(index.idf(term) for term in parsed.terms)
    best_possible = sum(index.best_weight(term) for term in parsed.terms)
    return RetrievalSignals(
        idf_coverage=sum(index.idf(term) for term in top.matched_terms) / total_idf,
        term_coverage=len(top.matched_terms) / len(parsed.terms),
        unknown_share=len(parsed.unknown_terms) / len(parsed.terms),
        normalised_score=min(top.score / best_possible, 1.0),
        margin=(top.score - runner_up) / top.score,
        top_score=top.score,
        query_terms=float(len(parsed.terms)),
    )


@dataclass(frozen=True)
class Assessment:
    """Everything the offline responder knows about one question."""

    parsed: ParsedQuery
    hits: list[Hit]
    signals: RetrievalSignals
    confidence: float


def assess(index: KnowledgeIndex, question: str, limit: int = 3) -> Assessment:
    """Retrieve, measure and score one question; the responder and the calibration share it."""
    parsed = index.parse(question)
    hits = index.search_parsed(parsed, limit=max(limit, 2))
    signals = retrieval_signals(index, parsed, hits)
    return Assessment(parsed, hits[:limit], signals, confidence(signals))


def confidence(
    signals: RetrievalSignals,
    intercept: float = INTERCEPT,
    coefficients: dict[str, float] | None = None,
) -> float:
    """P(answerable) from the logistic model (the fitted one by default); 0 if nothing matched."""
    if signals.top_score <= 0:
        return 0.0
    coefficients = COEFFICIENTS if coefficients is None else coefficients
    features = zip(FEATURE_NAMES, signals.features(), strict=True)
    return sigmoid(intercept + sum(coefficients[name] * value for name, value in features))


def sigmoid(z: float) -> float:
    # Clamped so math.exp cannot overflow on extreme inputs.
    return 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0)))
