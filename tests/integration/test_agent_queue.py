"""The agent queue end to end: routing, claims, capacity, presence, SLA watch, rebuild."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from agents import presence, services
from agents.models import AgentProfile, Queue, QueueMembership
from agents.waiting_queue import waiting_line
from conversations.models import Conversation, Message
from escalation.engine import Snapshot, decide
from escalation.model_store import shipped_model
from escalation.models import Plan
from escalation.policy import Policy
from escalation.policy_store import policy_replace
from escalation.services import conversation_escalate
from tests.factories import ConversationFactory, StaffFactory
from tests.support.presence import agent_available

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def queues():
    policy_replace(Policy.default())
    for slug, routing in (
        ("general", "manual"),
        ("billing", "manual"),
        ("security", "manual"),
        ("vip", "manual"),
    ):
        Queue.objects.update_or_create(
            slug=slug, defaults={"name": slug.title(), "routing": routing}
        )


def make_agent(*queue_slugs: str, capacity: int = 3, online: bool = True) -> AgentProfile:
    agent = AgentProfile.objects.create(user=StaffFactory(), max_concurrent_chats=capacity)
    for slug in queue_slugs:
        QueueMembership.objects.create(agent=agent, queue=Queue.objects.get(slug=slug))
    if online:
        agent_available(agent)
    return agent


def escalate(text: str = "I want to talk to a human", **conversation_fields) -> Conversation:
    conversation = ConversationFactory(**conversation_fields)
    snapshot = Snapshot(message=text, plan=None)
    if conversation.customer.plan_id:
        from escalation.policy_store import plan_spec

        snapshot = Snapshot(message=text, plan=plan_spec(conversation.customer.plan))
    decision = decide(snapshot, Policy.default().with_classifier(shipped_model()), timezone.now())
    assert decision.escalates, decision.explain()
    conversation_escalate(conversation_id=conversation.pk, decision=decision)
    conversation.refresh_from_db()
    return conversation


def waiting_ids(queue: str) -> list[str]:
    return [e.conversation_id for e in waiting_line().entries(queue)]


def test_escalations_wait_in_the_rule_s_queue_urgent_first():
    normal = escalate("I want to talk to a human")
    urgent = escalate("My account was hacked and someone changed my email")
    dispute = escalate("I was charged $250 twice and I dispute it")
    assert (normal.queue.slug, urgent.queue.slug, dispute.queue.slug) == (
        "general",
        "security",
        "billing",
    )
    assert urgent.priority == "urgent"
    for conversation in (normal, urgent, dispute):
        assert waiting_line().position(str(conversation.public_id)) == 1


def test_a_vip_plan_reaches_its_dedicated_queue():
    vip = escalate(
        "I dispute the $400 charge on my invoice",
        customer__plan=Plan.objects.get(name="Enterprise"),
    )
    assert (vip.queue.slug, vip.priority) == ("vip", "urgent")
    assert waiting_ids("vip") == [str(vip.public_id)]


def test_priority_then_first_come_first_served_within_a_queue():
    first, second = escalate(), escalate()
    urgent = ConversationFactory(status="queued")
    with transaction.atomic():
        services.conversation_enqueue(
            conversation=urgent, target_queue="general", category="sensitive", priority="urgent"
        )
    assert waiting_ids("general") == [str(c.public_id) for c in (urgent, first, second)]


def test_claim_assigns_once_and_tells_the_visitor_who_joined():
    conversation = escalate()
    sarah, tom = make_agent("general"), make_agent("general")
    claimed = services.conversation_claim(agent=sarah, public_id=str(conversation.public_id))
    assert (claimed.status, claimed.assigned_agent) == ("assigned", sarah)
    with pytest.raises(services.AlreadyTaken):
        services.conversation_claim(agent=tom, public_id=str(conversation.public_id))
    assert waiting_ids("general") == []
    joined = Message.objects.filter(conversation=conversation, metadata__event="agent_joined").get()
    assert joined.body == f"{sarah.name} joined the chat."


def test_an_agent_cannot_claim_outside_their_queues_or_past_capacity():
    billing_chat = escalate("I was charged $250 twice and I dispute it")
    agent = make_agent("general", capacity=1)
    with pytest.raises(services.NotInYourQueues):
        services.conversation_claim(agent=agent, public_id=str(billing_chat.public_id))
    assert waiting_ids("billing") == [str(billing_chat.public_id)]  # still waiting for billing
    services.conversation_claim(agent=agent, public_id=str(escalate().public_id))
    with pytest.raises(services.AtCapacity):
        services.conversation_claim(agent=agent, public_id=str(escalate().public_id))


def test_claim_next_takes_the_oldest_highest_priority_across_queues():
    agent = make_agent("general", "security")
    older = escalate()
    urgent = escalate("Someone logged into my account without permission")
    assert services.conversation_claim_next(agent=agent).pk == urgent.pk
    assert services.conversation_claim_next(agent=agent).pk == older.pk
    assert services.conversation_claim_next(agent=agent) is None


def test_auto_assign_respects_capacity():
    Queue.objects.filter(slug="general").update(routing="auto")
    agent = make_agent("general", capacity=2)
    chats = [escalate() for _ in range(3)]
    statuses = [Conversation.objects.get(pk=c.pk).status for c in chats]
    assert statuses == ["assigned", "assigned", "queued"]
    assert Conversation.objects.filter(assigned_agent=agent).count() == 2
    assert waiting_ids("general") == [str(chats[2].public_id)]


def test_auto_assign_prefers_the_least_loaded_and_skips_offline_agents():
    busy, idle = make_agent("general"), make_agent("general")
    make_agent("general", online=False)
    services.conversation_claim(agent=busy, public_id=str(escalate().public_id))  # still manual
    Queue.objects.filter(slug="general").update(routing="auto")
    chat = escalate()
    assert Conversation.objects.get(pk=chat.pk).assigned_agent == idle


def test_going_offline_returns_chats_to_the_front_of_the_queue():
    agent = make_agent("general")
    first = escalate()
    services.conversation_claim(agent=agent, public_id=str(first.public_id))
    later = escalate()
    assert services.agent_presence_update(agent=agent, status="offline") == 1
    assert Conversation.objects.get(pk=first.pk).status == "queued"
    assert waiting_ids("general") == [str(first.public_id), str(later.public_id)]


def test_expired_presence_returns_chats():
    agent = make_agent("general")
    chat = escalate()
    services.conversation_claim(agent=agent, public_id=str(chat.public_id))
    presence.presence_set(agent.pk, "online", now=time.time() - 120)  # heartbeat stopped 2 min ago
    result = services.queue_sla_watch()
    assert result["released"] == 1
    assert Conversation.objects.get(pk=chat.pk).status == "queued"


def test_an_unanswered_assigned_chat_is_reassigned_after_the_timeout(settings):
    settings.CHATSY_AGENT_REPLY_TIMEOUT_SECONDS = 120
    agent = make_agent("general")
    chat, answered = escalate(), escalate()
    for conversation in (chat, answered):
        services.conversation_claim(agent=agent, public_id=str(conversation.public_id))
    Message.objects.create(conversation=answered, seq=99, sender="agent", body="Hi, I'm on it")
    later = timezone.now() + timedelta(seconds=121)
    presence.presence_set(agent.pk, "online", now=later.timestamp())  # still online, just silent
    assert services.queue_sla_watch(now=later)["reassigned"] == 1
    assert Conversation.objects.get(pk=chat.pk).status == "queued"
    assert Conversation.objects.get(pk=answered.pk).status == "assigned"


def test_a_wait_past_the_queue_maximum_is_flagged_once():
    Queue.objects.filter(slug="general").update(max_wait_seconds=600)
    escalate()
    later = timezone.now() + timedelta(minutes=11)
    assert services.queue_sla_watch(now=later)["over_max_wait"] == 1
    assert services.queue_sla_watch(now=later)["over_max_wait"] == 0


def test_reconcile_fixes_drift_both_ways():
    kept, lost = escalate(), escalate()
    waiting_line().remove(str(lost.public_id))
    ghost = ConversationFactory()
    from agents.waiting_queue import WaitingEntry

    waiting_line().enqueue(WaitingEntry(str(ghost.public_id), "general", "normal", 1))
    assert services.queue_reconcile() == (1, 1)
    assert sorted(waiting_ids("general")) == sorted([str(kept.public_id), str(lost.public_id)])
    assert services.queue_reconcile() == (0, 0)


def test_concurrent_claims_have_one_winner_and_database_and_redis_agree():
    """10 agents race for each of 100 conversations through the full claim service."""
    from django.db import connections

    agents = [make_agent("general", capacity=1000) for _ in range(10)]
    for _ in range(100):
        chat = escalate()
        barrier, winners = threading.Barrier(len(agents)), []

        def claim(agent, chat=chat, barrier=barrier, winners=winners):
            barrier.wait()
            try:
                services.conversation_claim(agent=agent, public_id=str(chat.public_id))
                winners.append(agent.pk)
            except services.AlreadyTaken:
                pass
            finally:
                connections.close_all()  # this thread's: persistent ones outlive it

        threads = [threading.Thread(target=claim, args=(agent,)) for agent in agents]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(winners) == 1
        assert Conversation.objects.get(pk=chat.pk).assigned_agent_id == winners[0]
    assert waiting_line().all_entries() == []
    assert not Conversation.objects.filter(status="queued").exists()


def test_auto_assign_prefers_the_agent_a_returning_customer_last_talked_to():
    make_agent("general")  # idle, and first in line for a new customer
    tom = make_agent("general")
    first = escalate()
    services.conversation_claim(agent=tom, public_id=str(first.public_id))
    Conversation.objects.filter(pk=first.pk).update(status="resolved")
    # Tom is busier than the idle agent, so only the preference can pick him.
    services.conversation_claim(agent=tom, public_id=str(escalate().public_id))
    Queue.objects.filter(slug="general").update(routing="auto")
    again = escalate(customer=first.customer)
    assert Conversation.objects.get(pk=again.pk).assigned_agent == tom


def test_queue_status_and_rebuild_commands():
    import io

    from django.core.management import call_command

    make_agent("general")
    escalate()
    escalate()
    waiting_line().replace_all([])
    out = io.StringIO()
    call_command("queue_rebuild", stdout=out)
    assert "2 conversation(s) waiting" in out.getvalue()
    out = io.StringIO()
    call_command("queue_status", stdout=out)
    general = next(line for line in out.getvalue().splitlines() if line.startswith("general"))
    assert general.split()[1:2] == ["2"] and general.split()[-2:] == ["1", "1"]
