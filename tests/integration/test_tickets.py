"""Alternatives to waiting and tickets, through the real ASGI visitor socket, the database,
Redis's waiting line and the Celery task (eager) sending to Django's locmem outbox."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.core import mail
from django.utils import timezone

from agents import hours, services, tasks
from agents.models import Queue, QueueClosure, Ticket
from agents.waiting_queue import waiting_line
from conversations.models import Conversation
from tests.factories import AgentFactory, QueueFactory
from tests.support.presence import agent_available

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

BERLIN = "Europe/Berlin"


@database_sync_to_async
def general_queue(*, agent_online: bool, alternatives_after_minutes: int = 5) -> Queue:
    queue = QueueFactory(slug="general", routing=Queue.Routing.MANUAL, alternatives_after_minutes=0)
    Queue.objects.filter(pk=queue.pk).update(alternatives_after_minutes=alternatives_after_minutes)
    if agent_online:
        agent = AgentFactory(user__first_name="Sarah", queues=[queue])
        agent_available(agent)  # online with a live console: presence_online counts them
    return queue


async def escalate(visitor, *, time_zone: str = BERLIN) -> dict:
    """Connect with the browser's zone, ask for a person; returns the `status` frame."""
    await visitor.socket.connect()
    await visitor.send(
        {
            "type": "auth",
            "token": visitor.token,
            "site_key": visitor.site_key,
            "time_zone": time_zone,
        }
    )
    assert (await visitor.receive())["type"] == "ready"
    await visitor.say("I want to talk to a human")
    status = await visitor.receive_type("status")
    assert status["conversation"]["status"] == "queued"
    return status


def ticket_frame(kind: str, request_id: str | None = None, **fields: str) -> dict:
    return {
        "type": "ticket",
        "request_id": request_id or str(uuid.uuid4()),
        "kind": kind,
        "time_zone": BERLIN,
        **fields,
    }


@database_sync_to_async
def stored() -> tuple[list[Ticket], str, list[str]]:
    chat = Conversation.objects.get()
    return (
        list(Ticket.objects.select_related("queue").order_by("pk")),
        chat.status,
        [e.conversation_id for e in waiting_line().entries("general")],
    )


async def test_nobody_available_offers_an_after_hours_ticket_and_the_bot_keeps_helping(
    new_visitor,
):
    await general_queue(agent_online=False)
    visitor = await new_visitor()
    await escalate(visitor)
    offer = await visitor.receive_type("alternatives")
    assert offer["reason"] == "nobody" and offer["open"] is True
    assert [o["kind"] for o in offer["options"]] == ["after_hours"]
    assert "Nobody from our team is available right now" in offer["text"]

    # Bad input: every problem named, nothing stored, the chat still waits in line.
    await visitor.send(ticket_frame("after_hours", email="not-an-email", phone="call me"))
    error = await visitor.receive_type("error")
    assert error["code"] == "ticket_invalid"
    assert set(error["fields"]) == {"email", "phone"}
    tickets, status, line = await stored()
    assert (tickets, status, len(line)) == ([], "queued", 1)

    request_id = str(uuid.uuid4())
    frame = ticket_frame(
        "after_hours", request_id, email="ana@example.com", name="Ana", details="Refund #123"
    )
    await visitor.send(frame)
    created = await visitor.receive_type("ticket_created")
    assert created["duplicate"] is False
    assert "priority ticket" in created["text"] and "ana@example.com" in created["text"]
    assert "within 2 hours (by " in created["text"]  # open, just nobody there
    assert (await visitor.receive_type("status"))["conversation"]["status"] == "ticket"

    # A retried frame (the widget reconnected before the answer): one ticket, one email.
    await visitor.send(frame)
    assert (await visitor.receive_type("ticket_created"))["duplicate"] is True
    tickets, status, line = await stored()
    assert len(tickets) == 1 and status == "ticket" and line == []
    ticket = tickets[0]
    assert (ticket.kind, ticket.priority, ticket.state) == ("after_hours", "high", "open")
    assert (ticket.contact_email, ticket.contact_name, ticket.details) == (
        "ana@example.com",
        "Ana",
        "Refund #123",
    )
    assert ticket.visitor_time_zone == BERLIN and ticket.category
    assert ticket.follow_up_due is not None and ticket.follow_up_due > timezone.now()
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]
    assert f"ticket #{ticket.pk}" in mail.outbox[0].subject
    assert "priority ticket" in mail.outbox[0].body
    # The email repeats the promise, not the chat's "anything else I can note for them?".
    assert mail.outbox[0].body.startswith("Hi Ana,")
    assert "note for them" in created["text"] and "note for them" not in mail.outbox[0].body

    # The visitor writes again: back with the bot (ticket → bot), the ticket stays open.
    await visitor.say("how long does shipping take?")
    assert (await visitor.receive_type("status"))["conversation"]["status"] == "bot"
    answer = await visitor.receive_message_from("bot")
    assert "business days" in answer["body"]
    assert (await database_sync_to_async(Ticket.objects.get)()).state == "open"
    await visitor.close()


async def test_a_closed_queue_says_when_people_are_back_in_the_visitors_time(new_visitor):
    queue = await general_queue(agent_online=True)
    now = timezone.now()
    reopens = (now + timedelta(hours=3)).replace(second=0, microsecond=0)
    await database_sync_to_async(QueueClosure.objects.create)(
        queue=queue, label="Team offsite", starts=now - timedelta(hours=1), ends=reopens
    )
    visitor = await new_visitor()
    await escalate(visitor, time_zone="Asia/Tokyo")
    offer = await visitor.receive_type("alternatives")
    back = hours.back_at(reopens, visitor_zone="Asia/Tokyo", now=now)
    assert (offer["reason"], offer["open"], offer["back"]) == ("closed", False, back)
    assert f"Our support team is offline right now (we're back {back})" in offer["text"]
    assert "JST" in back
    await visitor.send(ticket_frame("after_hours", email="kei@example.com", time_zone="Asia/Tokyo"))
    created = await visitor.receive_type("ticket_created")
    assert f"within 2 hours of opening ({back.removeprefix('at ')})" in created["text"]
    ticket = (await stored())[0][0]
    assert ticket.follow_up_due == reopens + timedelta(hours=2)
    assert ticket.priority == "high"
    await visitor.close()


async def test_a_long_estimate_offers_every_alternative(new_visitor):
    await general_queue(agent_online=True, alternatives_after_minutes=0)
    visitor = await new_visitor()
    await escalate(visitor)
    offer = await visitor.receive_type("alternatives")
    assert offer["reason"] == "long_wait"
    assert [o["kind"] for o in offer["options"]] == [
        "callback",
        "email",
        "scheduled_call",
        "message",
    ]
    assert offer["slots"] and offer["time_zone"] == BERLIN
    await visitor.close()


async def test_a_short_wait_offers_nothing_until_the_visitor_asks(new_visitor):
    await general_queue(agent_online=True, alternatives_after_minutes=30)
    visitor = await new_visitor()
    await escalate(visitor)
    await visitor.send({"type": "alternatives", "time_zone": BERLIN})
    # Frames arrive in order: an offer made at the status would have come first.
    assert (await visitor.receive_type("alternatives"))["reason"] == "requested"
    await visitor.close()


@pytest.mark.parametrize(
    ("kind", "fields", "confirmation"),
    [
        (
            "callback",
            {"phone": "+1 555 123 4567", "window": "morning"},
            "We'll call you at +1 555 123 4567 in the morning (9 AM–12 PM) your time",
        ),
        ("email", {"email": "bo@example.com"}, "We'll email you at bo@example.com by"),
        ("scheduled_call", {"phone": "+49 30 1234567"}, "You're booked: we'll call you at"),
        (
            "message",
            {"email": "cy@example.com", "details": "My parcel #88 arrived damaged."},
            "your message is with our team. We'll reply to cy@example.com",
        ),
    ],
)
async def test_each_alternative_creates_its_ticket_and_the_chat_leaves_the_line(
    new_visitor, kind, fields, confirmation
):
    await general_queue(agent_online=True, alternatives_after_minutes=30)
    visitor = await new_visitor()
    await escalate(visitor)
    await visitor.send({"type": "alternatives", "time_zone": BERLIN})
    offer = await visitor.receive_type("alternatives")
    if kind == "scheduled_call":
        # A slot never offered is refused, field by field; nothing stored.
        await visitor.send(ticket_frame(kind, slot="2020-01-06T09:00:00Z", **fields))
        error = await visitor.receive_type("error")
        assert (error["code"], list(error["fields"])) == ("ticket_invalid", ["slot"])
        fields = {**fields, "slot": offer["slots"][1]["value"]}
    await visitor.send(ticket_frame(kind, **fields))
    created = await visitor.receive_type("ticket_created")
    assert confirmation in created["text"]
    if kind == "scheduled_call":
        assert offer["slots"][1]["label"] in created["text"]
    confirmed = await visitor.receive_message_from("system")
    assert confirmed["body"] == created["text"]

    tickets, status, line = await stored()
    assert len(tickets) == 1 and status == "ticket" and line == []
    ticket = tickets[0]
    assert (ticket.kind, ticket.priority, ticket.queue.slug) == (kind, "normal", "general")
    assert ticket.reason and ticket.category
    if kind == "scheduled_call":
        assert ticket.requested_time.isoformat().replace("+00:00", "Z") == fields["slot"]
        assert ticket.follow_up_due == ticket.requested_time
    emailed = [m.to[0] for m in mail.outbox]
    assert emailed == ([fields["email"]] if "email" in fields else [])
    await visitor.close()


async def test_a_ticket_is_refused_once_the_chat_is_not_waiting(new_visitor):
    await general_queue(agent_online=False)
    visitor = await new_visitor()
    await visitor.connect()
    await visitor.send({"type": "alternatives", "time_zone": BERLIN})
    assert (await visitor.receive_type("error"))["code"] == "alternatives_not_available"
    await visitor.send(ticket_frame("email", email="a@example.com"))
    assert (await visitor.receive_type("error"))["code"] == "ticket_not_available"
    assert (await stored())[0] == []
    await visitor.close()


async def test_the_max_wait_offers_alternatives_once(new_visitor):
    await general_queue(agent_online=True, alternatives_after_minutes=30)
    visitor = await new_visitor()
    await escalate(visitor)
    later = timezone.now() + timedelta(hours=1)
    flagged = await database_sync_to_async(services.queue_sla_watch)(now=later)
    assert flagged["over_max_wait"] == 1
    assert (await visitor.receive_type("alternatives"))["reason"] == "max_wait"
    again = await database_sync_to_async(services.queue_sla_watch)(now=later)
    assert again["over_max_wait"] == 0  # once per wait
    await visitor.close()


async def test_the_confirmation_email_task_sends_once_however_often_it_runs(new_visitor):
    await general_queue(agent_online=False)
    visitor = await new_visitor()
    await escalate(visitor)
    await visitor.send(ticket_frame("after_hours", email="dee@example.com"))
    created = await visitor.receive_type("ticket_created")
    assert len(mail.outbox) == 1
    for _ in range(2):  # redelivered (acks_late) after the first run
        result = await database_sync_to_async(tasks.ticket_confirmation_email.apply)(
            (created["ticket"]["id"],)
        )
        assert result.get() is False
    assert len(mail.outbox) == 1
    ticket = await database_sync_to_async(Ticket.objects.get)()
    assert ticket.confirmation_sent_at is not None
    await visitor.close()


async def test_a_ticket_moves_the_next_visitor_up_the_line(new_visitor):
    await general_queue(agent_online=True, alternatives_after_minutes=30)
    first, second = await new_visitor(), await new_visitor()
    await escalate(first)
    await escalate(second)
    assert (await second.receive_type("queue"))["position"] == 2
    await first.send(ticket_frame("email", email="first@example.com"))
    await first.receive_type("ticket_created")
    assert (await second.receive_type("queue"))["position"] == 1
    line = await database_sync_to_async(lambda: waiting_line().entries("general"))()
    assert len(line) == 1
    await first.close()
    await second.close()


async def test_a_ticket_tells_the_queues_watchers_once(new_visitor):
    """The ticket leaves the line through queue.conversation_leave_line, which also tells the
    watchers: one queue.changed, not one from it and one from the ticket."""
    from channels.layers import get_channel_layer

    from chatsy import events, realtime

    await general_queue(agent_online=True, alternatives_after_minutes=30)
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(realtime.queue_group("general"), channel)
    realtime.publisher_start()

    async def changes_until(mark: str) -> list[dict]:
        """Every queue.changed before the marker (broadcasts keep their order)."""
        realtime.group_send(realtime.queue_group("general"), events.queue_changed(queue=mark))
        seen = []
        while (message := await layer.receive(channel)).get("queue") != mark:
            seen.append(message)
        return [m for m in seen if m["type"] == "queue.changed"]

    visitor = await new_visitor()
    await escalate(visitor)
    await changes_until("before")
    await visitor.send(ticket_frame("email", email="once@example.com"))
    await visitor.receive_type("ticket_created")
    assert [m["queue"] for m in await changes_until("after")] == ["general"]
    await visitor.close()
