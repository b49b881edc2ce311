"""The agent's console socket on the real ASGI app, logged in through a real session cookie."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from agents.models import AgentProfile
from chatsy.asgi import application


async def console_socket(
    client, agent: AgentProfile, path: str = "/ws/console/"
) -> WebsocketCommunicator:
    await database_sync_to_async(client.force_login)(agent.user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    socket = WebsocketCommunicator(
        application,
        path,
        headers=[
            (b"origin", b"http://testserver"),
            (b"host", b"testserver"),
            (b"cookie", cookie.encode()),
        ],
    )
    connected, _ = await socket.connect()
    assert connected
    return socket


async def receive_until(socket: WebsocketCommunicator, needle: str, timeout: float = 5) -> str:
    """Skip pushes until one contains `needle`."""
    while True:
        html = await socket.receive_from(timeout=timeout)
        if needle in html:
            return html
