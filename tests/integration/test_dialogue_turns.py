"""Turns that are no knowledge-base question, through the real visitor socket and Redis:
feedback, thanks, greetings, follow-ups, no content and questions about other things."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from conversations.models import Conversation, Message
from escalation import copy
from escalation.models import Escalation

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

OFFER = {"id": "request_human", "label": "Talk to a person"}


@database_sync_to_async
def stored(seq: int) -> Message:
    return Message.objects.get(seq=seq)


@database_sync_to_async
def escalations() -> list[Escalation]:
    return list(Escalation.objects.select_related("conversation"))


@database_sync_to_async
def conversation_status() -> str:
    return Conversation.objects.get().status


async def ask(visitor, text: str) -> tuple[dict, dict]:
    """Say something; returns the ack and the bot's reply."""
    ack = await visitor.say(text)
    return ack, await visitor.receive_message_from("bot")


async def expect_handoff(visitor) -> None:
    await visitor.receive_message_from("system")
    status = await visitor.receive_type("status")
    assert status["conversation"]["status"] == "queued"


async def test_that_didnt_help_twice_escalates_as_a_repeated_failure(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await ask(visitor, "How long does shipping take?")

    ack, reply = await ask(visitor, "that didn't help")
    assert reply["body"] == copy.NOT_HELPFUL_FOLLOW_UP
    assert reply["meta"]["actions"] == [OFFER]
    feedback = await stored(ack["seq"])
    assert feedback.metadata["dialogue_act"] == "negative_feedback"
    assert feedback.metadata["decision"]["action"] == "offer"
    assert feedback.decision_action == "offer"  # the dashboard's offers count this column
    assert feedback.metadata["signals"]["not_helpful_count"] == 1
    assert "confidence" not in reply["meta"]  # never scored as a knowledge-base question

    await visitor.say("still not helpful")
    await expect_handoff(visitor)
    (escalation,) = await escalations()
    assert escalation.category == "repeated_failure"
    assert escalation.reasons[0]["rule"] == "not_helpful_count"
    assert all(reason["signal"] != "confidence" for reason in escalation.reasons)


async def test_gibberish_gets_a_rephrase_prompt_and_escalates_the_second_time(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    ack, reply = await ask(visitor, "asdfgh")
    assert reply["body"] == copy.REPHRASE
    assert "actions" not in reply["meta"]
    assert (await stored(ack["seq"])).metadata["dialogue_act"] == "no_content"
    assert await escalations() == []

    await visitor.say("qwpoeiru zxmcnv")
    await expect_handoff(visitor)
    (escalation,) = await escalations()
    assert escalation.category == "repeated_failure"
    assert escalation.reasons[0]["rule"] == "no_content_in_a_row"


async def test_a_question_about_something_else_gets_the_scope_answer_and_stays_with_the_bot(
    new_visitor,
):
    visitor = await new_visitor()
    await visitor.connect()
    ack, reply = await ask(visitor, "recipe for sourdough bread?")
    assert reply["body"].startswith("I can help with orders, shipping, returns, payments")
    assert reply["meta"]["actions"] == [OFFER]
    assert (await stored(ack["seq"])).metadata["dialogue_act"] == "off_topic"
    assert await conversation_status() == "bot"
    assert await escalations() == []

    # The visitor can still take the offer.
    await visitor.send({"type": "action", "action": "request_human", "seq": reply["seq"]})
    await expect_handoff(visitor)
    (escalation,) = await escalations()
    assert escalation.category == "human_request"


async def test_three_rewordings_of_one_question_escalate(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await ask(visitor, "How do I reset my password?")
    await ask(visitor, "I forgot my password")
    await visitor.say("can't log in, I need a new password")
    await expect_handoff(visitor)
    (escalation,) = await escalations()
    assert escalation.category == "repeated_failure"
    assert escalation.reasons[0]["rule"] == "same_question_count"


async def test_thanks_greetings_and_goodbyes_get_short_replies(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    _, reply = await ask(visitor, "hello there")
    assert reply["body"] == copy.GREETING
    await ask(visitor, "How long does shipping take?")
    ack, reply = await ask(visitor, "thanks!")
    assert reply["body"].startswith("You're welcome")
    assert (await stored(ack["seq"])).metadata["decision"]["action"] == "respond"
    _, reply = await ask(visitor, "bye")
    assert reply["body"] == copy.GOODBYE
    assert await escalations() == []


async def test_a_follow_up_is_answered_with_the_previous_question(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await ask(visitor, "How long does shipping take?")
    ack, reply = await ask(visitor, "what about express?")
    assert "Express shipping takes 1–2 business days" in reply["body"]
    assert (await stored(reply["seq"])).metadata["signals"]["used_history"] == 1.0
    assert (await stored(ack["seq"])).metadata["dialogue_act"] == "follow_up"


async def test_typed_no_after_did_this_help_counts_like_the_button(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    _, answer = await ask(visitor, "What does express shipping cost?")
    assert answer["body"].endswith(copy.DID_THIS_HELP)
    _, reply = await ask(visitor, "no")
    assert reply["body"] == copy.NOT_HELPFUL_FOLLOW_UP
    assert (await stored(answer["seq"])).metadata["feedback"] == "not_helpful"


async def test_typed_yes_to_the_offer_of_a_person_escalates(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await ask(visitor, "recipe for sourdough bread?")
    await visitor.say("yes please")
    await expect_handoff(visitor)
    (escalation,) = await escalations()
    assert escalation.category == "human_request"
