"""Names in a question (places, carriers, brands) and whether a passage mentions them: pure,
made-up texts (conversations/assistant/names.py)."""

from __future__ import annotations

import pytest

from conversations.assistant.names import name_forms, names_missing, question_names
from conversations.assistant.retrieval import tokenize

KB = [
    "Shipping abroad\nWe ship to France, Spain and Italy. Orders to France take 7 days.",
    "Paying\nYou can pay with Visa, PayPal or Apple Pay. It works on any phone.",
    "Your account\nOpen Account > Settings to change your email. Your account shows orders.",
]
NAMES = name_forms(KB)
KNOWN = set(tokenize("\n".join(KB)))


def names_in(question: str) -> dict[str, str]:
    return question_names(question, names=NAMES, known=KNOWN.__contains__)


def test_the_knowledge_base_names_are_words_it_only_writes_capitalised_inside_a_sentence():
    said = set(NAMES.values())
    assert {"France", "Spain", "Italy", "PayPal", "Visa", "Apple"} <= said
    # "Account" is also written in lowercase; "Shipping", "We", "You" open a sentence or line.
    assert not {"Account", "Shipping", "We", "You", "Open", "Orders"} & said


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("do you ship to spain?", ["Spain"]),  # the KB's name, typed in lowercase
        ("How long does shipping to Portugal take?", ["Portugal"]),  # capitalised, unknown
        ("can I pay with Klarna or PayPal?", ["Klarna", "PayPal"]),
        ("how long does shipping take?", []),
        ("Shipping to my account address?", []),  # "Shipping" opens the question
        ("Hi, I'm Anna Lee. Where is my order?", []),  # the visitor's own name
        ("I need the invoice from Mr. Jones", []),  # a title and a surname
        ("Can I order in December?", []),  # a date, not a place
        ("where do I change my email in settings", []),  # "Settings" is no name here
    ],
)
def test_a_questions_names(question: str, names: list[str]) -> None:
    assert list(names_in(question).values()) == names


def test_a_name_the_passage_never_mentions_is_missing() -> None:
    asked = names_in("How long does shipping to Portugal or Spain take?")
    passage = tokenize("We ship to France, Spain and Italy.")
    assert names_missing(asked, passage) == ["Portugal"]
    assert names_missing(names_in("do you ship to italy"), passage) == []


def test_title_case_headings_make_no_names_but_a_name_inside_a_sentence_still_counts() -> None:
    """A Title-Case heading line capitalises every word ("Gift Wrapping Options"): no names
    from it. "Canada" is written capitalised inside a sentence elsewhere, so it is one, typed
    in any case."""
    bodies = [
        "Gift Wrapping Options\nWe gift wrap any order for $4 and add a message card.",
        "## Delivery Times Abroad\nOrders to Canada take 5–8 business days.",
        "Return Window:\nYou have 30 days to send an item back.",
    ]
    names = name_forms(bodies)
    assert set(names.values()) == {"Canada"}
    known = set(tokenize("\n".join(bodies)))
    asked = question_names(
        "what gift wrapping options do you have for orders to canada?",
        names=names,
        known=known.__contains__,
    )
    assert list(asked.values()) == ["Canada"]


def test_a_name_the_articles_title_carries_is_not_missing() -> None:
    asked = names_in("can I pay with PayPal?")
    passage = tokenize("Pay at checkout and confirm in the app.")
    assert names_missing(asked, passage) == ["PayPal"]
    assert names_missing(asked, passage, tokenize("Paying with PayPal")) == []
