"""The console's Tickets pages: list and filters, detail with the transcript and the handoff
context, assign, reply by email (Celery, eager, to the locmem outbox), mark done."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from agents import services
from agents.models import Queue, Ticket, TicketReply
from agents.selectors.tickets import call_slots_for
from conversations.frames import TicketRequest
from tests.factories import AgentFactory, QueueFactory, escalated_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(db):
    general = QueueFactory(slug="general", routing=Queue.Routing.MANUAL)
    return AgentFactory(user__first_name="Sarah", time_zone="Europe/Berlin", queues=[general])


def ticket(kind: str = "email", text: str = "I want to talk to a human", **fields) -> Ticket:
    conversation = escalated_conversation(text)
    request = TicketRequest(
        request_id=uuid.uuid4(), kind=kind, time_zone="America/New_York", **fields
    )
    return services.ticket_create(conversation=conversation, request=request).ticket


def test_the_list_shows_open_tickets_filters_and_an_empty_state(client, agent):
    client.force_login(agent.user)
    empty = client.get("/console/tickets/")
    assert empty.status_code == 200 and b'id="tickets-empty"' in empty.content
    assert b'href="/console/tickets/"' in client.get("/console/").content  # in the nav

    mine = ticket(email="ana@example.com")
    other = ticket(email="bo@example.com")
    services.ticket_assign(ticket=mine, agent=agent)
    services.ticket_mark_done(ticket=other, agent=AgentFactory())

    page = client.get("/console/tickets/").content.decode()
    assert f'id="ticket-row-{mine.pk}"' in page and f'id="ticket-row-{other.pk}"' not in page
    done = client.get("/console/tickets/?state=done").content.decode()
    assert f'id="ticket-row-{other.pk}"' in done and f'id="ticket-row-{mine.pk}"' not in done
    everything = client.get("/console/tickets/?state=all&mine=on").content.decode()
    assert f'id="ticket-row-{mine.pk}"' in everything
    assert f'id="ticket-row-{other.pk}"' not in everything


def test_the_detail_shows_the_conversation_context_and_the_call_time_in_the_agents_zone(
    client, agent
):
    conversation = escalated_conversation("I was charged $250 twice and I dispute it")
    slot = call_slots_for(conversation=conversation, now=datetime.now(UTC))[0]
    request = TicketRequest(
        request_id=uuid.uuid4(),
        kind="scheduled_call",
        phone="+1 555 123 4567",
        slot=slot.isoformat(),
        time_zone="America/New_York",
    )
    made = services.ticket_create(conversation=conversation, request=request).ticket
    agent.queues.add(made.queue)  # the dispute waits in billing: the agent serves it too
    client.force_login(agent.user)
    page = client.get(f"/console/tickets/{made.pk}/").content.decode()
    assert "+1 555 123 4567" in page
    assert "I was charged $250 twice and I dispute it" in page  # the transcript
    assert made.reason and made.reason[:40] in page  # the handoff context
    berlin = slot.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{berlin.hour % 12 or 12}:{berlin:%M} {berlin:%p} {berlin.tzname()}" in page
    assert "No email address" in page  # a phone-only ticket gets no reply form


def test_assign_reply_by_email_once_and_mark_done(
    client, agent, django_capture_on_commit_callbacks
):
    made = ticket("message", email="cy@example.com", details="Parcel #88 arrived damaged.")
    mail.outbox.clear()
    client.force_login(agent.user)
    assert client.post(f"/console/tickets/{made.pk}/assign/").status_code == 302
    made.refresh_from_db()
    assert made.assigned_agent == agent

    refused = client.post(f"/console/tickets/{made.pk}/reply/", {"body": "   "})
    assert refused.status_code == 400 and not TicketReply.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/console/tickets/{made.pk}/reply/", {"body": "A new parcel leaves today."}
        )
    assert sent.status_code == 302
    reply = TicketReply.objects.get()
    assert reply.sent_at is not None and reply.author == agent
    assert [(m.to, m.body.splitlines()[0]) for m in mail.outbox] == [
        (["cy@example.com"], "A new parcel leaves today.")
    ]
    assert services.ticket_reply_send(reply_id=reply.pk) is False  # a redelivered task
    assert len(mail.outbox) == 1

    assert client.post(f"/console/tickets/{made.pk}/done/").status_code == 302
    made.refresh_from_db()
    assert made.state == "done" and made.done_at is not None
    page = client.get(f"/console/tickets/{made.pk}/").content.decode()
    assert "A new parcel leaves today." in page and "Mark done" not in page


def test_tickets_are_in_the_admin(admin_client, agent):
    made = ticket(email="dee@example.com")
    assert admin_client.get("/admin/agents/ticket/").status_code == 200
    assert b"dee@example.com" in admin_client.get(f"/admin/agents/ticket/{made.pk}/change/").content
    queue = Queue.objects.get(slug="general")
    page = admin_client.get(f"/admin/agents/queue/{queue.pk}/change/").content
    assert b"opening hours" in page.lower() and b"closures" in page.lower()


def test_emails_whose_task_never_ran_are_sent_by_the_sweep_once(agent):
    """Not run on commit here (the test's transaction never commits): as if the broker had
    refused the task."""
    made = ticket(email="eve@example.com")
    reply = services.ticket_reply(ticket=made, agent=agent, body="We're on it.")
    assert mail.outbox == []
    assert services.ticket_emails_reconcile() == 0  # too fresh: the task may still run
    later = timezone.now() + timedelta(minutes=2)
    assert services.ticket_emails_reconcile(now=later) == 2
    assert services.ticket_emails_reconcile(now=later) == 0
    assert sorted(m.subject for m in mail.outbox) == [
        f"Re: your request (ticket #{made.pk})",
        f"We've got your request (ticket #{made.pk})",
    ]
    reply.refresh_from_db()
    assert reply.sent_at is not None


def test_the_demo_gives_specialist_queues_office_hours_and_keeps_an_admins_own(agent):
    from agents.models import QueueHours
    from conversations.demo.loader import demo_load

    demo_load()
    billing = Queue.objects.get(slug="billing")
    assert billing.time_zone == "America/New_York"
    assert billing.hours.count() == 6 and not Queue.objects.get(slug="general").hours.exists()
    QueueHours.objects.filter(queue=billing, weekday=5).delete()  # an admin's change
    demo_load()
    assert billing.hours.count() == 5


def test_one_failing_email_does_not_stop_the_sweep_and_is_given_up_after_n(agent):
    """A stored address the mail library refuses (a newline: BadHeaderError) fails every time;
    the ticket after it still gets its confirmation, and the bad one stops being retried."""
    broken = ticket(email="broken@example.com")
    ticket(email="fine@example.com")
    Ticket.objects.filter(pk=broken.pk).update(contact_email="broken@example.com\nBcc: x@y.z")
    later = timezone.now() + timedelta(minutes=2)

    assert services.ticket_emails_reconcile(now=later) == 1
    assert [m.to for m in mail.outbox] == [["fine@example.com"]]
    for _ in range(services.tickets.EMAIL_ATTEMPTS_MAX + 2):
        assert services.ticket_emails_reconcile(now=later) == 0
    broken.refresh_from_db()
    assert broken.confirmation_sent_at is None
    assert broken.email_attempts == services.tickets.EMAIL_ATTEMPTS_MAX
    assert len(mail.outbox) == 1


def queued_in(slug: str, text: str = "I want to talk to a human"):
    conversation = escalated_conversation(text)
    conversation.queue = Queue.objects.get(slug=slug)
    conversation.save(update_fields=["queue"])
    return conversation


def make_ticket(conversation, **fields) -> Ticket:
    request = TicketRequest(
        request_id=uuid.uuid4(), kind="email", time_zone="UTC", email="a@example.com", **fields
    )
    return services.ticket_create(conversation=conversation, request=request).ticket


def test_agents_see_the_tickets_of_their_queues_and_supervisors_all(client, agent):
    QueueFactory(slug="billing", routing=Queue.Routing.MANUAL)
    ours = make_ticket(queued_in("general"))
    theirs = make_ticket(queued_in("billing"))
    client.force_login(agent.user)

    page = client.get("/console/tickets/?state=all").content.decode()
    assert f'id="ticket-row-{ours.pk}"' in page and f'id="ticket-row-{theirs.pk}"' not in page
    assert "1 open" in page
    assert client.get(f"/console/tickets/{ours.pk}/").status_code == 200
    for url in ("", "assign/", "done/", "reply/"):
        method = client.get if not url else client.post
        kwargs = {"data": {"body": "Hello"}} if url == "reply/" else {}
        response = method(f"/console/tickets/{theirs.pk}/{url}", **kwargs)
        assert response.status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.assigned_agent is None and theirs.state == "open"
    assert not TicketReply.objects.exists()

    supervisor = AgentFactory(is_supervisor=True)
    client.force_login(supervisor.user)
    page = client.get("/console/tickets/?state=all").content.decode()
    assert f'id="ticket-row-{ours.pk}"' in page and f'id="ticket-row-{theirs.pk}"' in page
    assert client.get(f"/console/tickets/{theirs.pk}/").status_code == 200


def test_the_list_puts_urgent_and_high_first_and_marks_sensitive_tickets(client, agent):
    from escalation.models import Escalation

    normal = make_ticket(queued_in("general"))
    urgent = make_ticket(queued_in("general"))
    high = make_ticket(queued_in("general"))
    Ticket.objects.filter(pk=urgent.pk).update(priority="urgent")
    Ticket.objects.filter(pk=high.pk).update(priority="high")
    Escalation.objects.filter(conversation=urgent.conversation).update(
        sensitive_topic="health_safety"
    )
    client.force_login(agent.user)
    page = client.get("/console/tickets/").content.decode()
    rows = [page.index(f'id="ticket-row-{t.pk}"') for t in (urgent, high, normal)]
    assert rows == sorted(rows)
    urgent_row = page[rows[0] : rows[1]]
    assert "Sensitive · " in urgent_row and "Sensitive · " not in page[rows[1] :]


def test_a_sensitive_conversations_ticket_does_not_promise_the_bot(agent):
    from escalation import copy
    from escalation.models import Escalation

    conversation = queued_in("general")
    Escalation.objects.filter(conversation=conversation).update(sensitive_topic="legal_threat")
    result = services.ticket_create(
        conversation=conversation,
        request=TicketRequest(
            request_id=uuid.uuid4(), kind="email", time_zone="UTC", email="a@example.com"
        ),
    )
    assert result.text.endswith(copy.SENSITIVE_TICKET_TAIL)
    assert "meanwhile" not in result.text.lower()
    plain = make_ticket(queued_in("general"))
    told = plain.conversation.messages.get(metadata__event="ticket_created").body
    assert told.endswith(copy.OTHER_QUESTIONS_TAIL)
