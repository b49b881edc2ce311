"""VADER's compound score, computed as vaderSentiment 3.3.2 computes it, in a fraction of the
time.

The library's scorer is written for clarity: it lower-cases the whole message again for every
sentiment word it weighs, copies its list of negations for each check, and rewrites emoji one
character at a time even in ASCII text. On the engine's hot path (every visitor message) that
was a quarter of the time spent on a long message. This module reads the same lexicon and
constants from the library and applies the same rules, step for step, to words lower-cased
once. Non-ASCII text (emoji) goes to the library's own scorer. tests/unit/escalation checks the
two agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from string import punctuation
from typing import Any


@lru_cache(maxsize=1)
def _constants() -> _Vader:
    from vaderSentiment import vaderSentiment as library

    return _Vader(
        boosters=library.BOOSTER_DICT,
        special_cases=library.SPECIAL_CASES,
        negations=frozenset(library.NEGATE),
        negation_scalar=library.N_SCALAR,
        caps_increment=library.C_INCR,
        normalize=library.normalize,
    )


@dataclass(frozen=True)
class _Vader:
    boosters: Mapping[str, float]
    special_cases: Mapping[str, float]
    negations: frozenset[str]
    negation_scalar: float
    caps_increment: float
    normalize: Any


def compound(analyzer: Any, text: str) -> float:
    """The `compound` of `analyzer.polarity_scores(text)`, with the analyser's lexicon."""
    if not text.isascii():  # emoji are rewritten as words by the library's own pass
        return float(analyzer.polarity_scores(text)["compound"])
    text = text.strip()
    words = [
        word if len(stripped := word.strip(punctuation)) <= 2 else stripped for word in text.split()
    ]
    sentiments = _valences(words, [word.lower() for word in words], analyzer.lexicon)
    if not sentiments:
        return 0.0
    total = float(sum(sentiments))
    emphasis = min(text.count("!"), 4) * 0.292 + _question_emphasis(text.count("?"))
    if total > 0:
        total += emphasis
    elif total < 0:
        total -= emphasis
    return round(float(_constants().normalize(total)), 4)


def _question_emphasis(count: int) -> float:
    if count <= 1:
        return 0
    return count * 0.18 if count <= 3 else 0.96


def _valences(words: list[str], lows: list[str], lexicon: Mapping[str, float]) -> list[float]:
    """Each word's valence (SentimentIntensityAnalyzer.polarity_scores' loop)."""
    vader = _constants()
    caps_differ = _caps_differ(words)
    last = len(words) - 1
    sentiments: list[float] = []
    for i, low in enumerate(lows):
        # Boosters and "kind of" only modify the words after them; others outside the
        # lexicon score 0.
        if (
            low not in lexicon
            or low in vader.boosters
            or (low == "kind" and i < last and lows[i + 1] == "of")
        ):
            sentiments.append(0)
            continue
        sentiments.append(_valence(words, lows, i, lexicon, caps_differ))
    if "but" in lows:
        sentiments = _but_check(lows, sentiments)
    return sentiments


def _caps_differ(words: list[str]) -> bool:
    """Some words, but not all, are in ALL CAPS (vaderSentiment.allcap_differential)."""
    capitals = sum(1 for word in words if word.isupper())
    return 0 < len(words) - capitals < len(words)


def _valence(
    words: list[str], lows: list[str], i: int, lexicon: Mapping[str, float], caps_differ: bool
) -> float:
    """SentimentIntensityAnalyzer.sentiment_valence for a lexicon word."""
    vader, low = _constants(), lows[i]
    valence = lexicon[low]
    if low == "no" and i != len(words) - 1 and lows[i + 1] in lexicon:
        valence = 0.0  # "no" negates the next word instead
    if (
        (i > 0 and lows[i - 1] == "no")
        or (i > 1 and lows[i - 2] == "no")
        or (i > 2 and lows[i - 3] == "no" and lows[i - 1] in ("or", "nor"))
    ):
        valence = lexicon[low] * vader.negation_scalar
    if words[i].isupper() and caps_differ:
        valence += vader.caps_increment if valence > 0 else -vader.caps_increment
    for start in range(3):
        before = i - (start + 1)
        if i > start and lows[before] not in lexicon:
            scalar = _scalar(words[before], lows[before], valence, caps_differ)
            if start == 1 and scalar != 0:
                scalar = scalar * 0.95
            if start == 2 and scalar != 0:
                scalar = scalar * 0.9
            valence = _negation_check(valence + scalar, lows, start, i)
            if start == 2:
                valence = _special_idioms_check(valence, lows, i)
    return _least_check(valence, lows, i, lexicon)


def _scalar(word: str, low: str, valence: float, caps_differ: bool) -> float:
    """vaderSentiment.scalar_inc_dec: a booster before the word."""
    vader = _constants()
    if low not in vader.boosters:
        return 0.0
    scalar = vader.boosters[low]
    if valence < 0:
        scalar *= -1
    if word.isupper() and caps_differ:
        scalar += vader.caps_increment if valence > 0 else -vader.caps_increment
    return scalar


def _negates(low: str) -> bool:
    """vaderSentiment.negated for one word."""
    return low in _constants().negations or "n't" in low


def _negation_check(valence: float, lows: list[str], start: int, i: int) -> float:
    scalar = _constants().negation_scalar
    if start == 0:
        if _negates(lows[i - 1]):
            valence = valence * scalar
    elif start == 1:
        two, one = lows[i - 2], lows[i - 1]
        if two == "never" and (one == "so" or one == "this"):
            valence = valence * 1.25
        elif two == "without" and one == "doubt":
            pass
        elif _negates(two):
            valence = valence * scalar
    else:
        three, two, one = lows[i - 3], lows[i - 2], lows[i - 1]
        if three == "never" and (two == "so" or two == "this") or (one == "so" or one == "this"):
            valence = valence * 1.25
        elif three == "without" and (two == "doubt" or one == "doubt"):
            pass
        elif _negates(three):
            valence = valence * scalar
    return valence


def _special_idioms_check(valence: float, lows: list[str], i: int) -> float:
    vader = _constants()
    three, two, one, zero = lows[i - 3], lows[i - 2], lows[i - 1], lows[i]
    for sequence in (
        f"{one} {zero}",
        f"{two} {one} {zero}",
        f"{two} {one}",
        f"{three} {two} {one}",
        f"{three} {two}",
    ):
        if sequence in vader.special_cases:
            valence = vader.special_cases[sequence]
            break
    if len(lows) - 1 > i:
        after = f"{zero} {lows[i + 1]}"
        if after in vader.special_cases:
            valence = vader.special_cases[after]
    if len(lows) - 1 > i + 1:
        after = f"{zero} {lows[i + 1]} {lows[i + 2]}"
        if after in vader.special_cases:
            valence = vader.special_cases[after]
    for n_gram in (f"{three} {two} {one}", f"{three} {two}", f"{two} {one}"):
        if n_gram in vader.boosters:
            valence = valence + vader.boosters[n_gram]
    return valence


def _least_check(valence: float, lows: list[str], i: int, lexicon: Mapping[str, float]) -> float:
    scalar = _constants().negation_scalar
    if i > 1 and lows[i - 1] not in lexicon and lows[i - 1] == "least":
        if lows[i - 2] != "at" and lows[i - 2] != "very":
            valence = valence * scalar
    elif i > 0 and lows[i - 1] not in lexicon and lows[i - 1] == "least":
        valence = valence * scalar
    return valence


def _but_check(lows: list[str], sentiments: list[float]) -> list[float]:
    """Words before "but" count half, words after it half again; kept exactly as the library
    writes it (it finds each sentiment's place by value, so equal values move together)."""
    but = lows.index("but")
    for sentiment in sentiments:
        place = sentiments.index(sentiment)
        if place < but:
            sentiments.pop(place)
            sentiments.insert(place, sentiment * 0.5)
        elif place > but:
            sentiments.pop(place)
            sentiments.insert(place, sentiment * 1.5)
    return sentiments
