"""The handoff card's plain words: every trigger the engine records reads as a sentence with
no rule key in it, money carries its currency, and AI attempts name the question they
answered, the escalating message last."""

from __future__ import annotations

import pytest

from escalation.policy import Category
from escalation.reason_words import (
    CATEGORY_WORDS,
    Attempt,
    attempts_with_questions,
    money_format,
    reason_in_words,
)


def reason(signal: str, value=None, rule: str = "", threshold=None) -> dict:
    return {"signal": signal, "value": value, "rule": rule, "threshold": threshold, "text": "x"}


@pytest.mark.parametrize(
    ("category", "stored", "currency", "topic", "expected"),
    [
        (
            "billing_dispute",
            reason("amount", 240.0, "billing_dispute", 100),
            "USD",
            "",
            "Billing dispute over $100",
        ),
        (
            "billing_dispute",
            reason("amount", 240.0, "billing_dispute", 1200.5),
            "EUR",
            "",
            "Billing dispute over €1,200.50",
        ),
        (
            "billing_dispute",
            reason("billing_dispute", "dispute", "billing_dispute", 100),
            "GBP",
            "",
            "Billing dispute, amount not stated (disputes over £100 go to a person)",
        ),
        (
            "billing_dispute",
            reason("billing_dispute", "dispute", "billing_dispute", None),
            "USD",
            "",
            "Billing dispute",
        ),
        (
            "refund_exception",
            reason("order_age_days", 120, "refund_request", 90),
            "USD",
            "",
            "Refund for an order 120 days old (the policy covers 90 days)",
        ),
        (
            "human_request",
            reason("explicit_request", "agent", "human_request"),
            "USD",
            "",
            "Asked for a person",
        ),
        (
            "low_confidence",
            reason("confidence", 0.32, "offer_above", 0.4),
            "USD",
            "",
            "The AI was only 32% sure of its answer",
        ),
        (
            "negative_sentiment",
            reason("sentiment", -0.8, "sentiment_escalate_below", -0.5),
            "USD",
            "",
            "The visitor is upset",
        ),
        (
            "repeated_failure",
            reason("same_question_count", 3, "same_question_count", 3),
            "USD",
            "",
            "Asked the same question 3 times",
        ),
        (
            "repeated_failure",
            reason("not_helpful_count", 2, "not_helpful_count", 2),
            "USD",
            "",
            "Said the answers didn't help 2 times",
        ),
        (
            "repeated_failure",
            reason("no_content_in_a_row", 2, "no_content_in_a_row", 2),
            "USD",
            "",
            "2 messages in a row the AI couldn't make sense of",
        ),
        (
            "security",
            reason("security", 0.93, "security_concern", 0.7),
            "USD",
            "",
            "Account security concern",
        ),
        (
            "billing_dispute",
            reason("plan", "Enterprise", "skip_ai_categories"),
            "USD",
            "",
            "Enterprise plan: goes straight to a person for “billing dispute”",
        ),
        (
            "sensitive",
            reason("sensitive", "other: lawsuit", "sensitive_topic"),
            "USD",
            "Legal threat",
            "Sensitive topic: Legal threat",
        ),
        ("technical", None, "USD", "", "Technical issue that needs system access"),
        (
            "something_new",
            reason("mystery_signal", 1, "mystery_rule"),
            "USD",
            "",
            "Handed to a person",
        ),
    ],
)
def test_each_trigger_reads_as_a_sentence(category, stored, currency, topic, expected):
    words = reason_in_words(category=category, reason=stored, currency=currency, topic=topic)
    assert words == expected
    # No rule key or field name reaches the agent.
    assert "_" not in words
    if stored and stored["rule"]:
        assert stored["rule"] not in words


def test_every_category_has_words_without_a_slug():
    for category in Category:
        if category is Category.NONE:
            continue
        words = reason_in_words(category=str(category), reason=None)
        assert words == CATEGORY_WORDS[category] and "_" not in words


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        (100, "USD", "$100"),
        (99.5, "usd", "$99.50"),
        (1200, "EUR", "€1,200"),
        (15, "GBP", "£15"),
        (1200, "SEK", "1,200 SEK"),
        (100, "", "$100"),  # no currency configured: the default, USD
    ],
)
def test_money_is_written_with_its_symbol(amount, currency, expected):
    assert money_format(amount=amount, currency=currency) == expected


def test_each_answer_is_tied_to_the_question_it_answered_and_the_escalating_one_is_last():
    visitor = [(1, "What are your opening hours?"), (3, "I was charged $240 twice")]
    answers = [{"seq": 2, "text": "We're open 9 to 5.", "confidence": 0.95}]
    attempts = attempts_with_questions(answers=answers, visitor_messages=visitor, escalating_seq=3)
    assert attempts == [
        Attempt("What are your opening hours?", "We're open 9 to 5.", 0.95, False),
        Attempt("I was charged $240 twice", None, None, True),
    ]


def test_an_answered_escalating_message_keeps_its_answer_and_comes_last():
    visitor = [(1, "Refund?"), (3, "That didn't help"), (4, "Refund for order 5?")]
    answers = [
        {"seq": 2, "text": "Refunds take 5 days.", "confidence": 0.7},
        {"seq": 5, "text": "I'm not sure.", "confidence": 0.45},
    ]
    attempts = attempts_with_questions(answers=answers, visitor_messages=visitor, escalating_seq=4)
    assert [(a.question, a.answer, a.escalated) for a in attempts] == [
        ("Refund?", "Refunds take 5 days.", False),
        ("Refund for order 5?", "I'm not sure.", True),
    ]


def test_answers_to_nothing_the_visitor_wrote_are_left_out_and_no_trigger_means_no_marker():
    answers = [{"seq": 1, "text": "Hi! How can I help?", "confidence": None}]
    assert attempts_with_questions(answers=answers, visitor_messages=[], escalating_seq=None) == []
    visitor = [(2, "Where is my order?")]
    later = [*answers, {"seq": 3, "text": "It ships today.", "confidence": "0.9"}]
    attempts = attempts_with_questions(answers=later, visitor_messages=visitor, escalating_seq=None)
    assert attempts == [Attempt("Where is my order?", "It ships today.", 0.9, False)]
