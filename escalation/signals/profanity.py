"""A fast profanity and abuse matcher over a message's normalised tokens.

Words are one set intersection with the tokens; a word is compared with the "fuck*"-style
stems only the first time it is seen; phrases ("fuck off") are looked for only when all their
words are present. The list lives in profanity_words.txt beside this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from escalation.signals.patterns import PhraseSet
from escalation.signals.text import Text, normalise_phrase, word_set

WORD_LIST = Path(__file__).with_name("profanity_words.txt")
TIERS = ("mild", "directed", "strong", "abusive")
SECOND_PERSON = word_set("you u ur youre your yourself ya thou")
FIRST_PERSON = word_set("i im me my myself ive")
_MASKED = re.compile(r"(?<![a-z])(?:f[*#@]+c?k|f[*#@]{2,}|sh[*#]t|b[*#]tch)[a-z]*")


@dataclass(frozen=True)
class ProfanityHits:
    """Profane words found, by tier; `directed` insults aimed at someone are in `abusive`."""

    mild: tuple[str, ...] = ()
    strong: tuple[str, ...] = ()
    abusive: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.mild or self.strong or self.abusive)


@dataclass(frozen=True)
class _WordList:
    tier_of_word: dict[str, str]  # exact words
    words: frozenset[str]
    stems: tuple[tuple[str, str], ...]  # (stem, tier): "fuck" matches "fucking"
    phrases: dict[str, str]  # normalised phrase -> tier
    phrase_set: PhraseSet


@lru_cache(maxsize=1)
def _word_list() -> _WordList:
    """Parse the word list once, on first use."""
    words: dict[str, str] = {}
    stems: list[tuple[str, str]] = []
    phrases: dict[str, str] = {}
    for line in WORD_LIST.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        tier, entry = line.split(maxsplit=1)
        entry = entry.strip()
        if " " in entry:
            phrases[normalise_phrase(entry)] = tier
        elif entry.endswith("*"):
            stems.append((entry[:-1], tier))
        else:
            words[entry] = tier
    return _WordList(
        tier_of_word=words,
        words=frozenset(words),
        stems=tuple(stems),
        phrases=phrases,
        phrase_set=PhraseSet.of(phrases),
    )


def is_profane_word(word: str) -> bool:
    """True if `word` is on the list (phrases aside)."""
    listed = _word_list()
    return word in listed.words or any(word.startswith(stem) for stem, _ in listed.stems)


def find_profanity(text: Text) -> ProfanityHits:
    """Every profane word or phrase in the message, sorted into tiers."""
    found: dict[str, list[str]] = {tier: [] for tier in TIERS}
    for word, tier in _listed_words(text):
        found[tier].append(word)
    if "*" in text.lower or "#" in text.lower:
        found["strong"] += _MASKED.findall(text.lower)
    directed, undirected = _split_directed(text, tuple(found["directed"]))
    return ProfanityHits(
        mild=tuple(found["mild"]) + undirected,
        strong=tuple(found["strong"]),
        abusive=tuple(found["abusive"]) + directed,
    )


# Words seen so far, and the tier of those that extend a listed stem ("fuck*" -> "fuckers"),
# so each distinct word is compared with the stems once, not on every message.
_CHECKED: set[str] = set()
_STEMMED: dict[str, str] = {}
_STEMMED_WORDS: set[str] = set()  # the keys of _STEMMED, for a C-speed intersection
_CHECKED_MAX = 50_000


def _listed_words(text: Text) -> list[tuple[str, str]]:
    listed = _word_list()
    if not _CHECKED.issuperset(text.words):  # a test, no new set: most words are known
        if len(_CHECKED) > _CHECKED_MAX:
            _CHECKED.clear()
        for word in text.words - _CHECKED:
            tier = next((tier for stem, tier in listed.stems if word.startswith(stem)), None)
            if tier is not None:
                _STEMMED[word] = tier
                _STEMMED_WORDS.add(word)
            _CHECKED.add(word)
    hits = [(word, listed.tier_of_word[word]) for word in sorted(text.words & listed.words)]
    hits += [(word, _STEMMED[word]) for word in sorted(text.words & _STEMMED_WORDS)]
    hits += [(phrase, listed.phrases[phrase]) for _, phrase in listed.phrase_set.matches(text)]
    return list(dict.fromkeys(hits))


def _split_directed(
    text: Text, insults: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Insults aimed at someone ("you idiot", or just "idiot") versus mere emphasis."""
    if not insults:
        return (), ()
    alone = len(text.words) <= 2 and text.words.isdisjoint(FIRST_PERSON)
    aimed = {
        word
        for clause in text.clause_words
        if alone or not clause.isdisjoint(SECOND_PERSON)
        for word in insults
        if word in clause
    }
    directed = tuple(w for w in insults if w in aimed)
    return directed, tuple(w for w in insults if w not in aimed)
