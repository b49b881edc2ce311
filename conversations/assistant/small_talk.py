"""Greetings, thanks and goodbyes: no knowledge base needed, and no reason to escalate."""

from __future__ import annotations

import re

from conversations.assistant.base import Answer, DeltaCallback

_GREETING = re.compile(
    r"^(?:hi+|hello+|hey+|hiya|howdy|good (?:morning|afternoon|evening)|greetings|yo)"
    r"(?: there| all| team| chatsy| bot)?[\s!.,:)]*$",
    re.I,
)
_THANKS = re.compile(
    r"^(?:(?:ok(?:ay)?|great|perfect|cool|awesome|brilliant|nice)[\s,!.]*)?"
    r"(?:thanks?(?: you)?|thank you(?: so much| very much)?|thx|ty|cheers|much appreciated)"
    r"(?: (?:so much|a lot|very much))?[\s!.,:)]*$",
    re.I,
)
_GOODBYE = re.compile(r"^(?:bye+|goodbye|see you|see ya|that'?s all|that is all)[\s!.,:)]*$", re.I)

REPLIES = (
    (
        _GREETING,
        "Hi! I'm here to help with orders, delivery, returns, payments and your account. "
        "What can I do for you?",
    ),
    (_THANKS, "You're welcome! Is there anything else I can help you with?"),
    (_GOODBYE, "Thanks for chatting with us. Have a lovely day!"),
)


def small_talk_reply(message: str) -> str | None:
    """A canned reply when the whole message is a greeting, thanks or goodbye; else None."""
    text = message.strip()
    if len(text) > 60:
        return None
    return next((reply for pattern, reply in REPLIES if pattern.match(text)), None)


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
