"""Matchers the signals share: phrase sets, trigger-gated regexes, word co-occurrence.

All of them read a prepared `Text` and are built to skip work: a set test on the message's
words decides whether a regex or a str.find runs at all, and then only over the clauses that
hold the trigger words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from escalation.signals.text import Text, index_words, normalise_phrase, word_set

# Words that, just before a phrase or verb, deny it: "I don't need an agent", "no fraud".
NEGATORS = word_set("dont not never no didnt doesnt wont wouldnt without stop")


@dataclass(frozen=True)
class PhraseSet:
    """Phrases matched as whole words in `Text.norm`, without regexes: a phrase is looked for
    only when all its words are in the message (set tests), then found with str.find."""

    by_first_word: dict[str, tuple[tuple[str, frozenset[str]], ...]]  # -> (phrase, its words)
    first_words: frozenset[str] = frozenset()  # the keys of by_first_word, as a set

    @classmethod
    def of(cls, phrases: Iterable[str]) -> PhraseSet:
        index: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for phrase in dict.fromkeys(p for p in map(normalise_phrase, phrases) if p):
            words = phrase.split()
            index.setdefault(words[0], []).append((phrase, frozenset(words)))
        return cls({word: tuple(entries) for word, entries in index.items()}, frozenset(index))

    def present(self, text: Text) -> list[str]:
        """The phrases whose words are all in the message (each may still be absent as a
        phrase: "fed" and "up" in different clauses)."""
        words = text.words
        return [
            phrase
            for first in words & self.first_words
            for phrase, needed in self.by_first_word[first]
            if needed <= words
        ]

    def matches(self, text: Text) -> list[tuple[int, str]]:
        """(position, phrase) for every occurrence, in order of position."""
        norm = text.norm
        found = [
            (position, phrase)
            for phrase in self.present(text)
            for position in occurrences(norm, phrase)
        ]
        return sorted(found) if len(found) > 1 else found

    def find(self, text: Text, negatable: bool = False) -> str | None:
        """The first phrase in the message; with `negatable`, the first that no negator in
        the three words before denies ("I don't need an agent")."""
        norm, firsts = text.norm, []
        for phrase in self.present(text):
            for position in occurrences(norm, phrase):  # each phrase's first good one only
                if not negatable or NEGATORS.isdisjoint(words_before(norm, position, 3)):
                    firsts.append((position, phrase))
                    break
        return min(firsts)[1] if firsts else None


def occurrences(norm: str, phrase: str) -> Iterator[int]:
    """Where `phrase` occurs in `norm` as whole words, in order (found as they are asked for)."""
    start, size = norm.find(phrase), len(phrase)
    while start != -1:
        end = start + size
        if (start == 0 or norm[start - 1] == " ") and (end == len(norm) or norm[end] == " "):
            yield start
        start = norm.find(phrase, start + 1)


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
    call each. Every pattern must contain a trigger word, or it can never match, and must
    start at a word (with `\\b`): the alternation is compiled as " (?:...)" and searched in
    " " + the clauses, so the regex engine jumps from space to space (a literal prefix it
    finds at C speed) instead of trying every pattern at every character.
    """

    triggers: frozenset[str]
    regex: re.Pattern[str]
    also: frozenset[str] = frozenset()
    following: int = 0  # clauses after a trigger's to read too: "it says I did. I didn't"

    @classmethod
    def build(
        cls, triggers: str, *patterns: str, also: str = "", following: int = 0
    ) -> GatedPatterns:
        if not all(pattern.startswith(_WORD_START) for pattern in patterns):
            raise ValueError("every pattern must start at a word boundary (\\b)")
        # In normalised text a word starts after a space (or a clause's " . "), so the
        # leading \b of each pattern becomes one shared leading space.
        joined = "|".join(f"(?:{pattern[len(_WORD_START) :]})" for pattern in patterns)
        gate, extra = frozenset(triggers.split()), frozenset(also.split())
        index_words(gate | extra)
        return cls(gate, re.compile(f" (?:{joined})"), extra, following)

    def find(self, text: Text) -> str | None:
        """The first matching words in the message, or None."""
        words = text.words
        present = words & self.triggers
        if not present or (self.also and words.isdisjoint(self.also)):
            return None
        return self.search(text.clauses_holding(present, self.following, self.also))

    def search(self, scope: str) -> str | None:
        """The first matching words in already-normalised text, or None."""
        match = self.regex.search(" " + scope) if scope else None
        return match.group(0)[1:] if match else None


_WORD_START = r"\b"


@dataclass(frozen=True)
class Detector:
    """Pattern groups tried in order; a trigger-word index skips, in one set operation, the
    groups whose triggers the message lacks."""

    groups: tuple[GatedPatterns, ...]
    index: dict[str, tuple[int, ...]]  # trigger word -> positions of the groups it opens
    triggers: frozenset[str] = frozenset()  # the index's words, for a C-speed intersection

    @classmethod
    def of(cls, *groups: GatedPatterns) -> Detector:
        index: dict[str, list[int]] = {}
        for position, group in enumerate(groups):
            for word in group.triggers:
                index.setdefault(word, []).append(position)
        positions = {word: tuple(numbers) for word, numbers in index.items()}
        return cls(groups, positions, frozenset(positions))

    def find(self, text: Text) -> str | None:
        """The words matched by the first group that matches, or None."""
        present = text.words & self.triggers
        if not present:
            return None
        index = self.index
        positions = sorted(set().union(*map(index.__getitem__, present)))
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

    def __post_init__(self) -> None:
        index_words(self.needs[0])  # the clauses to look at are found from these

    def find(self, text: Text) -> str | None:
        """The needed words found in the first clause that holds them all, or None."""
        if any(text.words.isdisjoint(needed) for needed in self.needs):
            return None
        first, others = self.needs[0], self.needs[1:]
        for number in sorted(text.clause_numbers(text.words & first)):
            tokens = text.clauses[number]
            holds_all = all(not needed.isdisjoint(tokens) for needed in others)
            if holds_all and self.unless.isdisjoint(tokens):
                found = {word for needed in self.needs for word in needed.intersection(tokens)}
                return " ".join(sorted(found))
        return None
