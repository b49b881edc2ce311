"""The VIP plans' proactive check-in: a VIP waiting past the plan's minutes alerts the managers
in their consoles and by email, once per wait (time-travelled with `now`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from agents import services, tasks
from chatsy.settings import CELERY_BEAT_SCHEDULE
from conversations.models import Conversation, Customer, Message
from escalation.models import Plan
from tests.factories import AgentFactory, ConversationFactory, CustomerFactory, QueueFactory
from tests.support.console_socket import console_socket, receive_until

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

T0 = timezone.now().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def waiting_vip(default_policy):
    """Ann, on the VIP plan (check-in after 15 minutes), queued since T0."""
    queue = QueueFactory(slug="vip", name="VIP & Enterprise")
    vip = Plan.objects.get(name="VIP")
    assert vip.proactive_checkin_minutes == 15
    customer = CustomerFactory(name="Ann Lee", plan=vip, external_id="u-7")
    return ConversationFactory(customer=customer, status="queued", queue=queue, enqueued_at=T0)


@pytest.fixture
def managers(default_policy):
    supervisor = AgentFactory(user__email="boss@example.com", is_supervisor=True)
    AgentFactory(user__email="agent@example.com")  # not a manager: no email, no alert
    return supervisor


async def sweep(minutes: float) -> int:
    return await database_sync_to_async(services.vip_checkins_send)(
        now=T0 + timedelta(minutes=minutes)
    )


async def test_the_check_in_fires_once_after_the_plans_minutes(
    client, waiting_vip, managers, mailoutbox
):
    console = await console_socket(client, managers)

    assert await sweep(14) == 0  # before the threshold: nothing
    assert mailoutbox == []
    assert await console.receive_nothing(timeout=0.2)

    assert await sweep(16) == 1  # past it: one alert, one email
    html = await receive_until(console, "VIP check-in")
    assert "Ann Lee (VIP plan) has waited 16 min in VIP &amp; Enterprise" in html
    assert f'id="checkin-{waiting_vip.public_id}"' in html
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["boss@example.com"]
    assert mailoutbox[0].subject == "VIP check-in: VIP customer waiting 16 min"
    assert "Ann Lee (VIP plan) has waited 16 min" in mailoutbox[0].body

    assert await sweep(17) == 0  # run again: still one
    assert await sweep(60) == 0
    assert len(mailoutbox) == 1
    assert await console.receive_nothing(timeout=0.2)
    await console.disconnect()

    stored = await database_sync_to_async(Conversation.objects.get)(pk=waiting_vip.pk)
    assert stored.checkin_sent_at == T0 + timedelta(minutes=16)


async def test_a_new_wait_gets_its_own_check_in(waiting_vip, managers, mailoutbox):
    assert await sweep(16) == 1

    @database_sync_to_async
    def wait_again(at) -> None:  # handed back and queued again later: a new wait
        Conversation.objects.filter(pk=waiting_vip.pk).update(enqueued_at=at)

    await wait_again(T0 + timedelta(minutes=30))
    assert await sweep(40) == 0
    assert await sweep(46) == 1
    assert len(mailoutbox) == 2


async def test_an_assigned_vip_waits_until_a_person_writes(waiting_vip, managers, mailoutbox):
    @database_sync_to_async
    def assign_and_reply(reply: bool) -> None:
        agent = AgentFactory()
        Conversation.objects.filter(pk=waiting_vip.pk).update(
            status="assigned", assigned_agent=agent, assigned_at=T0 + timedelta(minutes=1)
        )
        if reply:
            Message.objects.create(
                conversation=waiting_vip,
                seq=1,
                sender=Message.Sender.AGENT,
                body="Hi Ann, I'm on it.",
                created=T0 + timedelta(minutes=2),
            )

    await assign_and_reply(reply=True)
    assert await sweep(30) == 0  # a person answered: no check-in
    await database_sync_to_async(Message.objects.all().delete)()
    assert await sweep(30) == 1  # assigned, silent for 30 minutes: managers hear
    assert "with no reply yet" in mailoutbox[0].body


async def test_a_name_with_a_line_break_cannot_lose_or_redirect_the_email(
    waiting_vip, managers, mailoutbox
):
    # A name stored before identity claims were cleaned (or typed by an admin): the subject
    # holds no customer text, so a CR/LF cannot make it an invalid header (BadHeaderError,
    # email lost) nor add a header.
    rename = Customer.objects.filter(pk=waiting_vip.customer_id).update
    await database_sync_to_async(rename)(name="Ann\r\nBcc: x@y.z")
    assert await sweep(16) == 1
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.subject == "VIP check-in: VIP customer waiting 16 min"
    assert email.to == ["boss@example.com"] and email.bcc == []
    assert "Bcc" not in email.message()  # no header was added
    assert "Ann\r\nBcc: x@y.z (VIP plan) has waited 16 min" in email.body  # the body only


async def test_other_plans_never_trigger_it(waiting_vip, managers, mailoutbox):
    @database_sync_to_async
    def downgrade() -> None:
        waiting_vip.customer.plan = Plan.objects.get(name="Pro")
        waiting_vip.customer.save()

    await downgrade()
    assert await sweep(120) == 0
    assert mailoutbox == []


async def test_the_beat_task_runs_the_sweep_at_the_current_time(waiting_vip, managers, mailoutbox):
    assert CELERY_BEAT_SCHEDULE["vip-checkins"]["task"] == "agents.tasks.vip_checkins"
    run = database_sync_to_async(lambda: tasks.vip_checkins.apply().get())
    assert await run() == 1  # queued an hour ago, past the 15 minutes
    assert await run() == 0
    assert len(mailoutbox) == 1
