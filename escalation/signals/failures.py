"""Category 5: failure counters over the conversation so far.

"Same question" compares stemmed content words (question words kept: "where" and "how"
ask different things) with a few support synonyms folded together, so "where is my
order?", "where's my package" and "my order hasn't arrived, where is it" count as one
question asked three times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from escalation.signals.patterns import Detector, GatedPatterns
from escalation.signals.text import Text, content_words, stem, word_set

# Repeat detection reads the start of each message: questions are short, and this bounds the
# cost of a long history.
KEY_WORDS_PER_MESSAGE = 40

_SYNONYMS = {
    **dict.fromkeys(word_set("package parcel shipment delivery item purchase orders"), "order"),
    **dict.fromkeys(
        word_set("arrive arrived arriving received receive come came delivered"), "arrive"
    ),
    **dict.fromkeys(word_set("reimbursement reimburse refunded refunds"), "refund"),
    **dict.fromkeys(word_set("cancellation cancelled canceled cancelling"), "cancel"),
    **dict.fromkeys(word_set("login signin log sign logging password"), "login"),
    **dict.fromkeys(word_set("charged charges bill billed fee fees"), "charge"),
    **dict.fromkeys(word_set("whereabouts wheres track tracking status"), "where"),
    # contractions lose their apostrophe: "what's" -> "whats"
    "whats": "what", "hows": "how", "whens": "when", "whos": "who", "whys": "why",
}

NOT_HELPFUL = Detector.of(
    GatedPatterns.build(
        "helpful useful unhelpful",
        r"\b(?:not|isnt|wasnt|arent|werent|not very|not at all) (?:\w+ )?(?:helpful|useful)\b",
        r"\bunhelpful\b",
    ),
    GatedPatterns.build(
        "help helping work answer",
        r"\bno help\b|\bnot (?:a )?(?:lot of |much )?help\b",
        r"\b(?:that|this|it|your (?:answer|suggestion|reply)|the (?:answer|suggestion)) "
        r"(?:didnt|did not|doesnt|does not|wont|will not|isnt|is not) (?:really |actually )?"
        r"(?:help|helping|work|answer)\b",
        also="not didnt doesnt wont isnt no",
    ),
    GatedPatterns.build(
        "asked meant wanted said need answer answered answering sense",
        r"\b(?:thats|that is|this is|its|it is) not what i (?:asked|meant|wanted|said|need)\b",
        r"\b(?:you|it) (?:didnt|did not|havent|have not) answer(?:ed)? my question\b",
        r"\bnot (?:answering|answered) my question\b|\bmakes no sense\b|\bdoesnt make sense\b",
        also="not didnt havent no doesnt",
    ),
)


def says_not_helpful(text: Text) -> bool:
    """True for "that didn't help", "not helpful", "that's not what I asked" and the like."""
    return NOT_HELPFUL.find(text) is not None


def not_helpful_count(messages: Iterable[Text], clicks: int) -> int:
    """"Not helpful" button clicks plus visitor messages saying so."""
    return clicks + sum(1 for text in messages if says_not_helpful(text))


def question_key(text: Text) -> frozenset[str]:
    words = content_words(text.tokens[: KEY_WORDS_PER_MESSAGE * 2])[:KEY_WORDS_PER_MESSAGE]
    return frozenset(stem(_SYNONYMS.get(word, word)) for word in words)


def similarity(first: frozenset[str], second: frozenset[str]) -> float:
    """Jaccard overlap of two question keys."""
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


_ORDINALS = {
    "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5, "5th": 5,
    "twice": 2, "two": 2, "three": 3, "several": 3, "multiple": 3, "many": 3, "again": 3,
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
    """How many times the current question has been asked, this message included."""
    if not earlier:
        return max(1, claimed_repeats(current))
    key = question_key(current)
    similar = sum(1 for text in earlier if similarity(key, question_key(text)) >= min_similarity)
    return max(1 + similar if key else 1, claimed_repeats(current))
