"""Category 5: failure counters over the conversation so far.

"Same question" compares what two questions are about, not the words they use: each content
word is folded onto the shop concept it names (escalation.signals.vocabulary: "parcel" and
"package" are an order, "send back" a return, "fee" and "how much" a cost), and two
questions are the same when the weighted overlap of their concepts reaches the policy's
similarity. Intents (return, refund, track, cancel, ...) weigh twice what they are about,
so "how do I return shoes" and "when will my shoes arrive" stay two questions, while "where
is my order?", "when will my package arrive?" and "my order still hasn't come" are one.
Only questions count: "that didn't help" or "thanks" asked three times is no repeat.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from escalation.signals import dialogue
from escalation.signals.dialogue import NO_CONTENT_IN_A_ROW, read_act
from escalation.signals.patterns import GatedPatterns
from escalation.signals.text import Text, content_words, stem, word_set
from escalation.signals.vocabulary import INTENT_CONCEPTS, OBJECT_CONCEPTS

# Repeat detection reads the start of each message: questions are short, and this bounds the
# cost of a long history.
KEY_WORDS_PER_MESSAGE = 40

# What the visitor wants done or known weighs most; what it is about (in a shop, nearly
# everything is about an order or an item) and everyday verbs weigh least.
INTENT_WEIGHT = 2.0
WORD_WEIGHT = 1.0
LIGHT_WEIGHT = 0.5
# "where" and "when" say a little about what is asked; "how" and "what" nothing.
_LIGHT_WORDS = word_set("""
    where wheres when whens why use using used go goes going see look find enter put make
    give check download copy print send show
    """)
# Words that frame a question in any topic.
_FRAMING = word_set("""
    how hows what whats which who whos can able possible available way ways option options
    anyone someone something anything there any please still yet again already just ever
    right now today
    """)
__all__ = [
    "NO_CONTENT_IN_A_ROW",
    "no_content_streak",
    "not_helpful_count",
    "question_key",
    "same_question_count",
    "says_not_helpful",
    "similarity",
]
_CONCEPT = "#"  # concept keys start with it; plain words never do


def _concepts_by_word() -> dict[str, tuple[str, ...]]:
    concepts: dict[str, list[str]] = {}
    for groups in (INTENT_CONCEPTS, OBJECT_CONCEPTS):
        for concept, words in groups.items():
            for word in words:
                concepts.setdefault(word, []).append(_CONCEPT + concept)
    return {word: tuple(names) for word, names in concepts.items()}


_CONCEPTS_BY_WORD = _concepts_by_word()
_WEIGHTS = {
    **{_CONCEPT + concept: INTENT_WEIGHT for concept in INTENT_CONCEPTS},
    **{_CONCEPT + concept: LIGHT_WEIGHT for concept in OBJECT_CONCEPTS},
    **dict.fromkeys(_LIGHT_WORDS, LIGHT_WEIGHT),
}
# "where is my order" asks how the order is doing, like "has my order arrived".
_STATUS_OF = frozenset({_CONCEPT + "order", _CONCEPT + "refund", _CONCEPT + "item"})
_WHERE = word_set("where wheres whereabouts")
_CARDS = word_set("card cards")


def says_not_helpful(text: Text) -> bool:
    """True for "that didn't help", "not helpful", "that's not what I asked" and the like."""
    return dialogue.says_not_helpful(text.original)


def not_helpful_count(messages: Iterable[Text], clicks: int) -> int:
    """ "Not helpful" button clicks plus visitor messages saying so."""
    return clicks + sum(1 for text in messages if says_not_helpful(text))


def no_content_streak(messages: Sequence[Text]) -> int:
    """How many of the latest visitor messages in a row said nothing ("asdfgh", "???")."""
    return dialogue.no_content_streak([text.original for text in messages])


def question_key(text: Text) -> frozenset[str]:
    """The concepts (and other content words, stemmed) a question is about."""
    return _question_key(text.tokens[: KEY_WORDS_PER_MESSAGE * 2])


@lru_cache(maxsize=1024)
def _question_key(tokens: tuple[str, ...]) -> frozenset[str]:
    key: set[str] = set()
    previous = ""
    for word in content_words(tokens)[:KEY_WORDS_PER_MESSAGE]:
        if word in _FRAMING or (word in _CARDS and previous == "gift"):
            continue  # a gift card is a gift, not a way to pay
        previous = word
        if word in _LIGHT_WORDS:
            key.add(word)
            continue
        concepts = _CONCEPTS_BY_WORD.get(word) or _CONCEPTS_BY_WORD.get(stem(word))
        key.update(concepts or (stem(word),))
    if not _WHERE.isdisjoint(tokens) and not _STATUS_OF.isdisjoint(key):
        key.add(_CONCEPT + "status")
    return frozenset(key)


def _weight(token: str) -> float:
    return _WEIGHTS.get(token, WORD_WEIGHT)


def similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """Weighted Jaccard overlap of two question keys, in [0, 1]."""
    if not first or not second:
        return 0.0
    shared = sum(map(_weight, first & second))
    return shared / sum(map(_weight, first | second)) if shared else 0.0


_ORDINALS = {
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "twice": 2,
    "two": 2,
    "three": 3,
    "several": 3,
    "multiple": 3,
    "many": 3,
    "again": 3,
}
# The visitor says so: "this is the third time I'm asking", "I've asked you twice".
CLAIMED_REPEAT = GatedPatterns.build(
    "time times twice again",
    r"\b(?P<nth>second|2nd|third|3rd|fourth|4th|fifth|5th) time (?:i|im|ive|that|asking|"
    r"now|i am)\b",
    r"\basked (?:you |this |it |the same (?:thing |question )?)?(?:already )?"
    r"(?P<count>twice|two times|three times|several times|multiple times|many times|"
    r"again and again)\b",
)


def claimed_repeats(text: Text) -> int:
    """How many times the visitor says they have asked (0 when they don't say)."""
    found = CLAIMED_REPEAT.find(text)
    if not found:
        return 0
    return next((count for word, count in _ORDINALS.items() if word in found.split()), 0)


def same_question_count(current: Text, earlier: Sequence[Text], min_similarity: float) -> int:
    """How many times the current question has been asked, this message included. Only
    questions count: feedback, thanks and greetings are no repeats."""
    claimed = claimed_repeats(current)
    if not earlier or not read_act(current.original).wants_knowledge:
        return max(1, claimed)
    key = question_key(current)
    if not key:
        return max(1, claimed)
    similar = sum(
        1
        for text in earlier
        if read_act(text.original).wants_knowledge
        and similarity(key, question_key(text)) >= min_similarity
    )
    return max(1 + similar, claimed)
