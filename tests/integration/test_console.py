"""Who gets into the console, and the supervisor's view: queues, agents, live conversations."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.utils import timezone

from agents import fragments
from agents import services as agent_services
from agents.models import Queue
from agents.selectors.console import LIVE_BOT_IDLE
from agents.services import queue_rebuild
from chatsy.asgi import application
from conversations import services
from conversations.models import Conversation
from tests.factories import (
    AgentFactory,
    ConversationFactory,
    QueueFactory,
    StaffFactory,
    escalated_conversation,
)
from tests.support.presence import agent_available


@pytest.mark.django_db
def test_the_console_requires_a_login_and_an_agent_profile(client):
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")
    client.force_login(StaffFactory(username="staff-but-no-agent"))
    refused = client.get("/console/")
    assert refused.status_code == 403 and "not set up as an agent" in refused.content.decode()
    assert client.get("/console/queue/").status_code == 403


@pytest.mark.django_db
def test_only_supervisors_see_the_supervisor_view(client):
    client.force_login(AgentFactory().user)
    assert client.get("/console/supervisor/").status_code == 403
    client.force_login(AgentFactory(is_supervisor=True).user)
    assert client.get("/console/supervisor/").status_code == 200


@pytest.mark.django_db
def test_the_supervisor_sees_queues_agents_and_conversations_in_fixed_queries(
    client, django_assert_max_num_queries
):
    general = QueueFactory(slug="general", routing=Queue.Routing.MANUAL)
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    busy = AgentFactory(user__first_name="Tom", queues=[general], max_concurrent_chats=2)
    agent_available(busy)
    escalated_conversation()  # waiting in general
    queue_rebuild()  # this test's transaction never commits, so mirror the line by hand
    older, newer = ConversationFactory(), ConversationFactory()
    services.message_post_system(conversation=newer, body="touch")
    for _ in range(5):
        ConversationFactory()
    supervisor = AgentFactory(is_supervisor=True, user__first_name="Alex")
    client.force_login(supervisor.user)
    with django_assert_max_num_queries(10):
        response = client.get("/console/supervisor/")
    html = response.content.decode()
    assert html.index(f"conv-{newer.public_id}") < html.index(f"conv-{older.public_id}")
    assert "With the bot" in html and 'ws-connect="/ws/console/?view=supervisor"' in html
    assert 'id="sup-queue-general"' in html and '<span class="depth">1</span>' in html
    assert f'id="sup-agent-{busy.pk}"' in html and "online" in html and "0/2" in html
    assert "Observe" in html and "Join" in html


@pytest.mark.django_db
def test_the_live_list_leaves_out_ended_chats_and_bot_chats_gone_quiet(client):
    """Resolved, closed and ticket chats are in the History; a bot chat whose visitor left
    (no activity for LIVE_BOT_IDLE) is not live either. Seeded demo traffic made both common."""
    status = Conversation.Status
    waiting, talking = ConversationFactory(status=status.QUEUED), ConversationFactory()
    ended = [ConversationFactory(status=s) for s in (status.RESOLVED, status.CLOSED, status.TICKET)]
    quiet = ConversationFactory()
    Conversation.objects.filter(pk=quiet.pk).update(
        updated=timezone.now() - LIVE_BOT_IDLE - timedelta(minutes=1)
    )
    client.force_login(AgentFactory(is_supervisor=True).user)

    html = client.get("/console/supervisor/").content.decode()

    for live in (waiting, talking):
        assert f"conv-{live.public_id}" in html
    for gone in (*ended, quiet):
        assert f"conv-{gone.public_id}" not in html
    # A chat that ends while the supervisor watches leaves the list instead of moving up.
    pushed = fragments.conversation_row(public_id=str(ended[0].public_id))
    assert f'data-remove="conv-{ended[0].public_id}"' in pushed and "<li" not in pushed
    assert "<li" in fragments.conversation_row(public_id=str(talking.public_id))


@pytest.mark.django_db
def test_an_empty_supervisor_view_says_so(client):
    client.force_login(AgentFactory(is_supervisor=True).user)
    assert "No conversations yet" in client.get("/console/supervisor/").content.decode()


async def staff_socket(client, user, path="/ws/console/", origin=b"http://testserver"):
    await database_sync_to_async(client.force_login)(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return WebsocketCommunicator(
        application,
        path,
        headers=[(b"origin", origin), (b"host", b"testserver"), (b"cookie", cookie.encode())],
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_new_visitor_message_appears_live_in_the_supervisor_view(client):
    supervisor = await database_sync_to_async(AgentFactory)(is_supervisor=True)
    socket = await staff_socket(client, supervisor.user, "/ws/console/?view=supervisor")
    connected, _ = await socket.connect()
    assert connected

    conversation = await database_sync_to_async(ConversationFactory)()
    await database_sync_to_async(services.message_receive)(
        conversation=conversation, client_id=uuid.uuid4(), body="Hello there"
    )
    html = await socket.receive_from(timeout=5)
    while "conversation-list" not in html:
        html = await socket.receive_from(timeout=5)
    assert f'id="conv-{conversation.public_id}" hx-swap-oob="delete"' in html
    assert 'hx-swap-oob="afterbegin:#conversation-list"' in html
    assert "1 message" in html
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_supervisor_view_refreshes_when_an_agent_goes_online(client):
    supervisor = await database_sync_to_async(AgentFactory)(is_supervisor=True)
    agent = await database_sync_to_async(AgentFactory)(user__first_name="Tom")
    socket = await staff_socket(client, supervisor.user, "/ws/console/?view=supervisor")
    assert (await socket.connect())[0]
    from agents.services import agent_presence_update

    await database_sync_to_async(agent_presence_update)(agent=agent, status="online")
    html = await socket.receive_from(timeout=5)
    assert 'id="supervisor-panels"' in html
    assert f'id="sup-agent-{agent.pk}"' in html
    assert '<span class="dot dot-online" aria-hidden="true"></span> online' in html
    await socket.disconnect()


async def receive_containing(socket, text: str, *, frames: int = 20) -> tuple[str, list[str]]:
    """The first frame holding `text`, and the frames before it (bounded: each waits 5 s)."""
    before: list[str] = []
    for _ in range(frames):
        html = await socket.receive_from(timeout=5)
        if text in html:
            return html, before
        before.append(html)
    raise AssertionError(f"no frame with {text!r} in {frames} frames")


@database_sync_to_async
def two_claimed_chats() -> tuple[object, list[Conversation]]:
    general = QueueFactory(slug="general", routing=Queue.Routing.MANUAL)
    Queue.objects.update(routing=Queue.Routing.MANUAL)
    agent = AgentFactory(user__first_name="Sarah", queues=[general], max_concurrent_chats=2)
    chats = [escalated_conversation(), escalated_conversation("Let me speak to a person")]
    for chat in chats:
        agent_services.conversation_claim(agent=agent, public_id=str(chat.public_id))
    return agent, chats


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_unreviewed_count_updates_live_when_an_escalation_is_resolved(
    client, default_policy
):
    """The supervisor's "N resolved escalations not reviewed" follows each resolve: one
    resolved without the review adds one, one resolved with it leaves the count as it was."""
    agent, chats = await two_claimed_chats()
    supervisor = await database_sync_to_async(AgentFactory)(is_supervisor=True)
    socket = await staff_socket(client, supervisor.user, "/ws/console/?view=supervisor")
    page = await database_sync_to_async(client.get)("/console/supervisor/")
    assert 'data-unreviewed="0"' in page.content.decode()
    assert (await socket.connect())[0]

    await database_sync_to_async(agent_services.conversation_resolve)(
        conversation=chats[0], agent=agent
    )
    html, _ = await receive_containing(socket, 'id="review-count"')
    assert 'data-unreviewed="1" hx-swap-oob="true"' in html
    assert "<strong>1</strong> resolved escalation not reviewed" in html

    await database_sync_to_async(agent_services.conversation_resolve)(
        conversation=chats[1], agent=agent, appropriate=True, handoff_quality=5
    )
    html, _ = await receive_containing(socket, 'id="review-count"')
    assert 'data-unreviewed="1"' in html  # reviewed: not counted

    # Other changes (an agent going online) redraw the panels without counting again.
    await database_sync_to_async(agent_services.agent_presence_update)(agent=agent, status="online")
    html, _ = await receive_containing(socket, f'id="sup-agent-{agent.pk}"')
    assert 'id="review-count"' not in html
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_console_socket_refuses_anonymous_users():
    socket = WebsocketCommunicator(
        application,
        "/ws/console/",
        headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")],
    )
    connected, _ = await socket.connect()
    assert not connected


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_console_socket_refuses_users_without_an_agent_profile(client):
    socket = await staff_socket(client, await database_sync_to_async(StaffFactory)())
    connected, code = await socket.connect()
    assert (connected, code) == (False, 4403)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_only_supervisors_may_open_the_supervisor_socket(client):
    agent = await database_sync_to_async(AgentFactory)()
    socket = await staff_socket(client, agent.user, "/ws/console/?view=supervisor")
    connected, code = await socket.connect()
    assert (connected, code) == (False, 4403)


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "origin", [b"https://evil.example.net", b"http://testserver.evil.net", b"null"]
)
async def test_the_console_socket_refuses_a_foreign_origin_even_for_agents(client, origin):
    supervisor = await database_sync_to_async(AgentFactory)(is_supervisor=True)
    socket = await staff_socket(client, supervisor.user, origin=origin)
    connected, _ = await socket.connect()
    assert not connected


@pytest.mark.django_db
def test_every_console_page_has_the_same_navigation_with_the_current_page_marked(client):
    supervisor = AgentFactory(is_supervisor=True)
    client.force_login(supervisor.user)
    links = ["Console", "Tickets", "History", "Supervisor", "Dashboard", "Review", "Weekly review"]
    pages = {
        "/console/": "Console",
        "/console/tickets/": "Tickets",
        "/console/conversations/": "History",
        "/console/supervisor/": "Supervisor",
        "/console/dashboard/": "Dashboard",
        "/console/review/": "Review",
        "/console/weekly/": "Weekly review",
    }
    for url, current in pages.items():
        html = client.get(url).content.decode()
        nav = html[html.index('<nav class="topnav"') : html.index("</nav>")]
        shown = [name for name in links if f">{name}</a>" in nav]
        assert shown == links, (url, shown)
        assert f'aria-current="page">{current}</a>' in nav, url
        assert nav.count('aria-current="page"') == 1, url

    client.force_login(AgentFactory().user)  # an agent sees no supervisor page in the nav
    nav = client.get("/console/").content.decode()
    assert ">Dashboard</a>" not in nav and ">Supervisor</a>" not in nav and ">History</a>" in nav
