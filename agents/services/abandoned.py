"""Queued chats whose visitor left: closed as abandoned, so they stop waiting for an agent.

An anonymous visitor who asked for a person and then closed the tab would otherwise sit in
the queue for ever. The Celery beat job `queue_abandoned_sweep` closes each queued chat whose
visitor has had no widget socket open for CHATSY_QUEUE_ABANDONED_MINUTES
(conversations.visitor_presence), through the lifecycle (queued → closed, not resolved).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents import selectors
from agents.services.queue import queue_watchers_on_commit
from agents.waiting_queue import waiting_line
from chatsy.redis import RedisUnavailable
from conversations import lifecycle
from conversations.models import Conversation
from conversations.services import message_post_system
from conversations.visitor_presence import visitors_last_seen

logger = logging.getLogger(__name__)

ABANDONED_MESSAGE = (
    "This chat was closed because you left before anyone from our team could join. "
    "Write again any time and we'll pick it up."
)


def queue_abandoned_sweep(*, now: datetime | None = None) -> int:
    """Close every queued chat whose visitor has been gone longer than the setting; returns
    how many. Idempotent, and safe to run twice at once: each close is a locked move."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.CHATSY_QUEUE_ABANDONED_MINUTES)
    waiting = list(selectors.conversations_waiting().select_related("customer"))
    if not waiting:
        return 0
    try:
        seen = visitors_last_seen([str(c.public_id) for c in waiting], now=now.timestamp())
    except RedisUnavailable:
        logger.warning("abandoned-chat sweep skipped: Redis unreachable, visitors unknown")
        return 0
    closed = 0
    for conversation in waiting:
        # The latest sign of the visitor: a socket closing (Redis) or a widget auth (database,
        # the only sign left once the Redis key lapsed or if it was never written).
        last_socket = seen[str(conversation.public_id)]
        last_seen = conversation.customer.last_seen.timestamp()
        if last_socket is not None:
            last_seen = max(last_seen, last_socket)
        if last_seen < cutoff.timestamp():
            closed += conversation_abandon(conversation=conversation)
    return closed


@transaction.atomic
def conversation_abandon(*, conversation: Conversation) -> bool:
    """queued → closed with a note in the transcript; out of the Redis line and the agents'
    queue panels once committed. False if it was no longer waiting (claimed, or a concurrent
    sweep closed it first)."""
    if lifecycle.conversation_lock(conversation=conversation) != Conversation.Status.QUEUED:
        return False
    message_post_system(
        conversation=conversation,
        body=ABANDONED_MESSAGE,
        metadata={"event": "abandoned", "reason": "visitor_left"},
    )
    # Tickets (a later issue): a visitor who left an email should get a ticket here, to be
    # followed up by email, instead of only a closed chat.
    lifecycle.conversation_abandon(conversation=conversation)
    public_id = str(conversation.public_id)
    transaction.on_commit(lambda: _line_remove(public_id))  # before the watchers hear of it
    queue_watchers_on_commit(conversation)
    return True


def _line_remove(public_id: str) -> None:
    try:
        waiting_line().remove(public_id)
    except RedisUnavailable:  # the reconciler drops it from the line once Redis is back
        logger.warning("queue unreachable; abandoned %s stays in line until reconciled", public_id)
