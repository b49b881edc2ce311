"""What the bot says to a turn that is no question for the knowledge base.

Feedback, thanks, greetings, goodbyes, a bare yes or no and messages with no content
(escalation.signals.dialogue) are answered here, before any retrieval, so "that didn't help"
is never scored as a knowledge-base question. A bare yes or no means what the bot's last
message asked: typed after "Did this help?" it counts like the buttons, typed after an offer
of a person it accepts or declines it. Pure: escalation/turn.py stores and sends what this
plans.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from escalation import copy
from escalation.signals.dialogue import Act, DialogueAct


class Asked(StrEnum):
    """What the bot's last message asked the visitor, read from its buttons."""

    NOTHING = "nothing"
    HELPFUL = "helpful"  # "Did this help?" with yes / no buttons
    HUMAN = "human"  # "Talk to a person" offered


@dataclass(frozen=True)
class TurnReply:
    body: str
    offer: bool = False  # show the "Talk to a person" button
    helpful: bool | None = None  # record "Did this help?" as if its button was clicked
    escalate: bool = False  # the visitor accepted the offer of a person


_REPLIES = {
    Act.NEGATIVE_FEEDBACK: TurnReply(copy.NOT_HELPFUL_FOLLOW_UP, offer=True),
    Act.THANKS: TurnReply(copy.YOU_ARE_WELCOME),
    Act.POSITIVE_FEEDBACK: TurnReply(copy.HELPFUL_THANKS),
    Act.GREETING: TurnReply(copy.GREETING),
    Act.CLOSING: TurnReply(copy.GOODBYE),
    Act.NO_CONTENT: TurnReply(copy.REPHRASE),
    Act.AFFIRM: TurnReply(copy.ANYTHING_ELSE),
    Act.DENY: TurnReply(copy.NO_PROBLEM),
}


def asked_by(actions: list[dict]) -> Asked:
    """What a bot message asked, from the buttons it showed."""
    shown = {button.get("id") for button in actions}
    if copy.ACTION_HELPFUL_NO["id"] in shown:
        return Asked.HELPFUL
    if copy.ACTION_REQUEST_HUMAN["id"] in shown:
        return Asked.HUMAN
    return Asked.NOTHING


def turn_reply(act: DialogueAct, asked: Asked) -> TurnReply:
    """The reply to a turn that is not a question (`act.wants_knowledge` is False)."""
    if asked is Asked.HELPFUL and act.act in (Act.AFFIRM, Act.POSITIVE_FEEDBACK, Act.THANKS):
        return TurnReply(copy.HELPFUL_THANKS, helpful=True)
    if asked is Asked.HELPFUL and act.act is Act.DENY:
        # Typed "no" counts like the button. "Not helpful" in words counts already, as text.
        return TurnReply(copy.NOT_HELPFUL_FOLLOW_UP, offer=True, helpful=False)
    if asked is Asked.HUMAN and act.act is Act.AFFIRM:
        return TurnReply("", escalate=True)
    return _REPLIES[act.act]
