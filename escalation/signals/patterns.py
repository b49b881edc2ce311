"""Matchers the signals share: phrase sets, trigger-gated regexes, word co-occurrence.

All of them read a prepared `Text` and are built to skip work: a set test on the message's
words decides whether a regex or a str.find runs at all, and then only over the clauses that
hold the trigger words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from escalation.signals.text import Text, normalise_phrase, word_set

# Words that, just before a phrase or verb, deny it: "I don't need an agent", "no fraud".
NEGATORS = word_set("dont not never no didnt doesnt wont wouldnt without stop")


@dataclass(frozen=True)
class PhraseSet:
    """Phrases matched as whole words in `Text.norm`, without regexes: a phrase is looked for
    only when all its words are in the message (set tests), then found with str.find."""

    by_first_word: dict[str, tuple[tuple[str, frozenset[str]], ...]]  # -> (phrase, its words)

    @classmethod
    def of(cls, phrases: Iterable[str]) -> PhraseSet:
        index: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for phrase in dict.fromkeys(p for p in map(normalise_phrase, phrases) if p):
            words = phrase.split()
            index.setdefault(words[0], []).append((phrase, frozenset(words)))
        return cls({word: tuple(entries) for word, entries in index.items()})

    def matches(self, text: Text) -> list[tuple[int, str]]:
        """(position, phrase) for every occurrence, in order of position."""
        words, norm = text.words, text.norm
        found = [
            (position, phrase)
            for first in words & self.by_first_word.keys()
            for phrase, needed in self.by_first_word[first]
            if needed <= words
            for position in _occurrences(norm, phrase)
        ]
        return sorted(found) if len(found) > 1 else found

    def find(self, text: Text, negatable: bool = False) -> str | None:
        """The first phrase in the message; with `negatable`, the first that no negator in
        the three words before denies ("I don't need an agent")."""
        for position, phrase in self.matches(text):
            if not negatable or NEGATORS.isdisjoint(words_before(text.norm, position, 3)):
                return phrase
        return None


def _occurrences(norm: str, phrase: str) -> list[int]:
    positions, start, size = [], norm.find(phrase), len(phrase)
    while start != -1:
        end = start + size
        if (start == 0 or norm[start - 1] == " ") and (end == len(norm) or norm[end] == " "):
            positions.append(start)
        start = norm.find(phrase, start + 1)
    return positions


@lru_cache(maxsize=256)
def phrase_set(phrases: tuple[str, ...]) -> PhraseSet:
    """The PhraseSet of a rule's phrases, built once per distinct tuple."""
    return PhraseSet.of(phrases)


def find_phrase(text: Text, phrases: tuple[str, ...]) -> str | None:
    """The first of `phrases` in the message that no negator in the 3 words before denies."""
    return phrase_set(phrases).find(text, negatable=True) if phrases else None


def words_before(norm: str, position: int, count: int = 4) -> list[str]:
    """Up to `count` tokens before `position` in `norm`, stopping at a clause break."""
    before = norm[max(0, position - 24 * count) : position].split()[-count - 1 :]
    if "." in before:
        before = before[len(before) - before[::-1].index(".") :]
    return before[-count:]


@dataclass(frozen=True)
class GatedPatterns:
    """Regexes that run only over the clauses holding one of their trigger words (and, if
    `also` is given, one of those words too, in the same clause or the `following` ones).

    The patterns are joined into one alternation: one C-level search instead of one Python
    call each. Every pattern must contain a trigger word, or it can never match.
    """

    triggers: frozenset[str]
    regex: re.Pattern[str]
    also: frozenset[str] = frozenset()
    following: int = 0  # clauses after a trigger's to read too: "it says I did. I didn't"

    @classmethod
    def build(
        cls, triggers: str, *patterns: str, also: str = "", following: int = 0
    ) -> GatedPatterns:
        joined = "|".join(f"(?:{pattern})" for pattern in patterns)
        return cls(frozenset(triggers.split()), re.compile(joined), frozenset(also.split()),
                   following)

    def find(self, text: Text) -> str | None:
        """The first matching words in the message, or None."""
        words = text.words
        if words.isdisjoint(self.triggers) or (self.also and words.isdisjoint(self.also)):
            return None
        scope = text.clauses_with(self.triggers, self.following, self.also)
        match = self.regex.search(scope) if scope else None
        return match.group(0) if match else None

    def search(self, scope: str) -> str | None:
        """The first matching words in already-normalised text, or None."""
        match = self.regex.search(scope) if scope else None
        return match.group(0) if match else None


@dataclass(frozen=True)
class Detector:
    """Pattern groups tried in order; a trigger-word index skips, in one set operation, the
    groups whose triggers the message lacks."""

    groups: tuple[GatedPatterns, ...]
    index: dict[str, tuple[int, ...]]  # trigger word -> positions of the groups it opens

    @classmethod
    def of(cls, *groups: GatedPatterns) -> Detector:
        index: dict[str, list[int]] = {}
        for position, group in enumerate(groups):
            for word in group.triggers:
                index.setdefault(word, []).append(position)
        return cls(groups, {word: tuple(positions) for word, positions in index.items()})

    def find(self, text: Text) -> str | None:
        """The words matched by the first group that matches, or None."""
        present = text.words & self.index.keys()
        if not present:
            return None
        positions = sorted({position for word in present for position in self.index[word]})
        for position in positions:
            found = self.groups[position].find(text)
            if found:
                return found
        return None


def first_match(detectors: Iterable[Detector | GatedPatterns | Together], text: Text) -> str | None:
    """The words found by the first detector that finds any, or None."""
    for detector in detectors:
        found = detector.find(text)
        if found:
            return found
    return None


@dataclass(frozen=True)
class Together:
    """Word sets that, all present in one clause, show an issue whatever the word order:
    "a payment I never authorised" and "never authorised this payment" alike. Clauses with
    an `unless` word do not count ("will I be charged extra?")."""

    needs: tuple[frozenset[str], ...]
    unless: frozenset[str] = frozenset()

    def find(self, text: Text) -> str | None:
        """The needed words found in the first clause that holds them all, or None."""
        if any(text.words.isdisjoint(needed) for needed in self.needs):
            return None
        for words in text.clause_words:
            holds_all = all(not words.isdisjoint(needed) for needed in self.needs)
            if holds_all and words.isdisjoint(self.unless):
                return " ".join(sorted(word for needed in self.needs for word in words & needed))
        return None
