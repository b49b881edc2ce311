"""After the handoff: who may write, transfer, hand back, resolve, reopen, CSAT, handoff text."""

from __future__ import annotations

import uuid

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError

from agents import services
from agents.models import ChatParticipant, Note, Queue
from agents.waiting_queue import waiting_line
from conversations import services as conversation_services
from conversations.lifecycle import InvalidTransition
from conversations.models import Conversation
from escalation import turn
from escalation.models import Escalation, HandoffMessage
from tests.factories import AgentFactory, QueueFactory, escalated_conversation
from tests.support.presence import agent_available


@pytest.fixture
def queues(db):
    for slug in ("general", "billing"):
        QueueFactory(slug=slug)
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    return {q.slug: q for q in Queue.objects.all()}


@pytest.fixture
def sarah(queues):
    return AgentFactory(user__first_name="Sarah", queues=[queues["general"]])


def taken(agent, text: str = "I want to talk to a human") -> Conversation:
    conversation = escalated_conversation(text)
    return services.conversation_claim(agent=agent, public_id=str(conversation.public_id))


def system_events(conversation: Conversation) -> list[str]:
    return list(
        conversation.messages.filter(sender="system")
        .order_by("seq")
        .values_list("metadata__event", flat=True)
    )


# --- who may write ------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_the_assigned_agent_or_a_supervisor_who_joined_may_write(sarah, queues):
    chat = taken(sarah)
    message = services.message_post_agent(conversation=chat, agent=sarah, body="Hi!")
    assert (message.sender, message.sender_name) == ("agent", "Sarah")

    tom = AgentFactory(user__first_name="Tom", queues=[queues["general"]])
    boss = AgentFactory(user__first_name="Alex", is_supervisor=True)
    for outsider in (tom, boss):
        with pytest.raises(InvalidTransition):
            services.message_post_agent(conversation=chat, agent=outsider, body="x")
    services.conversation_observe(conversation=chat, agent=boss)
    with pytest.raises(InvalidTransition):  # observing is read-only
        services.message_post_agent(conversation=chat, agent=boss, body="x")
    services.conversation_join(conversation=chat, agent=boss)
    services.message_post_agent(conversation=chat, agent=boss, body="Alex here.")
    assert system_events(chat)[-1] == "supervisor_joined"
    with pytest.raises(services.NotAllowed):
        services.conversation_observe(conversation=chat, agent=tom)

    services.conversation_resolve(
        conversation=chat, agent=sarah, outcome="resolved", appropriate=True, handoff_quality=5
    )
    assert not ChatParticipant.objects.filter(role="joined").exists()
    with pytest.raises(InvalidTransition):
        services.message_post_agent(conversation=chat, agent=sarah, body="late")
    assert chat.messages.filter(sender="agent").count() == 2


@pytest.mark.django_db
def test_a_supervisor_joining_a_waiting_chat_takes_it(queues):
    boss = AgentFactory(user__first_name="Alex", is_supervisor=True)
    chat = escalated_conversation()
    joined = services.conversation_join(conversation=chat, agent=boss)
    assert (joined.status, joined.assigned_agent) == ("assigned", boss)
    closed = Conversation.objects.create(site=chat.site, customer=chat.customer, status="closed")
    with pytest.raises(InvalidTransition):
        services.conversation_join(conversation=closed, agent=boss)


@pytest.mark.django_db
def test_a_supervisor_can_take_a_chat_over_from_the_bot(queues, django_capture_on_commit_callbacks):
    boss = AgentFactory(user__first_name="Alex", is_supervisor=True)
    chat = escalated_conversation()
    Conversation.objects.filter(pk=chat.pk).update(status="bot")
    Escalation.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        joined = services.conversation_join(conversation=chat, agent=boss)
    assert (joined.status, joined.assigned_agent) == ("assigned", boss)
    escalation = Escalation.objects.get(conversation=chat)
    assert escalation.explanation.endswith("Alex took over from the bot.")
    assert waiting_line().position(str(chat.public_id)) is None  # never left waiting in Redis


# --- transfer -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_transfer_to_another_queue_with_a_note(sarah, queues, django_capture_on_commit_callbacks):
    chat = taken(sarah)
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.conversation_transfer_to_queue(
            conversation=chat, agent=sarah, queue=queues["billing"], note="Wants a refund of $40"
        )
    assert (moved.status, moved.queue.slug, moved.assigned_agent) == ("queued", "billing", None)
    assert [e.conversation_id for e in waiting_line().entries("billing")] == [str(chat.public_id)]
    note = Note.objects.get()
    assert (note.kind, note.body, note.author) == ("transfer", "Wants a refund of $40", sarah)
    told = chat.messages.filter(metadata__event="transferred").get()
    assert "billing team" in told.body and "refund" not in told.body
    with pytest.raises(InvalidTransition):  # no longer Sarah's to transfer
        services.conversation_transfer_to_queue(
            conversation=chat, agent=sarah, queue=queues["general"], note=""
        )


@pytest.mark.django_db
def test_transfer_to_a_colleague_who_is_online_in_the_queue(sarah, queues):
    chat = taken(sarah)
    tom = AgentFactory(user__first_name="Tom", queues=[queues["general"]])
    outsider = AgentFactory(queues=[queues["billing"]])
    agent_available(outsider)
    with pytest.raises(services.NotAllowed, match="not online"):
        services.conversation_transfer_to_agent(conversation=chat, agent=sarah, target=tom, note="")
    with pytest.raises(services.NotAllowed, match="queue"):
        services.conversation_transfer_to_agent(
            conversation=chat, agent=sarah, target=outsider, note=""
        )
    agent_available(tom)
    moved = services.conversation_transfer_to_agent(
        conversation=chat, agent=sarah, target=tom, note="Order #4411, already refunded"
    )
    assert (moved.status, moved.assigned_agent) == ("assigned", tom)
    assert Escalation.objects.get().agent == tom
    assert (
        chat.messages.last().body
        == "Sarah passed the conversation to Tom, who has the full context."
    )
    assert Note.objects.get().kind == "transfer"


# --- hand back, resolve, reopen -----------------------------------------------------------


@pytest.mark.django_db
def test_hand_back_tells_the_visitor_and_the_bot_what_the_agent_did(sarah):
    chat = taken(sarah)
    with pytest.raises(ValueError):
        services.conversation_hand_back(conversation=chat, agent=sarah, note="  ")
    services.conversation_hand_back(
        conversation=chat, agent=sarah, note="I reset your password; check your inbox."
    )
    chat.refresh_from_db()
    assert (chat.status, chat.enqueued_at) == ("bot", None)
    said = chat.messages.filter(sender="agent").get()
    assert said.body == "I reset your password; check your inbox."
    assert system_events(chat)[-1] == "handed_back"
    assert Note.objects.get().kind == "hand_back"

    question = conversation_services.message_receive(
        conversation=chat, client_id=uuid.uuid4(), body="How long does shipping take?"
    )
    assert question.status == "bot"
    context = turn.turn_read(message=question.message)
    assert ("agent", "I reset your password; check your inbox.") in [
        (turn.role, turn.text) for turn in context.history
    ]
    with pytest.raises(InvalidTransition):
        services.conversation_hand_back(conversation=chat, agent=sarah, note="again")


@pytest.mark.django_db
def test_resolve_stores_everything_the_metrics_need(sarah):
    chat = taken(sarah)
    services.message_post_agent(conversation=chat, agent=sarah, body="On it.")
    with pytest.raises(ValueError):
        services.conversation_resolve(
            conversation=chat, agent=sarah, outcome="maybe", appropriate=True, handoff_quality=3
        )
    services.conversation_resolve(
        conversation=chat,
        agent=sarah,
        outcome="not_resolved",
        appropriate=False,
        handoff_quality=2,
        handoff_comment="The bot could have answered from the returns article.",
    )
    chat.refresh_from_db()
    escalation = Escalation.objects.get()
    assert chat.status == "resolved" and chat.resolved_at == escalation.resolved_at
    assert (escalation.outcome, escalation.appropriate, escalation.could_ai_have_handled) == (
        "not_resolved",
        False,
        True,
    )
    assert (escalation.handoff_quality, escalation.agent) == (2, sarah)
    assert escalation.handoff_comment.startswith("The bot could have answered")
    reply = chat.messages.get(sender="agent")
    assert escalation.first_agent_reply_at == reply.created
    assert 0 <= escalation.time_to_human_seconds <= escalation.first_reply_seconds
    assert system_events(chat)[-1] == "resolved"
    with pytest.raises(InvalidTransition):
        services.conversation_resolve(
            conversation=chat, agent=sarah, outcome="resolved", appropriate=True, handoff_quality=5
        )


@pytest.mark.django_db
def test_a_visitor_writing_after_the_resolve_is_back_with_the_bot(sarah):
    chat = taken(sarah)
    services.conversation_resolve(
        conversation=chat, agent=sarah, outcome="resolved", appropriate=True, handoff_quality=4
    )
    receipt = conversation_services.message_receive(
        conversation=chat, client_id=uuid.uuid4(), body="One more question"
    )
    assert receipt.status == "bot"
    assert Conversation.objects.get(pk=chat.pk).status == "bot"
    with pytest.raises(InvalidTransition):
        conversation_services.conversation_reopen(conversation=chat)


@pytest.mark.django_db
def test_visitor_messages_carry_their_sentiment_while_a_person_owns_the_chat(sarah):
    chat = taken(sarah)
    angry = conversation_services.message_receive(
        conversation=chat, client_id=uuid.uuid4(), body="This is RIDICULOUS, I'm furious!!!"
    ).message
    assert angry.metadata["sentiment"] < -0.5


# --- the handoff message ------------------------------------------------------------------


@pytest.mark.django_db
def test_the_handoff_text_is_editable_per_reason_and_says_how_long(sarah):
    agent_available(sarah)
    HandoffMessage.objects.create(
        category="human_request",
        text="Hang tight! Our {team} crew will be with you {wait}. Anything to add for them?",
    )
    HandoffMessage.objects.create(category="", text="Passing you to {team}, {wait}.")
    chat = escalated_conversation()
    handoff = chat.messages.get(metadata__event="handoff")
    assert handoff.body == (
        "Hang tight! Our support crew will be with you in about 1–2 minutes. "
        "Anything to add for them?"
    )
    dispute = escalated_conversation("I was charged $250 twice and I dispute it")
    assert dispute.messages.get(metadata__event="handoff").body.startswith(
        "Passing you to billing, "
    )
    with pytest.raises(ValidationError):
        HandoffMessage(category="security", text="Our {agent} is coming").full_clean()


@pytest.mark.django_db
def test_the_default_handoff_text_promises_no_number_when_nobody_is_online(queues):
    body = escalated_conversation().messages.get(metadata__event="handoff").body
    assert "shared our conversation" in body and "nobody is available right now" in body
    assert "minutes" not in body and "as soon as possible" not in body
    assert "look into your account and orders" in body  # what they can help with, even so


@pytest.mark.django_db
def test_the_handoff_says_what_the_team_can_help_with(queues):
    """The spec's "Set Expectations on Wait Time": who, how long, what they can do, and
    "anything to add?"; an admin's text may place {help} itself."""
    agent_available(AgentFactory(queues=[queues["billing"]]))
    dispute = escalated_conversation("I was charged $250 twice and I dispute it")
    body = dispute.messages.get(metadata__event="handoff").body
    assert body.startswith("I'm connecting you with our billing team.")
    assert "review your account history and process any adjustments" in body
    assert body.endswith("Is there anything specific you'd like me to add to the notes for them?")
    HandoffMessage.objects.create(category="", text="Our {team} team is coming. {help}")
    body = escalated_conversation().messages.get(metadata__event="handoff").body
    assert body == (
        "Our support team is coming. "
        "They'll be able to look into your account and orders and sort this out with you."
    )
    HandoffMessage(category="security", text="{team}: {help} {wait}").full_clean()


# --- CSAT over the widget socket ----------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_visitor_rates_the_chat_once_after_the_resolve(new_visitor):
    @database_sync_to_async
    def setup_and_take():
        QueueFactory(slug="general", routing=Queue.Routing.MANUAL)
        agent = AgentFactory(user__first_name="Sarah", queues=[Queue.objects.get(slug="general")])
        chat = Conversation.objects.get()
        services.conversation_claim(agent=agent, public_id=str(chat.public_id))
        return agent, chat

    visitor = await new_visitor()
    await visitor.connect()
    await visitor.say("I want to talk to a human")
    await visitor.receive_type("status")
    agent, chat = await setup_and_take()
    assert (await visitor.receive_message_from("system"))["body"] == "Sarah joined the chat."
    await visitor.send({"type": "csat", "score": 5})
    assert (await visitor.receive_type("error"))["code"] == "csat_not_available"

    await database_sync_to_async(services.conversation_resolve)(
        conversation=chat, agent=agent, outcome="resolved", appropriate=True, handoff_quality=5
    )
    assert (await visitor.receive_message_from("system"))["body"].startswith(
        "Sarah marked this conversation as resolved"
    )
    assert (await visitor.receive_type("status"))["conversation"]["status"] == "resolved"
    assert (await visitor.receive_type("csat_request"))[
        "text"
    ] == "How did Sarah do? Rate this chat."

    await visitor.send({"type": "csat", "score": 6})
    assert (await visitor.receive_type("error"))["code"] == "invalid_frame"
    await visitor.send({"type": "csat", "score": True})
    assert (await visitor.receive_type("error"))["code"] == "invalid_frame"

    # A reload while the rating is pending asks again.
    again = await new_visitor_for(visitor)
    assert (await again.connect())["type"] == "ready"
    assert (await again.receive_type("csat_request"))["text"] == "How did we do? Rate this chat."

    await visitor.send({"type": "csat", "score": 5, "comment": "Sarah was brilliant"})
    thanks = await visitor.receive_type("csat_thanks")
    assert (thanks["text"], thanks["duplicate"]) == ("Thanks for your feedback!", False)
    await visitor.send({"type": "csat", "score": 1, "comment": "changed my mind"})
    assert (await visitor.receive_type("csat_thanks"))["duplicate"] is True
    escalation = await database_sync_to_async(Escalation.objects.get)()
    assert (escalation.csat_score, escalation.csat_comment) == (5, "Sarah was brilliant")
    assert escalation.csat_at is not None

    rated = await new_visitor_for(visitor)
    await rated.connect()
    await rated.send({"type": "ping"})
    assert (await rated.receive())["type"] == "pong"  # no csat_request came first
    for socket in (visitor, again, rated):
        await socket.close()


async def new_visitor_for(visitor):
    """Another socket of the same visitor (a reload, a second tab)."""
    return type(visitor)(visitor.token, visitor.site_key)
