"""A fast profanity and abuse matcher over a message's normalised tokens.

Words are set lookups on the tokens; "fuck*"-style stems are tested with a substring check
before any per-token work; phrases ("fuck off") use one regex over the clauses that hold
their first word. The list lives in profanity_words.txt beside this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from escalation.signals.text import Text, phrase_regex

WORD_LIST = Path(__file__).with_name("profanity_words.txt")
TIERS = ("mild", "directed", "strong", "abusive")
SECOND_PERSON = frozenset("you u ur youre your yourself ya thou".split())
FIRST_PERSON = frozenset("i im me my myself ive".split())
_MASKED = re.compile(r"(?<![a-z])(?:f[*#@]+c?k|f[*#@]{2,}|sh[*!1]t|b[*!1]tch)[a-z]*")


@dataclass(frozen=True)
class ProfanityHits:
    """Profane words found, by tier; `directed` insults aimed at someone are in `abusive`."""

    mild: tuple[str, ...] = ()
    strong: tuple[str, ...] = ()
    abusive: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.mild or self.strong or self.abusive)


@dataclass(frozen=True)
class _Tier:
    words: frozenset[str]
    stems: tuple[str, ...]
    phrases: re.Pattern[str] | None
    phrase_starts: frozenset[str]


@lru_cache(maxsize=1)
def _tiers() -> dict[str, _Tier]:
    """Parse the word list once, on first use."""
    entries: dict[str, list[str]] = {tier: [] for tier in TIERS}
    for line in WORD_LIST.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            tier, entry = line.split(maxsplit=1)
            entries[tier].append(entry.strip())
    return {tier: _compile_tier(items) for tier, items in entries.items()}


def _compile_tier(entries: list[str]) -> _Tier:
    phrases = [e for e in entries if " " in e]
    singles = [e for e in entries if " " not in e]
    return _Tier(
        words=frozenset(e for e in singles if not e.endswith("*")),
        stems=tuple(e[:-1] for e in singles if e.endswith("*")),
        phrases=phrase_regex(phrases),
        phrase_starts=frozenset(p.split()[0] for p in phrases),
    )


def is_profane_word(word: str) -> bool:
    """True if `word` is on the list in any tier (phrases aside)."""
    return any(
        word in tier.words or word.startswith(tier.stems or ("\0",)) for tier in _tiers().values()
    )


def find_profanity(text: Text) -> ProfanityHits:
    """Every profane word or phrase in the message, sorted into tiers."""
    tiers = _tiers()
    found = {tier: _find_in_tier(text, tiers[tier]) for tier in TIERS}
    found["strong"] += tuple(_MASKED.findall(text.lower))
    directed, undirected = _split_directed(text, found["directed"])
    return ProfanityHits(
        mild=found["mild"] + undirected,
        strong=found["strong"],
        abusive=found["abusive"] + directed,
    )


def _find_in_tier(text: Text, tier: _Tier) -> tuple[str, ...]:
    hits = sorted(text.words & tier.words)
    for stem in tier.stems:
        if stem in text.norm:
            hits.extend(word for word in text.words if word.startswith(stem))
    if tier.phrases is not None and text.has_any(tier.phrase_starts):
        hits.extend(tier.phrases.findall(text.clauses_with(tier.phrase_starts)))
    return tuple(dict.fromkeys(hits))


def _split_directed(text: Text, insults: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Insults aimed at someone ("you idiot", or just "idiot") versus mere emphasis."""
    if not insults:
        return (), ()
    alone = len(text.tokens) <= 3 and text.words.isdisjoint(FIRST_PERSON)
    aimed = {
        word
        for clause in text.clause_words
        if alone or not clause.isdisjoint(SECOND_PERSON)
        for word in insults
        if word in clause
    }
    directed = tuple(w for w in insults if w in aimed)
    return directed, tuple(w for w in insults if w not in aimed)
