"""Small talk is answered by the bot, never mistaken for a question the KB must cover."""

import pytest

from conversations.assistant.small_talk import small_talk_reply


@pytest.mark.parametrize(
    "message",
    [
        "hi",
        "Hello!",
        "hey there",
        "Good morning :)",
        "thanks",
        "Thank you so much!",
        "ok thanks",
        "cheers",
        "bye",
        "That's all",
    ],
)
def test_small_talk_gets_a_canned_reply(message):
    assert small_talk_reply(message)


@pytest.mark.parametrize(
    "message",
    [
        "hi, where is my order?",
        "thanks but my refund never arrived",
        "hello I was charged twice",
        "how do I say goodbye to my account",
        "hey " + "x" * 80,
    ],
)
def test_questions_are_not_small_talk(message):
    assert small_talk_reply(message) is None
