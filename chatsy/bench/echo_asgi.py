"""B1 and B2: the baselines Chatsy's figures are divided by, served by Daphne like Chatsy.

    daphne … chatsy.bench.echo_asgi:application

`/b1/`: a bare Channels consumer that sends every frame straight back.
`/b2/`: the consumer joins its own group; a frame is group_send to it through the channel
layer of chatsy.settings (RedisPubSubChannelLayer on REDIS_URL) and echoed from the event.
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsy.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class EchoConsumer(AsyncWebsocketConsumer):
    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.send(text_data=text_data, bytes_data=bytes_data)


class GroupEchoConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = f"bench-echo-{self.channel_name.rsplit('!', 1)[-1].replace('.', '-')}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(self.group, {"type": "echo", "text": text_data})

    async def echo(self, event: dict[str, str]) -> None:
        await self.send(text_data=event["text"])


async def _not_found(scope, receive, send) -> None:
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})


application = ProtocolTypeRouter(
    {
        "http": _not_found,
        # As in chatsy/asgi.py: the stubs type path() for Django views only.
        "websocket": URLRouter(
            [
                path("b1/", EchoConsumer.as_asgi()),  # type: ignore[arg-type,list-item]
                path("b2/", GroupEchoConsumer.as_asgi()),  # type: ignore[arg-type,list-item]
            ]
        ),
    }
)
