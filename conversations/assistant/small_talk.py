"""Greetings, thanks and goodbyes: no knowledge base needed, and no reason to escalate.

The bot's turn answers these before any responder is asked (escalation.bot_rules); this
keeps each responder right on its own too (the evaluation and tests call them directly).
"""

from __future__ import annotations

from conversations.assistant.base import Answer, DeltaCallback
from escalation import copy
from escalation.signals.dialogue import Act, read_act

# Longer messages are never small talk, whatever they start with.
MAX_SMALL_TALK_CHARS = 60
REPLIES = {
    Act.GREETING: copy.GREETING,
    Act.THANKS: copy.YOU_ARE_WELCOME,
    Act.CLOSING: copy.GOODBYE,
}


def small_talk_reply(message: str) -> str | None:
    """A canned reply when the whole message is a greeting, thanks or goodbye; else None."""
    text = message.strip()
    if len(text) > MAX_SMALL_TALK_CHARS:
        return None
    return REPLIES.get(read_act(text).act)


async def small_talk_answer(
    question: str, *, responder: str, on_delta: DeltaCallback | None
) -> Answer | None:
    """The canned Answer (confidence 1: nothing to doubt, nothing to escalate), or None."""
    canned = small_talk_reply(question)
    if canned is None:
        return None
    if on_delta is not None:
        await on_delta(canned)
    return Answer(text=canned, confidence=1.0, responder=responder, signals={"small_talk": 1.0})
