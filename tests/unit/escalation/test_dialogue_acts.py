"""Dialogue acts: feedback, thanks, greetings, follow-ups and empty messages, before retrieval."""

import pytest

from escalation.signals.dialogue import (
    Act,
    looks_like_noise,
    mentions_store,
    no_content_streak,
    read_act,
    says_not_helpful,
)

ACTS = [
    # negative feedback on the last answer
    ("that didn't help", Act.NEGATIVE_FEEDBACK),
    ("Not helpful.", Act.NEGATIVE_FEEDBACK),
    ("not very helpful at all", Act.NEGATIVE_FEEDBACK),
    ("that's not what I asked", Act.NEGATIVE_FEEDBACK),
    ("useless answer", Act.NEGATIVE_FEEDBACK),
    ("you didn't answer my question", Act.NEGATIVE_FEEDBACK),
    ("this makes no sense", Act.NEGATIVE_FEEDBACK),
    ("thanks for nothing", Act.NEGATIVE_FEEDBACK),
    ("ugh, that didn't help either", Act.NEGATIVE_FEEDBACK),
    ("still not working", Act.NEGATIVE_FEEDBACK),
    ("wrong", Act.NEGATIVE_FEEDBACK),
    ("you keep saying the same thing", Act.NEGATIVE_FEEDBACK),
    ("👎", Act.NEGATIVE_FEEDBACK),
    # thanks and positive feedback
    ("thanks", Act.THANKS),
    ("Thank you so much!", Act.THANKS),
    ("ok thanks", Act.THANKS),
    ("thanks for the help :)", Act.THANKS),
    ("much appreciated", Act.THANKS),
    ("great, that worked", Act.POSITIVE_FEEDBACK),
    ("ok", Act.POSITIVE_FEEDBACK),
    ("perfect", Act.POSITIVE_FEEDBACK),
    ("got it, makes sense", Act.POSITIVE_FEEDBACK),
    ("ok I see", Act.POSITIVE_FEEDBACK),
    ("I understand", Act.POSITIVE_FEEDBACK),
    ("that helped a lot", Act.POSITIVE_FEEDBACK),
    ("👍", Act.POSITIVE_FEEDBACK),
    # greetings and closings
    ("hi", Act.GREETING),
    ("hello there", Act.GREETING),
    ("Heyyy", Act.GREETING),
    ("Good morning :)", Act.GREETING),
    ("anyone there?", Act.GREETING),
    ("bye", Act.CLOSING),
    ("thank you, that's all", Act.CLOSING),
    ("no thanks, I'm all set", Act.CLOSING),
    ("have a nice day", Act.CLOSING),
    # bare yes / no: what they mean depends on what the bot asked
    ("yes please", Act.AFFIRM),
    ("yep", Act.AFFIRM),
    ("no", Act.DENY),
    ("nope", Act.DENY),
    # follow-ups to the last answer
    ("what about express?", Act.FOLLOW_UP),
    ("and for international?", Act.FOLLOW_UP),
    # "i see" after an auxiliary asks, it does not acknowledge
    ("when will I see it?", Act.FOLLOW_UP),
    ("do i see it in my account?", Act.FOLLOW_UP),
    ("how long does that take?", Act.FOLLOW_UP),
    ("why?", Act.FOLLOW_UP),
    ("is it free?", Act.FOLLOW_UP),
    ("can I return it?", Act.FOLLOW_UP),
    ("and to Canada?", Act.FOLLOW_UP),
    # no content
    ("asdfgh", Act.NO_CONTENT),
    ("???", Act.NO_CONTENT),
    ("....", Act.NO_CONTENT),
    ("", Act.NO_CONTENT),
    ("jkljkljkl", Act.NO_CONTENT),
    ("qwpoeiru zxmcnv", Act.NO_CONTENT),
    ("aaaaaaa", Act.NO_CONTENT),
    ("hmm", Act.NO_CONTENT),
    ("🍕", Act.NO_CONTENT),
    # questions, including the hard negatives: a cue with something else to say
    ("this isn't working, I want a refund", Act.QUESTION),
    ("ok so where is my order", Act.QUESTION),
    ("hi, where is my order?", Act.QUESTION),
    ("thanks but my refund never arrived", Act.QUESTION),
    ("how do I say goodbye to my account", Act.QUESTION),
    ("my card doesn't work at the ATM", Act.QUESTION),
    ("your website is useless", Act.QUESTION),
    ("recipe for sourdough bread?", Act.QUESTION),
    ("how do i write c++", Act.QUESTION),
    ("Where is my order?", Act.QUESTION),
    ("12345", Act.QUESTION),
    ("no, I ordered the blue one", Act.QUESTION),
    ("great, now my parcel is lost", Act.QUESTION),
    ("is the good quality version in stock?", Act.QUESTION),
    ("¿dónde está mi pedido?", Act.QUESTION),
]


@pytest.mark.parametrize(("message", "act"), ACTS)
def test_dialogue_act(message: str, act: Act) -> None:
    assert read_act(message).act is act, read_act(message)


@pytest.mark.parametrize(
    "message",
    [
        "that's not what I asked, I asked about returns",
        "not helpful. how do I return these shoes then?",
        "you didn't answer my question, where is my refund",
    ],
)
def test_feedback_inside_a_question_counts_as_not_helpful_and_is_still_answered(
    message: str,
) -> None:
    act = read_act(message)
    assert act.not_helpful
    assert act.wants_knowledge


@pytest.mark.parametrize(
    "message",
    [
        "this isn't working, I want a refund",
        "my card doesn't work at the ATM",
        "thanks",
        "the checkout is not working",
        "great, that worked",
        "no",
    ],
)
def test_not_feedback_on_the_answer(message: str) -> None:
    assert not says_not_helpful(message)


def test_a_long_message_is_a_question_but_its_feedback_still_counts() -> None:
    message = "you didn't answer my question. " + "I ordered a lamp and a table. " * 20
    act = read_act(message)
    assert act.act is Act.QUESTION and act.not_helpful


@pytest.mark.parametrize(
    ("word", "noise"),
    [
        ("asdfgh", True),
        ("zxmcnv", True),
        ("qwpoeiru", True),
        ("hjkl", True),
        ("asdasdasd", True),
        ("sourdough", False),
        ("strengths", False),
        ("liberty", False),
        ("rhythm", False),
        ("klarna", False),
        ("nw10023", False),
        ("café", False),
    ],
)
def test_noise_is_judged_by_its_shape(word: str, noise: bool) -> None:
    assert looks_like_noise(word) is noise


def test_no_content_streak_counts_the_latest_messages_in_a_row() -> None:
    assert no_content_streak(["asdfgh", "where is my order", "???", "zxcvb"]) == 2
    assert no_content_streak(["asdfgh", "where is my order"]) == 0
    assert no_content_streak([]) == 0


@pytest.mark.parametrize(
    ("message", "about_the_store"),
    [
        ("where the hell is my damn order", True),
        ("do you have a store in Boston?", True),
        ("is the sofa available in green?", True),
        ("can I pay with klarna", True),
        ("recipe for sourdough bread?", False),
        ("how do i write c++", False),
        ("what's the capital of France", False),
        ("how do I send an email in gmail", False),
    ],
)
def test_mentions_store(message: str, about_the_store: bool) -> None:
    assert mentions_store(message) is about_the_store
