"""The trained triage classifiers, scored in plain Python inside the pure engine.

Whether a message is frustrated, about account security, a billing dispute, legal, a request
for an exception or a sensitive topic is a question of language, so these triggers are small
linear models (one-vs-rest logistic regression over word unigrams and bigrams) trained
offline by `python manage.py escalation_train` and shipped as plain JSON. Scoring is a
dictionary lookup per n-gram and a sum: no scikit-learn at run time.

Every positive names the n-grams that pushed it over ("frustration 0.91: 'worst app',
'useless'"), so a Decision still explains itself.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from typing import Any

from escalation.signals.sentiment import Sentiment, is_shouting
from escalation.signals.text import STOPWORDS, Text

FORMAT_VERSION = 1
# The classifiers read the first tokens only: the start of a message carries its issue, and
# this bounds the cost of a 2,000-character paste.
MAX_TOKENS = 120
# Spelling features are read for messages of up to this many distinct words.
MAX_SPELLING_WORDS = 60
# Shape features: what the words alone do not show.
CAPS_FEATURE = "__caps__"
EXCLAIM_FEATURE = "__exclaim__"
QUESTION_FEATURE = "__question__"
SPELLING_MARK = "~"  # letter n-gram features start with it

LABELS = (
    "human_request",
    "negative_sentiment",
    "security",
    "billing_dispute",
    "legal",
    "policy_exception",
    "sensitive_health_safety",
    "sensitive_harassment",
    "sensitive_accessibility",
    "sensitive_privacy",
)
SENSITIVE_PREFIX = "sensitive_"


def _token_shape(token: str) -> str:
    """Numbers and codes lose their digits ("order 48213" and "order 90210" are the same
    evidence); a bare number is no evidence of anything ("only $120" is no dispute): amounts
    are the threshold rule's business."""
    if token.isalpha():
        return token
    if token.isdigit():
        return ""
    return "<code>" if any(char.isdigit() for char in token) else token


def features(text: Text, sentiment: Sentiment | None = None) -> list[str]:
    """The binary features of a message: unigrams and in-clause bigrams of its first tokens,
    letter 5-grams of the words of a short message, shape flags and, with the message's
    sentiment, the lexicon's verdict (so the model generalises to negative words its training
    data never had, and learns how far to trust the lexicon).

    Training (`escalation.training`) calls this same function, so the two cannot drift."""
    found: set[str] = set()
    budget = MAX_TOKENS
    for clause in text.clauses:
        tokens = list(clause[:budget])
        if not all(map(str.isalpha, tokens)):
            tokens = [shaped for shaped in map(_token_shape, tokens) if shaped]
        found.update(tokens)
        found.update(
            [f"{first} {second}" for first, second in zip(tokens, tokens[1:], strict=False)]
        )
        budget -= len(clause)
        if budget <= 0:
            break
    for token in text.words if len(text.words) <= MAX_SPELLING_WORDS else ():
        found.update(_spellings(token))
    original = text.original
    if is_shouting(original):
        found.add(CAPS_FEATURE)
    if "!!" in original:
        found.add(EXCLAIM_FEATURE)
    if "?" in original:
        found.add(QUESTION_FEATURE)
    if sentiment is not None:
        found.update(_sentiment_features(sentiment))
    return list(found)


def _sentiment_features(sentiment: Sentiment) -> list[str]:
    breakdown = sentiment.breakdown
    lexicon = breakdown.get("vader", 0.0)
    flags = [name for name in ("profanity", "frustration", "sarcasm") if breakdown.get(name)]
    if lexicon <= -0.45:
        flags.append("lexicon_very_negative")
    elif lexicon <= -0.2:
        flags.append("lexicon_negative")
    elif lexicon < -0.03:
        flags.append("lexicon_slightly_negative")
    elif lexicon >= 0.3:
        flags.append("lexicon_positive")
    return [f"__{flag}__" for flag in flags]


@lru_cache(maxsize=50_000)
def _spellings(token: str) -> tuple[str, ...]:
    """Letter 5-grams of a longer word ("attor", "ttorn", "torne", "orney"): typos and word
    forms ("atorney", "solicitors") share most of them with the words the model learned."""
    if len(token) < 6 or not token.isalpha():
        return ()
    return tuple(f"{SPELLING_MARK}{token[i : i + 5]}" for i in range(len(token) - 4))


@dataclass(frozen=True)
class LabelThresholds:
    """Probabilities at which a label escalates, and from which the bot offers a human."""

    escalate_at: float
    offer_at: float

    def __post_init__(self) -> None:
        if not 0 < self.offer_at <= self.escalate_at <= 1:
            raise ValueError("thresholds must satisfy 0 < offer_at <= escalate_at <= 1")


@dataclass(frozen=True)
class LabelScore:
    """One label's probability and the n-grams that contributed most to it."""

    label: str
    probability: float
    top_terms: tuple[str, ...] = ()

    def explain(self) -> str:
        terms = ", ".join(f"'{term}'" for term in self.top_terms)
        return f"{self.label.replace('_', ' ')} {self.probability:.2f}: {terms}"


@dataclass(frozen=True)
class TriageModel:
    """Weights per feature (one per label), intercepts, and tuned per-label thresholds."""

    version: str
    labels: tuple[str, ...]
    intercepts: tuple[float, ...]
    weights: Mapping[str, tuple[float, ...]] = field(repr=False)
    thresholds: Mapping[str, LabelThresholds]
    metrics: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TriageModel:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(f"unsupported triage model format: {data.get('format')!r}")
        labels = tuple(data["labels"])
        weights = {term: tuple(row) for term, row in data["weights"].items()}
        if any(len(row) != len(labels) for row in weights.values()):
            raise ValueError("every weight row needs one weight per label")
        return cls(
            version=str(data["version"]),
            labels=labels,
            intercepts=tuple(data["intercepts"]),
            weights=weights,
            thresholds={
                label: LabelThresholds(**values) for label, values in data["thresholds"].items()
            },
            metrics=data.get("metrics", {}),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_VERSION,
            "version": self.version,
            "labels": list(self.labels),
            "intercepts": list(self.intercepts),
            "thresholds": {
                label: {"escalate_at": t.escalate_at, "offer_at": t.offer_at}
                for label, t in self.thresholds.items()
            },
            "metrics": dict(self.metrics),
            "weights": {term: list(row) for term, row in self.weights.items()},
        }

    def with_thresholds(self, overrides: Mapping[str, LabelThresholds]) -> TriageModel:
        """The same weights with some labels' thresholds replaced (the admin's edits)."""
        if not overrides:
            return self
        edited = replace(self, thresholds={**self.thresholds, **overrides})
        if "_pushes" in self.__dict__:  # same weights: no need to index them again
            edited.__dict__["_pushes"] = self.__dict__["_pushes"]
        return edited

    def pushes(self, label: str) -> Mapping[str, float]:
        """The features that push `label` up and are worth naming to a person (words, word
        pairs and flags; not lone stop words or letter n-grams), with their weights."""
        return self._pushes[label]

    @cached_property
    def _pushes(self) -> dict[str, dict[str, float]]:
        nameable = [t for t in self.weights if t[0] != SPELLING_MARK and t not in STOPWORDS]
        return {
            label: {t: w for t in nameable if (w := self.weights[t][index]) > 0}
            for index, label in enumerate(self.labels)
        }

    def threshold(self, label: str) -> LabelThresholds:
        return self.thresholds.get(label) or LabelThresholds(0.9, 0.7)

    def score(self, text: Text, sentiment: Sentiment | None = None) -> TriageScores:
        """Every label's probability for this message; top terms are found on demand."""
        get = self.weights.get
        known = [(term, row) for term in features(text, sentiment) if (row := get(term))]
        present = [term for term, _ in known]
        rows = [row for _, row in known]
        totals = list(self.intercepts)
        if rows:
            # One column per label, summed in C: a few microseconds for hundreds of terms.
            columns = zip(*rows, strict=True)
            totals = [bias + total for bias, total in zip(totals, map(sum, columns), strict=True)]
        probabilities = {label: _sigmoid(z) for label, z in zip(self.labels, totals, strict=True)}
        return TriageScores(self, probabilities, tuple(present), tuple(rows))


@dataclass(frozen=True)
class TriageScores:
    """One message's scores under one model."""

    model: TriageModel
    probabilities: Mapping[str, float]
    present: tuple[str, ...] = field(repr=False)  # the message's features the model knows
    rows: tuple[tuple[float, ...], ...] = field(default=(), repr=False)  # their weights

    def probability(self, label: str) -> float:
        return self.probabilities.get(label, 0.0)

    def top_terms(self, label: str, count: int = 3) -> tuple[str, ...]:
        """The features that pushed `label` up the most, strongest first (readable ones)."""
        pushes = self.model.pushes(label)
        found = self._present_set & pushes.keys()
        return tuple(map(_readable, heapq.nlargest(count, found, key=pushes.__getitem__)))

    @cached_property
    def _present_set(self) -> frozenset[str]:
        return frozenset(self.present)

    def label_score(self, label: str) -> LabelScore:
        return LabelScore(label, self.probability(label), self.top_terms(label))

    def sensitive_topics(self) -> tuple[str, ...]:
        """The model's sensitive-topic labels ("sensitive_privacy", ...)."""
        return tuple(label for label in self.model.labels if label.startswith(SENSITIVE_PREFIX))


def _readable(term: str) -> str:
    """Feature names as a person reads them: "ALL CAPS", "negative words"."""
    if term.startswith("__"):
        return _FLAG_WORDS.get(term, term.strip("_").replace("_", " "))
    return term


_FLAG_WORDS = {
    CAPS_FEATURE: "ALL CAPS",
    EXCLAIM_FEATURE: "!!",
    QUESTION_FEATURE: "?",
    "__lexicon_very_negative__": "very negative words",
    "__lexicon_negative__": "negative words",
    "__lexicon_slightly_negative__": "negative words",
}


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    exp = math.exp(z)
    return exp / (1.0 + exp)


def topic_of(label: str) -> str:
    """ "sensitive_privacy" -> "privacy"."""
    return label.removeprefix(SENSITIVE_PREFIX)
