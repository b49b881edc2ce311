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
from itertools import chain

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
    words: frozenset[str]  # every normalised token of the message
    norm: str  # clauses joined as "tok tok . tok tok": phrase regexes run on this
    clause_texts: tuple[str, ...] = ()  # each clause as "tok tok" (the pieces of `norm`)

    @cached_property
    def tokens(self) -> tuple[str, ...]:
        return tuple(token for clause in self.clauses for token in clause)

    @cached_property
    def clause_words(self) -> tuple[frozenset[str], ...]:
        """Each clause's tokens as a set. Built on first use: most signals find the clauses
        they need through `clause_numbers`, and 50 sets a message add up."""
        return tuple(map(frozenset, self.clauses))

    def has_any(self, triggers: frozenset[str]) -> bool:
        return not self.words.isdisjoint(triggers)

    def clauses_with(
        self, triggers: frozenset[str], following: int = 0, also: frozenset[str] = frozenset()
    ) -> str:
        """The normalised clauses holding a trigger word, joined like `norm`. With
        `following`, each such clause brings the next ones along; with `also`, only clauses
        (with their followers) that also hold one of those words count."""
        present = self.words & triggers
        return self.clauses_holding(present, following, also) if present else ""

    def clauses_holding(
        self, present: frozenset[str], following: int = 0, also: frozenset[str] = frozenset()
    ) -> str:
        """`clauses_with` for trigger words already known to be in the message."""
        count = len(self.clauses)
        if count == 1:
            return self.norm if not also or not self.words.isdisjoint(also) else ""
        keep = self.clause_numbers(present)
        if also and not following:
            # The few clauses kept are checked for an `also` word directly: cheaper than
            # gathering every clause of every `also` word (often common: "not", "my").
            clauses = self.clauses
            keep = {number for number in keep if not also.isdisjoint(clauses[number])}
        elif also:
            with_also = self.clause_numbers(self.words & also)
            keep = {
                number
                for start in keep
                if not with_also.isdisjoint(range(start, start + following + 1))
                for number in range(start, min(start + following + 1, count))
            }
        elif following:
            keep = {n for start in keep for n in range(start, min(start + following + 1, count))}
        if len(keep) == count:
            return self.norm
        texts = self.clause_texts or tuple(map(" ".join, self.clauses))
        return " . ".join([texts[number] for number in sorted(keep)])

    def clause_numbers(self, words: frozenset[str]) -> set[int]:
        """Numbers of the clauses holding any of `words` (words of this message)."""
        return set().union(*map(self._clause_index.__getitem__, words))

    @cached_property
    def _clause_index(self) -> _ClauseIndex:
        """Word -> numbers of the clauses holding it, filled up front for the words the
        matchers gate on (indexing every word cost more than all the regexes together),
        in one pass over the tokens."""
        index = _ClauseIndex(self.clauses)
        indexed: dict[str, list[int]] = {w: [] for w in self.words.intersection(_INDEXED_WORDS)}
        get = indexed.get
        for number, tokens in enumerate(self.clauses):
            for token in tokens:
                numbers = get(token)
                if numbers is not None and (not numbers or numbers[-1] != number):
                    numbers.append(number)
        index.update(indexed)
        return index


class _ClauseIndex(dict[str, list[int]]):
    """A clause index that scans for a word nobody registered, the first time it is asked."""

    def __init__(self, clauses: tuple[tuple[str, ...], ...]) -> None:
        super().__init__()
        self.clauses = clauses

    def __missing__(self, word: str) -> list[int]:
        numbers = [number for number, tokens in enumerate(self.clauses) if word in tokens]
        self[word] = numbers
        return numbers


# Words the matchers gate clauses on (see `index_words`): every Text indexes their clauses.
_INDEXED_WORDS: set[str] = set()


def index_words(words: frozenset[str]) -> None:
    """Have every Text index the clauses holding these words (called as matchers are built)."""
    _INDEXED_WORDS.update(words)


def cap(message: str, limit: int = MAX_CHARS) -> str:
    """The first `limit` characters: the only part of a message any signal looks at."""
    return message[:limit]


def prepare(message: str) -> Text:
    """Cap, lower-case, tokenise and typo-correct a message (see the module docstring).

    Tokenising uses bytes.translate and str.split rather than regexes: on a 2,000-character
    message that is several times faster, and the engine is called on every message."""
    original = cap(message)
    lower = original.lower()
    ascii_only = lower.isascii()  # then the curly quotes and long dashes cannot occur
    for curly in _CURLY_APOSTROPHES if not ascii_only else ("`",):
        lower = lower.replace(curly, "'")
    # "." and "," end a clause when a space follows; inside a token they vanish, so
    # "1,200.50" stays one token and "e.g." one word.
    spaced = lower.replace("'", "").replace(". ", "; ").replace(", ", "; ")
    for dash in _DASH_BREAKS if not ascii_only else (" - ",):
        spaced = spaced.replace(dash, ";")
    spaced = spaced.encode().translate(_TOKEN_TABLE, b".,").decode()
    if not ascii_only and not spaced.isascii():
        spaced = _NON_WORD.sub(" ", spaced)
    clauses = [tokens for tokens in map(str.split, spaced.split(".")) if tokens]
    words = frozenset(chain.from_iterable(clauses))
    fixes = _typo_fixes(words)
    if fixes:  # rare: most messages hold no typo of a key word, and skip this pass
        clauses = [[fixes.get(token, token) for token in tokens] for tokens in clauses]
        words = frozenset(chain.from_iterable(clauses))
    clause_texts = tuple(map(" ".join, clauses))
    return Text(
        original=original,
        lower=lower,
        clauses=tuple(map(tuple, clauses)),
        words=words,
        norm=" . ".join(clause_texts),
        clause_texts=clause_texts,
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
# Tokens already looked up, and those a typo correction changes: each distinct token is
# checked once, and a message is rewritten only when it holds a known typo.
_SEEN: set[str] = set()
_FIXES: dict[str, str] = {}
_SEEN_MAX = 50_000


def _typo_fixes(words: frozenset[str]) -> dict[str, str]:
    """{typo: meant} for the words of a message that `correct_typo` changes."""
    global _SEEN, _FIXES
    if len(_SEEN) > _SEEN_MAX:
        # New objects, not clear(): another thread may be reading the old ones.
        _SEEN, _FIXES = set(), dict(_FIXES) if len(_FIXES) < _SEEN_MAX else {}
    unseen = words.difference(_SEEN)
    if unseen:
        for token in unseen:
            meant = correct_typo(token)
            if meant != token:
                _FIXES[token] = meant
        _SEEN.update(unseen)
    fixes = _FIXES
    return {token: fixes[token] for token in words.intersection(fixes)} if fixes else {}


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
