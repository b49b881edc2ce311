"""The bot's short replies to turns that are no question, and follow-ups read with context."""

import pytest

from conversations.assistant.base import Turn
from conversations.assistant.knowledge_base import follow_up_queries
from escalation import copy
from escalation.bot_rules import Asked, TurnReply, asked_by, turn_reply
from escalation.signals.dialogue import read_act

REPLIES = [
    # (message, what the bot's last message asked, expected reply)
    ("that didn't help", Asked.NOTHING, TurnReply(copy.NOT_HELPFUL_FOLLOW_UP, offer=True)),
    ("thanks", Asked.NOTHING, TurnReply(copy.YOU_ARE_WELCOME)),
    ("great, that worked", Asked.NOTHING, TurnReply(copy.HELPFUL_THANKS)),
    ("hi", Asked.NOTHING, TurnReply(copy.GREETING)),
    ("bye", Asked.NOTHING, TurnReply(copy.GOODBYE)),
    ("asdfgh", Asked.NOTHING, TurnReply(copy.REPHRASE)),
    ("yes", Asked.NOTHING, TurnReply(copy.ANYTHING_ELSE)),
    ("no", Asked.NOTHING, TurnReply(copy.NO_PROBLEM)),
    # typed answers to "Did this help?" count like its buttons
    ("yes", Asked.HELPFUL, TurnReply(copy.HELPFUL_THANKS, helpful=True)),
    ("thanks", Asked.HELPFUL, TurnReply(copy.HELPFUL_THANKS, helpful=True)),
    ("no", Asked.HELPFUL, TurnReply(copy.NOT_HELPFUL_FOLLOW_UP, offer=True, helpful=False)),
    # ...but "not helpful" in words already counts as text: not a click as well
    ("not helpful", Asked.HELPFUL, TurnReply(copy.NOT_HELPFUL_FOLLOW_UP, offer=True)),
    # typed answers to the offer of a person
    ("yes please", Asked.HUMAN, TurnReply("", escalate=True)),
    ("no", Asked.HUMAN, TurnReply(copy.NO_PROBLEM)),
]


@pytest.mark.parametrize(("message", "asked", "reply"), REPLIES)
def test_turn_reply(message: str, asked: Asked, reply: TurnReply) -> None:
    assert turn_reply(read_act(message), asked) == reply


def test_what_the_last_message_asked_comes_from_its_buttons() -> None:
    assert asked_by([copy.ACTION_HELPFUL_YES, copy.ACTION_HELPFUL_NO]) is Asked.HELPFUL
    assert asked_by([copy.ACTION_REQUEST_HUMAN]) is Asked.HUMAN
    assert asked_by([]) is Asked.NOTHING


HISTORY = [
    Turn(role="customer", text="How much does shipping cost?"),
    Turn(role="bot", text="Standard shipping is $5.95."),
    Turn(role="customer", text="thanks"),
    Turn(role="bot", text="You're welcome!"),
]


@pytest.mark.parametrize(
    ("question", "query"),
    [
        ("and to Canada?", "How much does shipping cost? and to Canada?"),
        ("what about express?", "How much does shipping cost? what about express?"),
        ("how long does that take?", "How much does shipping cost? how long does that take?"),
        ("how do I reset my password?", "how do I reset my password?"),
    ],
)
def test_a_follow_up_is_read_with_the_last_real_question(question: str, query: str) -> None:
    assert [reading for reading, _ in follow_up_queries(question, HISTORY, known=known)] == [query]


def test_a_follow_up_with_nothing_before_it_stands_alone() -> None:
    assert follow_up_queries("why?", [], known=known) == [("why?", "why?")]


def test_a_persons_note_after_the_question_is_a_second_reading_of_its_known_words() -> None:
    """The visitor's question stays a reading (the note may be small talk); the note's reading
    keeps the words the knowledge base knows, and only the follow-up is the visitor's."""
    history = [*HISTORY, Turn(role="agent", text="Thanks for waiting, Tom. Refund issued.")]
    assert follow_up_queries("when will I see it?", history, known=known) == [
        ("How much does shipping cost? when will I see it?",) * 2,
        ("Refund when will I see it?", "when will I see it?"),
    ]


def known(term: str) -> bool:
    """A stand-in for KnowledgeIndex.knows."""
    return term in {"refund", "ship", "cost"}
