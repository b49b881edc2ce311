"""The console's conversation list: login, query count, and live updates over its socket."""

from __future__ import annotations

import uuid

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from chatsy.asgi import application
from conversations import services
from tests.factories import ConversationFactory, StaffFactory


@pytest.mark.django_db
def test_the_console_requires_a_staff_login(client):
    response = client.get("/console/")
    assert response.status_code == 302 and response["Location"].startswith("/console/login/")
    client.force_login(StaffFactory(is_staff=False, username="not-staff"))
    assert client.get("/console/").status_code == 302


@pytest.mark.django_db
def test_the_console_lists_conversations_newest_first_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    older, newer = ConversationFactory(), ConversationFactory()
    services.message_post_system(conversation=newer, body="touch")
    for _ in range(5):
        ConversationFactory()
    client.force_login(StaffFactory())
    with django_assert_max_num_queries(4):
        response = client.get("/console/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(f"conv-{newer.public_id}") < html.index(f"conv-{older.public_id}")
    assert "With the bot" in html and 'ws-connect="/ws/console/"' in html


@pytest.mark.django_db
def test_an_empty_console_says_so(client):
    client.force_login(StaffFactory())
    assert "No conversations yet" in client.get("/console/").content.decode()


async def staff_socket(client, origin: bytes = b"http://testserver") -> WebsocketCommunicator:
    staff = await database_sync_to_async(StaffFactory)()
    await database_sync_to_async(client.force_login)(staff)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return WebsocketCommunicator(
        application,
        "/ws/console/",
        headers=[(b"origin", origin), (b"host", b"testserver"), (b"cookie", cookie.encode())],
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_new_visitor_message_appears_live_in_the_console(client):
    socket = await staff_socket(client)
    connected, _ = await socket.connect()
    assert connected

    conversation = await database_sync_to_async(ConversationFactory)()
    await database_sync_to_async(services.message_receive)(
        conversation=conversation, client_id=uuid.uuid4(), body="Hello there"
    )
    html = await socket.receive_from(timeout=5)
    assert f'id="conv-{conversation.public_id}" hx-swap-oob="delete"' in html
    assert 'hx-swap-oob="afterbegin:#conversation-list"' in html
    assert "1 message" in html
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
async def test_the_console_socket_refuses_a_foreign_origin_even_for_staff(client):
    socket = await staff_socket(client, origin=b"https://evil.example.net")
    connected, _ = await socket.connect()
    assert not connected
