"""Normalise a visitor message once, so every signal reads the same capped, tokenised text.

Every signal works on a `Text`: the message capped to MAX_CHARS *before* any regex or VADER
work (a 64 KB paste must cost no more than a 2,000-character one), lower-cased, with
contractions closed up ("don't" -> "dont") and common typos of the key words corrected
("somone" -> "someone"), split into clauses so phrases never match across sentences.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

MAX_CHARS = 2000


def word_set(words: str) -> frozenset[str]:
    """The whitespace-separated words of `words`: keeps long word lists readable."""
    return frozenset(words.split())


_WORD = re.compile(r"[a-z0-9]+")

# Words the signals key on. Typos within one edit of these are corrected, because visitors
# type fast ("somone", "speakign", "eprson") and a missed "agent" is a missed escalation.
TYPO_VOCABULARY = word_set("""
    someone somebody person people human humans agent agents operator operators
    representative representatives assistant manager supervisor service support customer
    speak speaking talking chatting contact contacting connect connecting transfer
    hacked unauthorized unauthorised fraudulent compromised stolen recognize recognise
    recognised recognized overcharged duplicate dispute disputing frustrated ridiculous
    unacceptable useless terrible horrible helpful withdrawal transaction payment
    """)

# Real words one edit away from a vocabulary word: never "correct" these.
_REAL_WORDS = word_set("""
    humane humor humour persona personal persons prison speaks spear speck steak sneak spark
    contract contracts contacts connects connected managed manages manage managers agency
    agenda urgent arent servile services serviced supports supported customers assistants
    assistance resistant transfers transferred disputed disputes payments transactions
    withdrawals withdrawn someones peoples operate operated helpless hacker hackers backed
    packed lacked sacked cheating taking walking stalking balking solemn duplicated
    """)

STOPWORDS = word_set("""
    a an the i me my mine we us our you your yours he she it its they them their this that
    these those is am are was were be been being do does did doing have has had having
    will would shall should can could may might must to of in on at by for with about from
    into over under again further then once here there all any both each few more most other
    some such no nor not only own same so than too very just and but if or because as until
    while please pls hi hello hey thanks thank ok okay im ive id youre dont doesnt didnt
    cant cannot wont isnt arent wasnt werent hasnt havent also still yet get got want need
    would like know tell help
    """)


@dataclass(frozen=True)
class Text:
    """A visitor message prepared for the signals; build it with `prepare()`.

    Signals first test `words` (a set lookup, C speed) and run their regexes only over the
    clauses holding a trigger word (`clauses_with`): that keeps a 2,000-character message
    inside the engine's latency budget.
    """

    original: str  # capped, as typed: the ALL-CAPS signal needs the case
    lower: str  # capped, lower-cased, apostrophes straightened: for amounts and dates
    clauses: tuple[tuple[str, ...], ...]  # normalised tokens, one tuple per clause
    clause_words: tuple[frozenset[str], ...]  # the same, as sets
    words: frozenset[str]  # every normalised token of the message
    norm: str  # clauses joined as "tok tok . tok tok": phrase regexes run on this

    @cached_property
    def tokens(self) -> tuple[str, ...]:
        return tuple(token for clause in self.clauses for token in clause)

    def has_any(self, triggers: frozenset[str]) -> bool:
        return not self.words.isdisjoint(triggers)

    def clauses_with(
        self, triggers: frozenset[str], following: int = 0, also: frozenset[str] = frozenset()
    ) -> str:
        """The normalised clauses holding a trigger word, joined like `norm`. With
        `following`, each such clause brings the next ones along; with `also`, only clauses
        (with their followers) that also hold one of those words count."""
        present = self.words & triggers
        if not present:
            return ""
        if len(self.clauses) == 1:
            return self.norm if not also or not self.words.isdisjoint(also) else ""
        index = self._clause_index
        starts = {number for word in present for number in index[word]}
        with_also = {number for word in self.words & also for number in index[word]}
        keep: set[int] = set()
        for number in starts:
            window = range(number, min(number + following + 1, len(self.clauses)))
            if not also or not with_also.isdisjoint(window):
                keep.update(window)
        return " . ".join(" ".join(self.clauses[number]) for number in sorted(keep))

    @cached_property
    def _clause_index(self) -> dict[str, list[int]]:
        """word -> numbers of the clauses holding it."""
        index: dict[str, list[int]] = {}
        for number, words in enumerate(self.clause_words):
            for word in words:
                index.setdefault(word, []).append(number)
        return index


def cap(message: str, limit: int = MAX_CHARS) -> str:
    """The first `limit` characters: the only part of a message any signal looks at."""
    return message[:limit]


def prepare(message: str) -> Text:
    """Cap, lower-case, tokenise and typo-correct a message (see the module docstring).

    Tokenising uses bytes.translate and str.split rather than regexes: on a 2,000-character
    message that is several times faster, and the engine is called on every message."""
    original = cap(message)
    lower = original.lower()
    for curly in _CURLY_APOSTROPHES:
        lower = lower.replace(curly, "'")
    # "." and "," end a clause when a space follows; inside a token they vanish, so
    # "1,200.50" stays one token and "e.g." one word.
    spaced = lower.replace("'", "").replace(". ", "; ").replace(", ", "; ")
    for dash in _DASH_BREAKS:
        spaced = spaced.replace(dash, ";")
    spaced = spaced.encode().translate(_TOKEN_TABLE, b".,").decode()
    if not spaced.isascii():
        spaced = _NON_WORD.sub(" ", spaced)
    tokens = _correct_all(spaced.replace(".", " . ").split())
    clauses = tuple(
        clause for clause in map(str.split, " ".join(tokens).split(".")) if clause
    )
    return Text(
        original=original,
        lower=lower,
        clauses=tuple(map(tuple, clauses)),
        clause_words=tuple(map(frozenset, clauses)),
        words=frozenset(tokens) - {"."},
        norm=" . ".join(map(" ".join, clauses)),
    )


@lru_cache(maxsize=256)
def prepare_cached(message: str) -> Text:
    """`prepare`, remembered: a conversation's earlier messages are read again on every new
    message, and each message is decided twice (before and after the bot answers)."""
    return prepare(message)


def _token_table() -> bytes:
    """ASCII punctuation to a space, clause punctuation to ".", all else unchanged."""
    table = bytearray(range(256))
    for char in string.punctuation + "\t\r\x0b\x0c":
        table[ord(char)] = ord(" ")
    for char in "!?;:\n()[]{}":
        table[ord(char)] = ord(".")
    return bytes(table)


_TOKEN_TABLE = _token_table()
_CURLY_APOSTROPHES = ("\u2019", "\u2018", "`", "\u00b4")
_DASH_BREAKS = (" - ", "\u2013", "\u2014")
_NON_WORD = re.compile(r"[^\w\s.]+")
_CORRECTED: dict[str, str] = {}  # token -> corrected token, filled as tokens are seen
_CORRECTED_MAX = 50_000


def _correct_all(tokens: list[str]) -> list[str]:
    global _CORRECTED
    if len(_CORRECTED) > _CORRECTED_MAX:
        _CORRECTED = {}  # a new dict, not clear(): another thread may be reading the old one
    known = _CORRECTED
    unseen = set(tokens).difference(known)
    if unseen:
        known.update((token, correct_typo(token)) for token in unseen)
    return list(map(known.__getitem__, tokens))


@lru_cache(maxsize=1)
def _typo_index() -> dict[str, str | None]:
    """Map each vocabulary word and each of its one-letter deletions to the word."""
    index: dict[str, str | None] = {}
    for word in TYPO_VOCABULARY:
        for variant in {word, *_deletions(word)}:
            index[variant] = word if index.get(variant, word) == word else None
    return index


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@lru_cache(maxsize=4096)
def correct_typo(token: str) -> str:
    """The vocabulary word `token` is one edit away from, or `token` itself.

    Symmetric-delete lookup: catches one dropped, added, swapped or transposed letter.
    Short tokens are left alone: at four letters too many real words are one edit apart.
    """
    if len(token) < 5 or token in TYPO_VOCABULARY or token in _REAL_WORDS or token.isdigit():
        return token
    index = _typo_index()
    candidates = {index.get(token)} | {index.get(variant) for variant in _deletions(token)}
    candidates.discard(None)
    if len(candidates) == 1:
        (word,) = candidates
        return word or token
    return token


def normalise_phrase(phrase: str) -> str:
    """A phrase as it appears in `Text.norm`: "This isn't working" -> "this isnt working"."""
    return " ".join(" ".join(clause) for clause in prepare(phrase).clauses)


_SUFFIXES = ("ingly", "ation", "ments", "ment", "ness", "ing", "ies", "ied", "ed", "es", "ly", "s")


def stem(word: str) -> str:
    """A crude suffix-stripping stem: good enough to match "charged"/"charges"/"charge"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t not in STOPWORDS and not t.isdigit()]
