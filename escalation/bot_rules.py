"""The bot's rules: what it does with the engine's decision, pure.

Which buttons follow which decision, the words each decision adds, that an AI failure counts
as "not helpful", what a quick-reply button means, and the short replies to turns that are no
question for the knowledge base (feedback, thanks, greetings, goodbyes, a bare yes or no,
messages with no content: escalation.signals.dialogue), answered before any retrieval so
"that didn't help" is never scored as a knowledge-base question. A bare yes or no means what
the bot's last message asked: typed after "Did this help?" it counts like the buttons, typed
after an offer of a person it accepts or declines it.

No Django, no I/O: escalation/turn.py reads the conversation, calls these, and stores and
sends what they return. Tested by case tables in tests/unit/test_bot_rules.py and
tests/unit/test_turns.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from escalation import copy
from escalation.engine import Decision, Snapshot
from escalation.policy import Action
from escalation.signals.dialogue import Act, DialogueAct

Button = dict[str, str]
FEEDBACK_BUTTONS = (copy.ACTION_HELPFUL_YES, copy.ACTION_HELPFUL_NO)


@dataclass(frozen=True)
class BotMessage:
    """One message the bot posts: its text and the quick-reply buttons under it."""

    body: str
    buttons: tuple[Button, ...] = ()

    def metadata(self) -> dict[str, Any]:
        return {"actions": list(self.buttons)} if self.buttons else {}


# --- the engine's decision, turned into what the bot does ----------------------------------


def with_ai_failures(snapshot: Snapshot, *, failures: int) -> Snapshot:
    """Each time the AI failed to answer (the fallback answered) counts like a "not helpful"
    click (Category 5: repeated failures)."""
    return replace(snapshot, not_helpful_clicks=snapshot.not_helpful_clicks + failures)


def with_not_helpful(snapshot: Snapshot) -> Snapshot:
    """The visitor said the last answer did not help: one more "not helpful" (Category 5)."""
    return replace(snapshot, not_helpful_clicks=snapshot.not_helpful_clicks + 1)


def after_fallback(decision: Decision, *, fell_back: bool) -> Decision:
    """The primary responder failed and the offline one answered: always offer a person."""
    if fell_back and decision.action in (Action.RESPOND, Action.RESPOND_CHECK):
        return replace(decision, action=Action.OFFER)
    return decision


def at_least_offer(decision: Decision) -> Decision:
    """The decision, offering a person if it did not already."""
    if decision.offers_human or decision.escalates:
        return decision
    return replace(decision, action=Action.OFFER)


def answer_messages(decision: Decision, text: str) -> tuple[BotMessage | None, BotMessage]:
    """The answer shaped by the confidence band (and the mood) the engine chose: a message
    to post before it (or None), and the answer itself with its buttons."""
    if decision.action is Action.ACKNOWLEDGE_OFFER:
        return BotMessage(copy.ACKNOWLEDGE_FRUSTRATION, (copy.ACTION_REQUEST_HUMAN,)), BotMessage(
            text
        )
    if decision.action is Action.RESPOND_CHECK:
        return None, BotMessage(f"{text}\n\n{copy.DID_THIS_HELP}", FEEDBACK_BUTTONS)
    if decision.action is Action.OFFER:
        return None, BotMessage(f"{text}\n\n{copy.OFFER_HUMAN}", (copy.ACTION_REQUEST_HUMAN,))
    return None, BotMessage(text)


def short_reply(decision: Decision, body: str, *, offered: bool = False) -> BotMessage:
    """A reply without the knowledge base, with what the decision adds. `offered`: the body
    already offers a person in words."""
    if decision.action is Action.ACKNOWLEDGE_OFFER:
        body = copy.ACKNOWLEDGE_FRUSTRATION
    elif decision.offers_human and not offered:
        body = f"{body}\n\n{copy.OFFER_HUMAN}"
    return BotMessage(body, (copy.ACTION_REQUEST_HUMAN,) if decision.offers_human else ())


# --- quick-reply buttons -------------------------------------------------------------------


def wants_human(action: str) -> bool:
    """The "Talk to a person" button: always escalates."""
    return action == copy.ACTION_REQUEST_HUMAN["id"]


def feedback_from_button(action: str, shown: list[Button]) -> bool | None:
    """ "Did this help?": True or False from a yes / no button the message showed; None for
    any other button, or one that message did not show."""
    offered = {button.get("id") for button in shown}
    feedback = {button["id"] for button in FEEDBACK_BUTTONS}
    if action not in offered or action not in feedback:
        return None
    return action == copy.ACTION_HELPFUL_YES["id"]


HELPFUL_THANKS = BotMessage(copy.HELPFUL_THANKS)
NOT_HELPFUL_FOLLOW_UP = BotMessage(copy.NOT_HELPFUL_FOLLOW_UP, (copy.ACTION_REQUEST_HUMAN,))


# --- turns that are no question ------------------------------------------------------------


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


def asked_by(actions: list[Button]) -> Asked:
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


# --- AI-only CSAT -----------------------------------------------------------------------------

BOT_CSAT_CUES = frozenset({Act.THANKS, Act.CLOSING})


def bot_csat_due(
    *, act: Act, status: str, bot_answered: bool, escalated: bool, offered: bool
) -> bool:
    """Ask for an AI-only rating (docs/dashboard.md) once per conversation: the visitor says
    thanks or goodbye, the bot has the chat and answered at least one question, and no person
    was ever involved (their chats get the post-escalation rating instead)."""
    return (
        act in BOT_CSAT_CUES and status == "bot" and bot_answered and not escalated and not offered
    )
