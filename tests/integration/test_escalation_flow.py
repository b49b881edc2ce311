"""The escalation engine wired into the visitor's conversation, over the real websocket."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from conversations.models import Conversation, Customer, Message
from escalation.models import Escalation, Plan
from tests.support.presence import agent_available

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@database_sync_to_async
def only_escalation() -> Escalation:
    return Escalation.objects.select_related("conversation").get()


@database_sync_to_async
def visitor_message(seq: int = 1) -> Message:
    return Message.objects.get(sender=Message.Sender.CUSTOMER, seq=seq)


async def expect_handoff(visitor) -> dict:
    """The visitor hears the warm handoff and the status change; returns the handoff message."""
    handoff = await visitor.receive_message_from("system")
    status = await visitor.receive_type("status")
    assert status["conversation"]["status"] == "queued"
    assert "full context" in handoff["body"] and "add to the notes" in handoff["body"]
    return handoff


async def test_asking_for_a_human_escalates_at_once_without_a_bot_answer(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("Can I speak to your manager please?")
    await expect_handoff(visitor)
    escalation = await only_escalation()
    assert (escalation.category, escalation.conversation.status) == ("human_request", "queued")
    assert "asked for a human" in escalation.explanation
    assert escalation.reasons[0]["signal"] == "explicit_request"
    stored = await visitor_message()
    assert stored.metadata["decision"]["action"] == "escalate"
    assert "explicit_request" in stored.metadata["signals"]
    senders = await database_sync_to_async(
        lambda: list(Message.objects.values_list("sender", flat=True))
    )()
    assert "bot" not in senders

    # Queued: the bot does not answer the next message; it is acknowledged, once, as added
    # to the notes for the team, with the visitor's place in line.
    await visitor.say("Hello? Anyone there?")
    await visitor.receive_message_from("customer")
    ack = await visitor.receive_message_from("system")
    assert ack["body"].startswith("Thanks — I've added that to the notes for our support team.")
    assert "in line" in ack["body"]
    assert await visitor.socket.receive_nothing(timeout=1)
    senders = await database_sync_to_async(
        lambda: list(Message.objects.order_by("seq").values_list("sender", flat=True))
    )()
    assert senders[-2:] == ["customer", "system"] and "bot" not in senders


async def test_a_150_dollar_billing_dispute_is_escalated_to_billing_with_the_amount(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("I was charged $150 twice for order #48213 and I want to dispute it")
    await expect_handoff(visitor)
    escalation = await only_escalation()
    assert (escalation.category, escalation.target_queue) == ("billing_dispute", "billing")
    assert escalation.entities["amounts"][0]["amount"] == 150
    assert "$150" in escalation.summary


async def test_a_hacked_account_is_an_urgent_escalation(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("I think my account was hacked, there are orders I never made")
    await expect_handoff(visitor)
    escalation = await only_escalation()
    assert (escalation.category, escalation.priority) == ("security", "urgent")


async def test_a_question_the_kb_cannot_answer_is_escalated_instead_of_guessed(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    # About the store (so no "I can help with..." scope answer), but no article covers it.
    await visitor.say("Do you have a store in Boston?")
    await expect_handoff(visitor)
    escalation = await only_escalation()
    assert escalation.category == "low_confidence"
    assert (await visitor_message()).metadata["decision"]["reasons"][0]["signal"] == "confidence"


async def test_three_paraphrases_of_one_question_escalate(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    for question in (
        "How do I reset my password?",
        "How can I reset the password on my account?",
        "I need to reset my password, how?",
    ):
        await visitor.say(question)
        if question.startswith("I need"):
            break
        await visitor.receive_message_from("bot")
    await expect_handoff(visitor)
    assert (await only_escalation()).category == "repeated_failure"


async def test_a_button_the_message_did_not_offer_is_ignored(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")
    answer = await visitor.receive_message_from("bot")
    assert "actions" not in answer["meta"]  # Confident: no "Did this help?".
    await visitor.send({"type": "action", "action": "helpful_no", "seq": answer["seq"]})
    assert await visitor.socket.receive_nothing(timeout=1)
    stored = await database_sync_to_async(Message.objects.get)(seq=answer["seq"])
    assert "feedback" not in stored.metadata


async def test_not_helpful_twice_escalates(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    for attempt in range(2):
        # Both answers are in the 60–80 % band, so they come with "Did this help?" (not
        # "to Canada?": a name the article never mentions caps the confidence at 0.5).
        await visitor.say(
            "What does express shipping cost?" if attempt == 0 else "Shipping time abroad?"
        )
        answer = await visitor.receive_message_from("bot")
        assert answer["body"].endswith("Did this help?")
        assert [a["id"] for a in answer["meta"]["actions"]] == ["helpful_yes", "helpful_no"]
        await visitor.send({"type": "action", "action": "helpful_no", "seq": answer["seq"]})
        if attempt == 0:
            follow_up = await visitor.receive_message_from("bot")
            assert follow_up["meta"]["actions"] == [
                {"id": "request_human", "label": "Talk to a person"}
            ]
    await expect_handoff(visitor)
    assert (await only_escalation()).category == "repeated_failure"


async def test_the_talk_to_a_person_button_escalates(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("How long does shipping take?")
    answer = await visitor.receive_message_from("bot")
    await visitor.send({"type": "action", "action": "request_human", "seq": answer["seq"]})
    await expect_handoff(visitor)
    escalation = await only_escalation()
    assert (escalation.category, escalation.ai_attempts) == ("human_request", 1)
    assert escalation.ai_answers[0]["text"] == answer["body"]


async def test_ten_unresolved_turns_offer_a_person(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    topics = [
        "shipping",
        "password",
        "tracking link",
        "express delivery",
        "warehouse",
        "reset link",
        "emailed link",  # a third way to ask about the password would be a repeat
        "delivery days",
        "business days",
        "sign-in page",
    ]
    answer = None
    for topic in topics:
        await visitor.say(f"Tell me about {topic}")
        answer = await visitor.receive_message_from("bot")
    assert {"id": "request_human", "label": "Talk to a person"} in answer["meta"]["actions"]
    assert not await database_sync_to_async(Escalation.objects.exists)()


async def test_a_vip_customer_with_a_complex_issue_skips_the_bot(new_visitor):
    visitor = await new_visitor()

    @database_sync_to_async
    def make_vip():
        Customer.objects.update(plan=Plan.objects.get(name="Enterprise"))

    await make_vip()
    await visitor.connect()
    await visitor.say("I want to dispute a $300 charge on our last invoice")
    await expect_handoff(visitor)
    escalation = await only_escalation()
    # A non-VIP customer's dispute goes to billing at normal priority (test above); a VIP's
    # keeps its category and goes to the plan's queue at urgent priority.
    assert (escalation.category, escalation.priority, escalation.target_queue) == (
        "billing_dispute",
        "urgent",
        "vip",
    )
    assert escalation.reasons[0]["rule"] == "skip_ai_categories"
    conversation = await database_sync_to_async(Conversation.objects.get)()
    assert conversation.status == "queued"


async def test_the_visitor_hears_their_place_in_line_and_who_joined(new_visitor):
    @database_sync_to_async
    def online_agent():
        from agents.models import AgentProfile, Queue, QueueMembership
        from tests.factories import StaffFactory

        queue, _ = Queue.objects.get_or_create(slug="general", defaults={"name": "General"})
        agent = AgentProfile.objects.create(
            user=StaffFactory(first_name="Sarah"), max_concurrent_chats=0
        )
        QueueMembership.objects.create(agent=agent, queue=queue)
        agent_available(agent)
        return agent

    agent = await online_agent()
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("I want to talk to a human")
    await expect_handoff(visitor)
    place = await visitor.receive_type("queue")
    assert place["position"] == 1
    assert place["text"].startswith("You're next in line, about ")

    @database_sync_to_async
    def claim():
        from agents.services import conversation_claim

        agent.max_concurrent_chats = 3
        agent.save()
        conversation_claim(agent=agent, public_id=str(Conversation.objects.get().public_id))

    await claim()
    joined = await visitor.receive_message_from("system")
    assert joined["body"] == "Sarah joined the chat."
    assert (await visitor.receive_type("status"))["conversation"]["status"] == "assigned"


async def test_mild_frustration_is_acknowledged_with_an_offer_and_still_answered(new_visitor):
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("This is frustrating, how long does shipping take?")
    acknowledgement = await visitor.receive_message_from("bot")
    assert acknowledgement["body"].startswith("I can hear that this is frustrating")
    assert acknowledgement["meta"]["actions"] == [
        {"id": "request_human", "label": "Talk to a person"}
    ]
    answer = await visitor.receive_message_from("bot")
    assert "business days" in answer["body"]
    stored = await visitor_message()
    assert stored.metadata["decision"]["action"] == "acknowledge_offer"
    assert stored.decision_action == "acknowledge_offer"  # the dashboard's offers count it
    assert stored.metadata["decision"]["sentiment"]["score"] < -0.2
    assert not await database_sync_to_async(Escalation.objects.exists)()
