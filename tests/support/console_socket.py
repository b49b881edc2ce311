"""The agent's console socket on the real ASGI app, logged in through a real session cookie."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from agents.models import AgentProfile
from chatsy.asgi import application


async def console_socket(
    client, agent: AgentProfile, path: str = "/ws/console/"
) -> WebsocketCommunicator:
    await database_sync_to_async(_login)(client, agent.user)
    socket = console_communicator(client, path)
    connected, _ = await socket.connect()
    assert connected
    return socket


def console_communicator(client, path: str = "/ws/console/") -> WebsocketCommunicator:
    """A console socket (not yet connected) carrying `client`'s current session cookie."""
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return WebsocketCommunicator(
        application,
        path,
        headers=[
            (b"origin", b"http://testserver"),
            (b"host", b"testserver"),
            (b"cookie", cookie.encode()),
        ],
    )


def _login(client, user) -> None:
    """Log in unless already: a second login would give the session a new key, and every
    socket opened with the old one would then find its session gone (as in a browser)."""
    if client.session.get(SESSION_KEY) != str(user.pk):
        client.force_login(user)


async def receive_until(socket: WebsocketCommunicator, needle: str, timeout: float = 5) -> str:
    """Skip pushes until one contains `needle`."""
    while True:
        html = await socket.receive_from(timeout=timeout)
        if needle in html:
            return html
