"""Cross-site websocket hijacking: the console socket and the widget (socket and HTTP) compare
the browser's full origin, scheme://host:port, with an explicit list (issue 12). A page on
another port or scheme of our own host is same-site, so SameSite cookies reach the socket:
only the origin tells it apart."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import override_settings

from chatsy.asgi import application
from conversations import services
from tests.factories import AgentFactory

SERVED_AT = "127.0.0.1:8000"  # the Host of a console served over plain http


async def console_connect(client, origin: str, **extra_headers: str) -> bool:
    agent = await database_sync_to_async(AgentFactory)()
    await database_sync_to_async(client.force_login)(agent.user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    headers = [(b"origin", origin.encode()), (b"host", SERVED_AT.encode())]
    headers += [(b"cookie", cookie.encode())]
    headers += [
        (name.replace("_", "-").encode(), value.encode()) for name, value in extra_headers.items()
    ]
    socket = WebsocketCommunicator(application, "/ws/console/", headers=headers)
    connected, _ = await socket.connect()
    await socket.disconnect()
    return connected


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("origin", "connected"),
    [
        (f"http://{SERVED_AT}", True),  # our own page
        ("http://127.0.0.1:9999", False),  # same host, another port: the attack
        (f"https://{SERVED_AT}", False),  # another scheme than the one serving us
        ("http://127.0.0.1", False),
        ("http://localhost:8000", False),  # an allowed host, but not the one we are reached on
        ("null", False),
    ],
)
async def test_the_console_socket_accepts_only_its_exact_origin(client, origin, connected):
    assert await console_connect(client, origin) is connected


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
async def test_behind_a_tls_proxy_the_console_origin_is_https(client):
    assert await console_connect(client, f"https://{SERVED_AT}", x_forwarded_proto="https")
    assert not await console_connect(client, f"http://{SERVED_AT}", x_forwarded_proto="https")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@override_settings(CSRF_TRUSTED_ORIGINS=["https://desk.example.com"])
async def test_csrf_trusted_origins_may_open_the_console(client):
    assert await console_connect(client, "https://desk.example.com")
    assert not await console_connect(client, "https://desk.example.com:8443")


async def widget_auth(site, origin: str, host: str = SERVED_AT) -> dict:
    _customer, token = await database_sync_to_async(services.visitor_create)(site=site)
    headers = [(b"origin", origin.encode()), (b"host", host.encode())]
    socket = WebsocketCommunicator(application, "/ws/widget/", headers=headers)
    connected, _ = await socket.connect()
    assert connected
    await socket.send_to(
        text_data=json.dumps({"type": "auth", "token": token, "site_key": site.key})
    )
    frame = json.loads(await socket.receive_from(timeout=5))
    await socket.disconnect()
    return frame


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("origin", "frame_type"),
    [
        ("https://shop.example.com", "ready"),  # the site's allowed origin
        (f"http://{SERVED_AT}", "ready"),  # our own demo page
        ("http://shop.example.com", "error"),  # the allowed host on another scheme
        ("https://shop.example.com:8443", "error"),  # …or another port
        (f"https://{SERVED_AT}", "error"),  # our host on another scheme
        ("http://127.0.0.1:9999", "error"),  # our host on another port
    ],
)
async def test_the_widget_socket_accepts_only_exact_origins(site, origin, frame_type):
    assert (await widget_auth(site, origin))["type"] == frame_type


def post_session(client, site, origin: str):
    return client.post(
        "/api/widget/session",
        data=json.dumps({"site_key": site.key}),
        content_type="application/json",
        HTTP_ORIGIN=origin,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("origin", "status"),
    [
        ("https://shop.example.com", 201),
        ("http://testserver", 201),  # our own origin (the test client speaks http)
        ("https://testserver", 403),  # our host on another scheme
        ("http://testserver:9999", 403),  # …or another port
        ("http://shop.example.com", 403),
    ],
)
def test_widget_http_accepts_only_exact_origins(client, site, origin, status):
    session = post_session(client, site, origin)
    config = client.get("/api/widget/config", {"site_key": site.key}, HTTP_ORIGIN=origin)
    assert (session.status_code, config.status_code) == (status, 200 if status == 201 else 403)
    for response in (session, config):
        cors = response.headers.get("Access-Control-Allow-Origin")
        assert cors == (origin if status == 201 else None)
