"""How sure the offline responder is that its best article answers the question.

The confidence is a logistic regression over five retrieval signals, each in [0, 1] and
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
- no_store_word: 1 when none of the question's terms is a word of the shop's trade
  (escalation.signals.vocabulary.STORE_WORDS: order, delivery, refund, invoice, account...).
  A question can match an article perfectly on everyday words ("how do I *write* c++"
  against "write a review") and still be about something else.

idf_coverage, store_share, top_score and query_terms are reported with the answer but not
used. The result reads as P(the knowledge base answers this question) for a mix of two store
questions to one unrelated question (see calibrate.py), so the engine's bands apply to it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

from conversations.assistant.retrieval import Hit, KnowledgeIndex, ParsedQuery, normalise
from escalation.signals.vocabulary import STORE_WORDS

# The shop's own words as index terms: a match on these says more than one on "write".
STORE_TERMS = frozenset(normalise(word) for word in STORE_WORDS)

FEATURE_NAMES = ("normalised_score", "term_coverage", "unknown_share", "margin", "no_store_word")

# Fitted by `python -m conversations.assistant.calibrate` (plain-Python Newton's method,
# L2 = 1, rows re-weighted to a 2:1 answerable prior, the written rows counted three times) on
# the demo knowledge base (conversations/demo/kb_articles.json) and the rows of
# conversations/assistant/data/answerability_dev.jsonl and answerability_written.jsonl whose
# id's crc32 is 1 or 2 mod 3; the rows at 0 mod 3 (397 of 1,145) were held out.
# Held out: answerable >= 0.6 for 91.3%, out-of-scope < 0.4 for 89.7%, AUROC 0.975.
INTERCEPT = -2.375
COEFFICIENTS = {
    "normalised_score": 3.688,
    "term_coverage": 4.703,
    "unknown_share": -2.527,
    "margin": -1.277,
    "no_store_word": -2.945,
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
    store_share: float = 0.0
    no_store_word: float = 1.0

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
    store_terms = sum(term in STORE_TERMS for term in parsed.terms)
    best_possible = sum(index.best_weight(term) for term in parsed.terms)
    return RetrievalSignals(
        idf_coverage=sum(index.idf(term) for term in top.matched_terms) / total_idf,
        term_coverage=len(top.matched_terms) / len(parsed.terms),
        unknown_share=len(parsed.unknown_terms) / len(parsed.terms),
        normalised_score=min(top.score / best_possible, 1.0),
        margin=(top.score - runner_up) / top.score,
        top_score=top.score,
        query_terms=float(len(parsed.terms)),
        store_share=store_terms / len(parsed.terms),
        no_store_word=float(store_terms == 0),
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
