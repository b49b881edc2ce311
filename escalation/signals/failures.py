"""Category 5: failure counters over the conversation so far.

"Same question" compares stemmed content words (question words kept: "where" and "how"
ask different things) with a few support synonyms folded together, so "where is my
order?", "where's my package" and "my order hasn't arrived, where is it" count as one
question asked three times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from escalation.signals.text import (
    Detector,
    GatedPatterns,
    Text,
    content_words,
    stem,
    word_set,
)

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


def same_question_count(current: Text, earlier: Sequence[Text], min_similarity: float) -> int:
    """How many times the current question has been asked, this message included."""
    if not earlier:
        return 1
    key = question_key(current)
    if not key:
        return 1
    return 1 + sum(1 for text in earlier if similarity(key, question_key(text)) >= min_similarity)
