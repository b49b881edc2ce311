"""The console's queue panel and the actions around it: take over, take next, presence, CSRF."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from agents import presence
from agents.models import Queue
from conversations.models import Conversation
from escalation.models import Plan
from tests.factories import AgentFactory, QueueFactory, escalated_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def manual_queues():
    """Manual routing: chats wait in the panel until an agent takes them."""
    for slug in ("general", "billing", "security", "vip"):
        QueueFactory(slug=slug)
    Queue.objects.update(routing="manual")


@pytest.fixture
def agent(client):
    agent = AgentFactory(user__first_name="Sarah", queues=[Queue.objects.get(slug="general")])
    client.force_login(agent.user)
    return agent


def panel(client) -> str:
    response = client.get("/console/queue/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_panel_shows_who_waits_why_and_how_they_feel(client, agent):
    enterprise = Plan.objects.get(name="Enterprise")
    chat = escalated_conversation(
        "This is ridiculous, I want to talk to a human NOW!!!",
        customer__name="Ada Lovelace",
        customer__plan=enterprise,
    )
    Conversation.objects.filter(pk=chat.pk).update(queue=Queue.objects.get(slug="general"))
    html = panel(client)
    assert f'id="queue-row-{chat.public_id}"' in html
    assert "Ada Lovelace" in html and "VIP · Enterprise" in html
    assert "Human request" in html and "The visitor asked for a human" in html
    assert 'class="mood mood-frustrated"' in html or 'class="mood mood-angry"' in html
    assert f'datetime="{chat.enqueued_at.isoformat()}"'.replace("+00:00", "") in html.replace(
        "+00:00", ""
    )
    assert "Take over" in html


def test_an_agent_sees_only_the_queues_they_belong_to(client, agent):
    mine = escalated_conversation()
    billing = escalated_conversation("I was charged $250 twice and I dispute it")
    assert billing.queue.slug == "billing"
    html = panel(client)
    assert f"queue-row-{mine.public_id}" in html
    assert f"queue-row-{billing.public_id}" not in html
    assert "Billing" not in html


def test_a_supervisor_sees_every_queue(client):
    supervisor = AgentFactory(is_supervisor=True)
    client.force_login(supervisor.user)
    billing = escalated_conversation("I was charged $250 twice and I dispute it")
    assert f"queue-row-{billing.public_id}" in panel(client)


def test_the_panel_costs_the_same_queries_for_one_row_or_ten(
    client, agent, django_assert_num_queries
):
    escalated_conversation()
    with django_assert_num_queries(8) as one:  # + the depth and oldest wait per queue
        panel(client)
    for _ in range(9):
        escalated_conversation()
    with django_assert_num_queries(len(one.captured_queries)):
        html = panel(client)
    assert html.count('class="queue-row ') == 10


def test_urgent_chats_are_listed_first_then_the_longest_waiting():
    agent = AgentFactory(queues=[Queue.objects.get(slug="general")])
    from agents.selectors import queue_panel

    first, second = escalated_conversation(), escalated_conversation()
    Conversation.objects.filter(pk=second.pk).update(priority="urgent")
    rows = queue_panel(agent=agent).sections[0].rows
    assert [r.conversation.pk for r in rows] == [second.pk, first.pk]


def test_take_over_claims_once_and_opens_the_chat(client, agent):
    chat = escalated_conversation()
    response = client.post(
        f"/console/chats/{chat.public_id}/claim/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-swap-oob="beforeend:#chat-tabs"' in html and f'id="tab-{chat.public_id}"' in html
    assert f'id="chat-{chat.public_id}"' in html and f'id="card-{chat.public_id}"' in html
    assert json.loads(response["HX-Trigger"]) == {"chat-opened": {"id": str(chat.public_id)}}
    chat.refresh_from_db()
    assert (chat.status, chat.assigned_agent) == ("assigned", agent)
    assert chat.escalations.get().assigned_at == chat.assigned_at

    rival = AgentFactory(queues=[Queue.objects.get(slug="general")])
    client.force_login(rival.user)
    again = client.post(f"/console/chats/{chat.public_id}/claim/")
    assert again.status_code == 409 and again["HX-Reswap"] == "none"
    assert "already took" in again.content.decode()


def test_take_over_is_refused_outside_the_agent_s_queues_and_past_capacity(client, agent):
    billing = escalated_conversation("I was charged $250 twice and I dispute it")
    refused = client.post(f"/console/chats/{billing.public_id}/claim/")
    assert refused.status_code == 409
    assert "not waiting in your queues" in refused.content.decode()
    assert Conversation.objects.get(pk=billing.pk).status == "queued"

    agent.max_concurrent_chats = 1
    agent.save()
    client.post(f"/console/chats/{escalated_conversation().public_id}/claim/")
    full = client.post(f"/console/chats/{escalated_conversation().public_id}/claim/")
    assert full.status_code == 409 and "1 chats open" in full.content.decode()


def test_take_next_takes_the_most_urgent_chat(client, agent):
    escalated_conversation()
    urgent = escalated_conversation()
    Conversation.objects.filter(pk=urgent.pk).update(priority="urgent")
    from agents.services import queue_rebuild

    queue_rebuild()
    response = client.post("/console/queue/next/")
    assert response.status_code == 200
    assert Conversation.objects.get(pk=urgent.pk).assigned_agent == agent
    Conversation.objects.filter(status="queued").update(status="bot")
    queue_rebuild()
    empty = client.post("/console/queue/next/")
    assert empty.status_code == 409 and "No one is waiting" in empty.content.decode()


def test_the_presence_toggle_sets_the_status(client, agent):
    response = client.post("/console/presence/", {"status": "online"})
    assert response.status_code == 200
    assert presence.presence_get(agent.pk) == "online"
    assert 'aria-pressed="true"' in response.content.decode()
    assert client.post("/console/presence/", {"status": "asleep"}).status_code == 400
    client.post("/console/presence/", {"status": "away"})
    assert presence.presence_get(agent.pk) == "away"


def test_every_post_needs_the_csrf_token(agent):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(agent.user)
    chat = escalated_conversation()
    for url in (
        "/console/presence/",
        "/console/queue/next/",
        f"/console/chats/{chat.public_id}/claim/",
        f"/console/chats/{chat.public_id}/compose/",
        f"/console/chats/{chat.public_id}/resolve/",
    ):
        assert strict.post(url, {"status": "online"}).status_code == 403, url
    assert Conversation.objects.get(pk=chat.pk).status == "queued"
    page = strict.get("/console/").content.decode()
    token = page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    ok = strict.post("/console/presence/", {"status": "online"}, headers={"X-CSRFToken": token})
    assert ok.status_code == 200


def test_the_console_page_has_the_queue_the_tabs_and_the_socket(client, agent):
    chat = escalated_conversation(customer__name="Grace Hopper")
    client.post(f"/console/chats/{chat.public_id}/claim/")
    html = client.get("/console/").content.decode()
    assert 'ws-connect="/ws/console/"' in html and 'id="queue-panel"' in html
    assert f'id="tab-{chat.public_id}"' in html and "Grace Hopper" in html
    assert 'id="presence"' in html and 'id="canned-replies"' in html
