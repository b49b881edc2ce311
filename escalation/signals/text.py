"""Normalise a visitor message once, so every signal reads the same capped, tokenised text.

Every signal works on a `Text`: the message capped to MAX_CHARS *before* any regex or VADER
work (a 64 KB paste must cost no more than a 2,000-character one), lower-cased, with
contractions closed up ("don't" -> "dont") and common typos of the key words corrected
("somone" -> "someone"), split into clauses so phrases never match across sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

MAX_CHARS = 2000

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_CLAUSE_BREAK = re.compile(r"[.!?;:\n,()\[\]]+|\s[-\u2013\u2014]+\s")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")

# Words the signals key on. Typos within one edit of these are corrected, because visitors
# type fast ("somone", "speakign", "eprson") and a missed "agent" is a missed escalation.
TYPO_VOCABULARY = frozenset(
    """
    someone somebody person people human humans agent agents operator operators
    representative representatives assistant manager supervisor service support customer
    speak speaking talking chatting contact contacting connect connecting transfer
    hacked unauthorized unauthorised fraudulent compromised stolen recognize recognise
    recognised recognized overcharged duplicate dispute disputing frustrated ridiculous
    unacceptable useless terrible horrible helpful withdrawal transaction payment
    """.split()
)

# Real words one edit away from a vocabulary word: never "correct" these.
_REAL_WORDS = frozenset(
    """
    humane humor humour persona personal persons speaks spear speck steak sneak
    contract contracts contacts connects connected managed manages manage managers
    agency agenda urgent servile services serviced supports supported customers
    assistants assistance resistant transfers transferred dispute disputed disputes
    payments transactions withdrawals withdrawn someones peoples operate operated stolen
    helpful helpless recognizes recognises hacker hackers
    """.split()
)

STOPWORDS = frozenset(
    """
    a an the i me my mine we us our you your yours he she it its they them their this that
    these those is am are was were be been being do does did doing have has had having
    will would shall should can could may might must to of in on at by for with about from
    into over under again further then once here there all any both each few more most other
    some such no nor not only own same so than too very just and but if or because as until
    while please pls hi hello hey thanks thank ok okay im ive id youre dont doesnt didnt
    cant cannot wont isnt arent wasnt werent hasnt havent also still yet get got want need
    would like know tell help
    """.split()
)


@dataclass(frozen=True)
class Text:
    """A visitor message prepared for the signals; build it with `prepare()`.

    Signals first test `words` (a set lookup, C speed) and run their regexes only over the
    clauses holding a trigger word (`clauses_with`): that keeps a 2,000-character message
    well inside the engine's latency budget.
    """

    original: str  # capped, as typed: the ALL-CAPS signal needs the case
    lower: str  # capped, lower-cased, apostrophes straightened: for amounts and dates
    clauses: tuple[tuple[str, ...], ...]  # normalised tokens, one tuple per clause
    clause_words: tuple[frozenset[str], ...]  # the same, as sets
    words: frozenset[str]  # every normalised token of the message
    norm: str  # clauses joined as "tok tok . tok tok": phrase regexes run on this

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(token for clause in self.clauses for token in clause)

    def has_any(self, triggers: frozenset[str]) -> bool:
        return not self.words.isdisjoint(triggers)

    def clauses_with(self, triggers: frozenset[str]) -> str:
        """The normalised clauses containing any trigger word, joined like `norm`."""
        if self.words.isdisjoint(triggers):
            return ""
        return " . ".join(
            " ".join(clause)
            for clause, words in zip(self.clauses, self.clause_words)
            if not words.isdisjoint(triggers)
        )


def cap(message: str, limit: int = MAX_CHARS) -> str:
    """The first `limit` characters: the only part of a message any signal looks at."""
    return message[:limit]


def prepare(message: str) -> Text:
    """Cap, lower-case, tokenise and typo-correct a message (see the module docstring)."""
    original = cap(message)
    lower = original.lower().translate(_APOSTROPHES)
    clauses = tuple(
        clause
        for clause in (_tokenise(part) for part in _CLAUSE_BREAK.split(lower))
        if clause
    )
    clause_words = tuple(frozenset(clause) for clause in clauses)
    return Text(
        original=original,
        lower=lower,
        clauses=clauses,
        clause_words=clause_words,
        words=frozenset().union(*clause_words),
        norm=" . ".join(" ".join(clause) for clause in clauses),
    )


def _tokenise(fragment: str) -> tuple[str, ...]:
    return tuple(correct_typo(word.replace("'", "")) for word in _WORD.findall(fragment))


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


def phrase_regex(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One word-boundary regex matching any of `phrases` (normalised like messages) in `norm`."""
    normalised = sorted(
        {" ".join(_tokenise(p.lower().translate(_APOSTROPHES))) for p in phrases} - {""},
        key=len,
        reverse=True,
    )
    if not normalised:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in normalised) + r")\b")


@lru_cache(maxsize=256)
def cached_phrase_regex(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """`phrase_regex` for a rule's phrases, compiled once per distinct tuple."""
    return phrase_regex(phrases)


# Words that, just before a phrase or verb, deny it: "I don't need an agent", "no fraud".
NEGATORS = frozenset("dont not never no didnt doesnt wont wouldnt without stop".split())


def find_phrase(text: Text, phrases: tuple[str, ...]) -> str | None:
    """The first of `phrases` in the message that no negator in the 3 words before denies."""
    regex = cached_phrase_regex(phrases)
    if regex is None:
        return None
    for match in regex.finditer(text.norm):
        if not any(word in NEGATORS for word in words_before(text.norm, match.start(), 3)):
            return match.group(0)
    return None


def words_before(norm: str, position: int, count: int = 4) -> list[str]:
    """Up to `count` tokens before `position` in `norm`, stopping at a clause break."""
    before = norm[:position].split()
    if "." in before:
        before = before[len(before) - before[::-1].index(".") :]
    return before[-count:]


_SUFFIXES = ("ingly", "ation", "ments", "ment", "ness", "ing", "ies", "ied", "ed", "es", "ly", "s")


def stem(word: str) -> str:
    """A crude suffix-stripping stem: good enough to match "charged"/"charges"/"charge"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(tokens: Sequence[str]) -> list[str]:
    return [t for t in tokens if t not in STOPWORDS and not t.isdigit()]


@dataclass(frozen=True)
class GatedPatterns:
    """Regexes that only run over the clauses holding one of their trigger words.

    Every pattern must contain at least one trigger word, or it can never match.
    """

    triggers: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def build(cls, triggers: str, *patterns: str) -> GatedPatterns:
        return cls(frozenset(triggers.split()), tuple(re.compile(p) for p in patterns))

    def find(self, text: Text) -> str | None:
        """The first matching words in the message, or None."""
        return self.search(text.clauses_with(self.triggers))

    def search(self, scope: str) -> str | None:
        """The first matching words in already-normalised text, or None."""
        if not scope:
            return None
        for pattern in self.patterns:
            match = pattern.search(scope)
            if match:
                return match.group(0)
        return None
