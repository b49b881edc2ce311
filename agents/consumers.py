"""The console's websocket: pushes rendered rows (htmx out-of-band swaps) to staff."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string

from chatsy import realtime
from conversations import selectors


class ConsoleConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_staff:
            await self.close(code=4403)
            return
        await self.channel_layer.group_add(realtime.CONSOLE_GROUP, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(realtime.CONSOLE_GROUP, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """The console only listens for now; agent actions arrive with the agent console."""

    async def conversation_updated(self, event: dict[str, Any]) -> None:
        html = await database_sync_to_async(_render_row_update)(event["conversation_id"])
        if html:
            await self.send(text_data=html)


def _render_row_update(public_id: str) -> str:
    conversation = selectors.conversation_for_console(public_id=public_id)
    if conversation is None:
        return ""
    return render_to_string("console/_conversation_row_update.html", {"conversation": conversation})
