"""AI-only CSAT through the real visitor socket and Redis: the bot asks once, after "thanks"
or "bye" following its answer; the rating is stored once; an escalated chat is never asked."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.conf import settings

from conversations.models import Conversation
from escalation import copy
from tests.factories import QueueFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

QUESTION = copy.BOT_CSAT_QUESTION.format(bot=settings.CHATSY_BOT_NAME)


@database_sync_to_async
def chat() -> Conversation:
    return Conversation.objects.get()


async def ask(visitor, text: str) -> dict:
    await visitor.say(text)
    return await visitor.receive_message_from("bot")


async def no_rating_prompt(visitor) -> None:
    """Every frame up to the answer to a ping: none of them asks for a rating."""
    await visitor.send({"type": "ping"})
    while (frame := await visitor.receive())["type"] != "pong":
        assert frame["type"] != "csat_request", frame


async def test_thanks_after_an_answer_asks_once_and_the_rating_is_stored_once(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await ask(visitor, "How long does shipping take?")
    await visitor.send({"type": "csat", "score": 5})  # not asked yet: nothing to rate
    assert (await visitor.receive_type("error"))["code"] == "csat_not_available"

    assert (await ask(visitor, "thanks!"))["body"]
    assert (await visitor.receive_type("csat_request"))["text"] == QUESTION
    assert (await chat()).bot_csat_offered_at is not None
    await ask(visitor, "bye")  # asked once per conversation
    await no_rating_prompt(visitor)

    reloaded = type(visitor)(visitor.token, visitor.site_key)
    assert (await reloaded.connect())["type"] == "ready"
    assert (await reloaded.receive_type("csat_request"))["text"] == copy.CSAT_GENERIC

    await visitor.send({"type": "csat", "score": 0})
    assert (await visitor.receive_type("error"))["code"] == "invalid_frame"
    await visitor.send({"type": "csat", "score": 5, "comment": " Quick answer "})
    thanks = await visitor.receive_type("csat_thanks")
    assert (thanks["text"], thanks["duplicate"]) == (copy.CSAT_THANKS, False)
    await visitor.send({"type": "csat", "score": 1, "comment": "changed my mind"})
    assert (await visitor.receive_type("csat_thanks"))["duplicate"] is True
    stored = await chat()
    assert (stored.bot_csat_score, stored.bot_csat_comment) == (5, "Quick answer")
    assert stored.bot_csat_at is not None

    rated = type(visitor)(visitor.token, visitor.site_key)
    await rated.connect()
    await no_rating_prompt(rated)  # rated: no prompt on reload
    for socket in (visitor, reloaded, rated):
        await socket.close()


async def test_thanks_before_any_answer_asks_nothing(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await ask(visitor, "hi")  # small talk is no answer
    await ask(visitor, "thank you")
    await no_rating_prompt(visitor)
    assert (await chat()).bot_csat_offered_at is None
    await visitor.close()


async def test_an_escalated_conversation_never_gets_the_ai_only_prompt(new_visitor):
    await database_sync_to_async(QueueFactory)(slug="general")
    visitor = await new_visitor()
    await visitor.connect()
    await ask(visitor, "How long does shipping take?")
    await visitor.say("I want to talk to a human")
    assert (await visitor.receive_type("status"))["conversation"]["status"] == "queued"
    await visitor.say("thanks")  # waiting: the bot is silent, and asks no rating
    await no_rating_prompt(visitor)

    await visitor.send({"type": "cancel_wait"})  # back with the bot, after an escalation
    assert (await visitor.receive_type("status"))["conversation"]["status"] == "bot"
    await ask(visitor, "thanks, bye")
    await no_rating_prompt(visitor)
    await visitor.send({"type": "csat", "score": 4})
    assert (await visitor.receive_type("error"))["code"] == "csat_not_available"
    stored = await chat()
    assert (stored.bot_csat_offered_at, stored.bot_csat_score) == (None, None)
    await visitor.close()
