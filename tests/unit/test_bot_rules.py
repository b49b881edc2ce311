"""The bot's rules (escalation.bot_rules): one row per decision and what the visitor gets."""

from __future__ import annotations

import pytest

from escalation import bot_rules, copy
from escalation.bot_rules import BotMessage
from escalation.engine import Decision, Snapshot
from escalation.policy import Action, Priority
from escalation.signals.sentiment import Sentiment

YES, NO, HUMAN = copy.ACTION_HELPFUL_YES, copy.ACTION_HELPFUL_NO, copy.ACTION_REQUEST_HUMAN
ALL_ACTIONS = list(Action)


def decision(action: Action) -> Decision:
    return Decision(
        action=action,
        category="none",
        priority=Priority.NORMAL,
        target_queue="general",
        reasons=(),
        sentiment=Sentiment(score=0.0),
    )


ANSWERS = [
    # (the engine's action, the message posted before the answer, the answer)
    (Action.RESPOND, None, BotMessage("Answer.")),
    (
        Action.RESPOND_CHECK,
        None,
        BotMessage(f"Answer.\n\n{copy.DID_THIS_HELP}", (YES, NO)),
    ),
    (Action.OFFER, None, BotMessage(f"Answer.\n\n{copy.OFFER_HUMAN}", (HUMAN,))),
    (
        Action.ACKNOWLEDGE_OFFER,
        BotMessage(copy.ACKNOWLEDGE_FRUSTRATION, (HUMAN,)),
        BotMessage("Answer."),
    ),
]


@pytest.mark.parametrize(("action", "before", "answer"), ANSWERS)
def test_the_answer_follows_the_band(action: Action, before, answer: BotMessage) -> None:
    assert bot_rules.answer_messages(decision(action), "Answer.") == (before, answer)


SHORT_REPLIES = [
    # (the engine's action, the body already offers a person, the reply)
    (Action.RESPOND, False, BotMessage("Hi!")),
    (Action.RESPOND_CHECK, False, BotMessage("Hi!")),
    (Action.OFFER, False, BotMessage(f"Hi!\n\n{copy.OFFER_HUMAN}", (HUMAN,))),
    (Action.OFFER, True, BotMessage("Hi!", (HUMAN,))),
    (Action.ACKNOWLEDGE_OFFER, False, BotMessage(copy.ACKNOWLEDGE_FRUSTRATION, (HUMAN,))),
    (Action.ACKNOWLEDGE_OFFER, True, BotMessage(copy.ACKNOWLEDGE_FRUSTRATION, (HUMAN,))),
]


@pytest.mark.parametrize(("action", "offered", "reply"), SHORT_REPLIES)
def test_a_short_reply_adds_what_the_decision_offers(
    action: Action, offered: bool, reply: BotMessage
) -> None:
    assert bot_rules.short_reply(decision(action), "Hi!", offered=offered) == reply


FALLBACKS = [
    # (the engine's action after the answer, the fallback answered, the action taken)
    (Action.RESPOND, True, Action.OFFER),
    (Action.RESPOND_CHECK, True, Action.OFFER),
    (Action.OFFER, True, Action.OFFER),
    (Action.ACKNOWLEDGE_OFFER, True, Action.ACKNOWLEDGE_OFFER),
    (Action.ESCALATE, True, Action.ESCALATE),
    *[(action, False, action) for action in ALL_ACTIONS],
]


@pytest.mark.parametrize(("action", "fell_back", "taken"), FALLBACKS)
def test_an_ai_failure_always_offers_a_person(
    action: Action, fell_back: bool, taken: Action
) -> None:
    assert bot_rules.after_fallback(decision(action), fell_back=fell_back).action is taken


@pytest.mark.parametrize(
    ("action", "taken"),
    [
        (Action.RESPOND, Action.OFFER),
        (Action.RESPOND_CHECK, Action.OFFER),
        (Action.OFFER, Action.OFFER),
        (Action.ACKNOWLEDGE_OFFER, Action.ACKNOWLEDGE_OFFER),
        (Action.ESCALATE, Action.ESCALATE),
    ],
)
def test_at_least_offer(action: Action, taken: Action) -> None:
    assert bot_rules.at_least_offer(decision(action)).action is taken


def test_ai_failures_and_a_typed_no_count_as_not_helpful() -> None:
    snapshot = Snapshot(message="where is my order?", not_helpful_clicks=1)
    assert bot_rules.with_ai_failures(snapshot, failures=2).not_helpful_clicks == 3
    assert bot_rules.with_ai_failures(snapshot, failures=0) == snapshot
    assert bot_rules.with_not_helpful(snapshot).not_helpful_clicks == 2


BUTTONS = [
    # (the button clicked, the buttons the message showed, the feedback it records)
    ("helpful_yes", [YES, NO], True),
    ("helpful_no", [YES, NO], False),
    ("helpful_yes", [HUMAN], None),  # not shown under that message
    ("request_human", [HUMAN], None),  # not feedback
    ("something_else", [YES, NO], None),
    ("helpful_no", [], None),
]


@pytest.mark.parametrize(("action", "shown", "feedback"), BUTTONS)
def test_only_a_shown_feedback_button_counts(action: str, shown, feedback) -> None:
    assert bot_rules.feedback_from_button(action, shown) == feedback


def test_the_talk_to_a_person_button() -> None:
    assert bot_rules.wants_human("request_human")
    assert not bot_rules.wants_human("helpful_no")


def test_follow_ups_to_a_button() -> None:
    assert bot_rules.HELPFUL_THANKS.metadata() == {}
    assert bot_rules.NOT_HELPFUL_FOLLOW_UP.metadata() == {"actions": [HUMAN]}
