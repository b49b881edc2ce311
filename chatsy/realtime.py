"""The one owner of the channel layer: group names and broadcast helpers. What is sent is an
`Event` built by `chatsy.events`.

Channel layers are at-most-once, so nothing here is durable: the database and the
per-conversation `seq` are the truth, and clients resync after reconnecting.
"""

from __future__ import annotations

import logging
from typing import Any, cast
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from chatsy.events import Event

logger = logging.getLogger(__name__)

CONSOLE_GROUP = "console.conversations"


def conversation_group(public_id: UUID | str) -> str:
    """Every visitor socket of one conversation, and the agent serving it."""
    return f"conversation.{public_id}"


def agent_group(agent_id: int) -> str:
    return f"agent.{agent_id}"


def queue_group(queue_slug: str) -> str:
    return f"queue.{queue_slug}"


def staff_conversation_group(public_id: UUID | str) -> str:
    """The agents holding or watching one conversation: internal notes, card updates.

    Never joined by a visitor socket, so nothing sent here can reach the widget.
    """
    return f"staff.conversation.{public_id}"


def user_group(user_id: int) -> str:
    """Every console socket of one logged-in user (closed together on logout)."""
    return f"user.{user_id}"


SUPERVISORS_GROUP = "console.supervisors"


def group_send(group: str, event: Event) -> None:
    """Send now, from sync code. Failures are logged, never raised: delivery is best effort."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, _message(event))
    except Exception:  # noqa: BLE001 - a lost broadcast is repaired by resync
        logger.exception("group_send to %s failed", group)


async def group_send_async(group: str, event: Event) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        await layer.group_send(group, _message(event))
    except Exception:  # noqa: BLE001
        logger.exception("group_send to %s failed", group)


def group_send_on_commit(group: str, event: Event) -> None:
    """Broadcast once the surrounding transaction commits (never for rolled-back writes)."""
    transaction.on_commit(lambda: group_send(group, event))


def _message(event: Event) -> dict[str, Any]:
    """The layer's message is the event itself (a TypedDict is a plain dict at run time)."""
    return cast(dict[str, Any], event)
