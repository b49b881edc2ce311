"""The matching machinery the signals share, kept fast without changing what it finds."""

import random

import pytest

from escalation.signals import sentiment, vader
from escalation.signals.patterns import GatedPatterns, Together
from escalation.signals.text import prepare, word_set

MESSAGE = (
    "Hi. I was charged twice for my order, and the app says I paid. "
    "I didn't! Please fix it; my bank shows both charges. Thanks"
)


def naive_clauses_with(text, triggers, following=0, also=frozenset()):  # type: ignore[no-untyped-def]
    """The definition of Text.clauses_with, clause by clause."""
    keep = set()
    for start, words in enumerate(text.clause_words):
        if words.isdisjoint(triggers):
            continue
        window = range(start, min(start + following + 1, len(text.clauses)))
        if not also or any(not text.clause_words[n].isdisjoint(also) for n in window):
            keep.update(window)
    return " . ".join(" ".join(text.clauses[n]) for n in sorted(keep))


@pytest.mark.parametrize(
    ("triggers", "following", "also"),
    [
        ("charged", 0, ""),
        ("charged charges app", 0, ""),
        ("says", 2, "didnt"),
        ("charged", 0, "order"),
        ("charged", 1, "bank"),
        ("nothing here", 0, ""),
        ("hi thanks", 5, ""),
    ],
)
def test_clauses_with_reads_the_clauses_it_should(triggers: str, following: int, also: str) -> None:
    text = prepare(MESSAGE)
    expected = naive_clauses_with(text, word_set(triggers), following, word_set(also))
    assert text.clauses_with(word_set(triggers), following, word_set(also)) == expected


def test_clause_numbers_work_for_words_no_matcher_registered() -> None:
    text = prepare("A zebra. No giraffe; another zebra and a giraffe")
    assert text.clause_numbers(frozenset({"zebra"})) == {0, 2}
    assert text.clause_numbers(frozenset({"zebra", "giraffe"})) == {0, 1, 2}


def test_clause_word_sets_are_the_clauses_tokens() -> None:
    text = prepare(MESSAGE)
    assert text.clause_words == tuple(frozenset(clause) for clause in text.clauses)


def test_gated_patterns_must_start_at_a_word() -> None:
    with pytest.raises(ValueError):
        GatedPatterns.build("app", r"app\b")


def test_gated_patterns_match_whole_words_and_report_them() -> None:
    patterns = GatedPatterns.build("app", r"\bapp\b (?:\w+ )?crashed\b")
    assert patterns.find(prepare("My app just crashed")) == "app just crashed"
    assert patterns.find(prepare("whatsapp crashed, then the app crashed")) == "app crashed"


def test_together_reports_each_word_once() -> None:
    rule = Together((word_set("charges"), word_set("same duplicate"), word_set("same one")))
    assert rule.find(prepare("two charges for the same item")) == "charges same"


SENTENCES = [
    "I love this, it's not bad at all :)",
    "This is kind of great but NOT what I wanted!!!",
    "never so happy, without doubt the best",
    "I am at least a bit annoyed, no good and no fun",
    "sort of okay, but the delivery was very very late???",
    "The shit is the bomb, bad ass support but not great",
    "Great \U0001f600 but slow",  # emoji: the library's own pass
    "",
]


def _stock_analyser():  # type: ignore[no-untyped-def]
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    stock = SentimentIntensityAnalyzer()
    stock.lexicon = sentiment._vader()[0].lexicon  # the same trimmed lexicon
    return stock


@pytest.mark.parametrize("message", SENTENCES)
def test_vader_compound_is_the_librarys(message: str) -> None:
    stock = _stock_analyser()
    assert vader.compound(stock, message) == stock.polarity_scores(message)["compound"]


def test_vader_compound_is_the_librarys_on_random_word_salad() -> None:
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES

    stock = _stock_analyser()
    words = (
        sorted(stock.lexicon)[::7]
        + list(NEGATE)
        + list(BOOSTER_DICT)[:40]
        + [word for case in SPECIAL_CASES for word in case.split()]
        + [
            "no",
            "never",
            "so",
            "this",
            "without",
            "doubt",
            "least",
            "at",
            "very",
            "kind",
            "of",
            "but",
            "BUT",
            "GREAT",
            "Never",
            "or",
            "nor",
            ":)",
            "(good)",
            "ok!",
        ]
    )
    chooser = random.Random(11)
    for _ in range(1500):
        message = " ".join(chooser.choice(words) for _ in range(chooser.randint(0, 24)))
        message += chooser.choice(["", "!", "!!!", "??", "?!?!", "!!!!!!"])
        assert vader.compound(stock, message) == stock.polarity_scores(message)["compound"]
