"""Category 5's "same question asked 3 times": rewordings count, different questions don't."""

from datetime import datetime
from itertools import permutations

import pytest

from escalation.engine import Snapshot, decide
from escalation.policy import Action, Category, Policy
from escalation.signals.failures import same_question_count
from escalation.signals.text import prepare

POLICY = Policy.default()
NOW = datetime(2025, 6, 1, 12, 0)
SIMILARITY = POLICY.thresholds.same_question_similarity

# Three wordings of one question: whichever comes last, it is the third time.
PARAPHRASES = [
    (
        "Where is my order?",
        "When will my package arrive?",
        "my order still hasn't come, where is it",
    ),
    ("How do I reset my password?", "I forgot my password", "can't log in, I need a new password"),
    (
        "How do I return these shoes?",
        "I want to send the shoes back",
        "what's the process for returning shoes",
    ),
    ("Can I get a refund?", "I want my money back", "how do I get reimbursed"),
    (
        "How do I cancel my order?",
        "I want to cancel the order I placed",
        "please cancel my purchase",
    ),
    ("How much is shipping?", "what does delivery cost", "what are the shipping fees"),
    ("Do you ship to Canada?", "can I get delivery to Canada", "is shipping to Canada available"),
    (
        "How do I change my delivery address?",
        "I need to update the shipping address",
        "wrong address on my order, can I edit it",
    ),
    (
        "Where can I download my invoice?",
        "I need a copy of my receipt",
        "how do I get the invoice for my order",
    ),
    ("What payment methods do you accept?", "which ways can I pay", "what are the options to pay"),
    ("Why was my payment declined?", "why did my card get declined", "the payment keeps failing"),
    (
        "How do I use a discount code?",
        "where do I enter my promo code",
        "my coupon code, where does it go",
    ),
    ("How do I delete my account?", "I want to close my account", "remove my profile please"),
    ("My item arrived broken", "the product is damaged", "I received a faulty item"),
    (
        "How do I track my order?",
        "Where can I see where my parcel is right now?",
        "Is there a way to follow my package on its way to me?",
    ),
]

# Same topic words, different questions: never three of a kind.
DISTINCT_QUESTIONS = [
    ("How do I return shoes?", "When will my shoes arrive?", "Do these shoes come in size 10?"),
    ("Where is my order?", "How do I cancel my order?", "Can I change my order?"),
    (
        "How do I reset my password?",
        "How do I change my email address?",
        "How do I delete my account?",
    ),
    ("How much is shipping?", "How long does shipping take?", "Do you ship to Canada?"),
    ("Can I get a refund?", "Where is my refund?", "How long do refunds take?"),
    (
        "What payment methods do you accept?",
        "Why was my payment declined?",
        "I was charged twice for my payment",
    ),
    (
        "How do I change my delivery address?",
        "How do I change my billing address?",
        "How do I add a new address to my account?",
    ),
    ("How do I use a gift card?", "How do I check my gift card balance?", "Can I buy a gift card?"),
    ("How do I leave a review?", "How do I delete my review?", "Why was my review not published?"),
    ("What are your opening hours?", "What is your phone number?", "Are you open on Sunday?"),
    (
        "Can I exchange shoes for another size?",
        "How do I return shoes?",
        "Are the shoes waterproof?",
    ),
    (
        "Where is my invoice?",
        "My invoice has the wrong VAT number",
        "Can I get an invoice in my company's name?",
    ),
    (
        "How do I cancel my order?",
        "How do I cancel my newsletter subscription?",
        "How do I cancel my membership?",
    ),
    ("Where is my order?", "Where is my refund?", "Where do I enter my promo code?"),
]


def count(first: str, second: str, current: str) -> int:
    return same_question_count(prepare(current), [prepare(first), prepare(second)], SIMILARITY)


@pytest.mark.parametrize("questions", PARAPHRASES)
def test_three_wordings_of_one_question_count_as_three(questions: tuple[str, str, str]) -> None:
    for first, second, current in permutations(questions):
        assert count(first, second, current) == 3, (first, second, current)


@pytest.mark.parametrize("questions", DISTINCT_QUESTIONS)
def test_different_questions_on_one_topic_do_not(questions: tuple[str, str, str]) -> None:
    for first, second, current in permutations(questions):
        assert count(first, second, current) < 3, (first, second, current)


@pytest.mark.parametrize(
    "earlier",
    [
        ("thanks", "thanks"),
        ("great, that worked", "great, that worked"),
        ("hi", "hello"),
    ],
)
def test_conversational_turns_are_no_repeated_question(earlier: tuple[str, str]) -> None:
    assert count(*earlier, earlier[-1]) == 1


def test_three_paraphrases_escalate_as_a_repeated_failure() -> None:
    first, second, third = PARAPHRASES[0]
    decision = decide(Snapshot(message=third, earlier_messages=(first, second)), POLICY, NOW)
    assert (decision.action, decision.category) == (Action.ESCALATE, Category.REPEATED_FAILURE)
    assert decision.signals["same_question_count"] == 3


@pytest.mark.parametrize(
    ("earlier", "message", "escalates"),
    [
        ((), "asdfgh", False),
        (("asdfgh",), "qwpoeiru zxmcnv", True),
        (("???",), "....", True),
        (("asdfgh", "where is my order?"), "???", False),
    ],
)
def test_a_second_message_in_a_row_with_no_content_escalates(
    earlier: tuple[str, ...], message: str, escalates: bool
) -> None:
    decision = decide(Snapshot(message=message, earlier_messages=earlier), POLICY, NOW)
    assert decision.escalates is escalates
    if escalates:
        assert decision.category == Category.REPEATED_FAILURE
        assert decision.reasons[0].rule == "no_content_in_a_row"


def test_not_helpful_twice_in_words_escalates() -> None:
    decision = decide(
        Snapshot(message="still not helpful", earlier_messages=("that didn't help",)), POLICY, NOW
    )
    assert (decision.action, decision.category) == (Action.ESCALATE, Category.REPEATED_FAILURE)
    assert decision.signals["not_helpful_count"] == 2
