"""When the bot asks for its own rating (AI-only CSAT): escalation.bot_rules.bot_csat_due."""

from __future__ import annotations

import pytest

from escalation.bot_rules import bot_csat_due
from escalation.signals.dialogue import Act, read_act

DUE = {"status": "bot", "bot_answered": True, "escalated": False, "offered": False}


@pytest.mark.parametrize(
    ("act", "changes", "due"),
    [
        (Act.THANKS, {}, True),
        (Act.CLOSING, {}, True),
        (Act.POSITIVE_FEEDBACK, {}, False),  # "that helped": the visitor may go on
        (Act.GREETING, {}, False),
        (Act.THANKS, {"bot_answered": False}, False),  # "hi" … "thanks": nothing answered
        (Act.THANKS, {"escalated": True}, False),  # a person was involved: their rating
        (Act.THANKS, {"offered": True}, False),  # once per conversation
        (Act.THANKS, {"status": "queued"}, False),
        (Act.CLOSING, {"status": "assigned"}, False),
    ],
)
def test_the_bot_asks_once_after_thanks_or_goodbye(act, changes, due):
    assert bot_csat_due(act=act, **(DUE | changes)) is due


@pytest.mark.parametrize("text", ["thanks!", "thank you so much", "bye", "that's all, thanks"])
def test_visitors_words_that_end_a_chat_are_cues(text):
    assert bot_csat_due(act=read_act(text).act, **DUE)
