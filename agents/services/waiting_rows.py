"""A waiting visitor wrote: their queue row follows (mood, latest line), and a raised priority
re-sorts the line. The rule is escalation.policy.priority_while_waiting; this is the writing."""

from __future__ import annotations

import logging

from django.db import transaction

from agents.models import Queue
from agents.services.positions import queue_positions_broadcast
from agents.waiting_queue import waiting_line
from chatsy import events, realtime
from chatsy.redis import RedisError, RedisUnavailable
from conversations.models import Conversation

logger = logging.getLogger(__name__)


def conversation_waiting_update(*, conversation: Conversation, priority: str) -> None:
    """Store `priority` now (only ever raised by the caller's rule); once committed, re-score
    the Redis line if it rose (the waiting visitors hear their new places) and redraw the
    row in every console showing the queue. An assigned chat's row is not shown: stored only."""
    raised = priority != conversation.priority
    if raised:
        Conversation.objects.filter(pk=conversation.pk).update(priority=priority)
        conversation.priority = priority
    queue = conversation.queue
    if conversation.status != Conversation.Status.QUEUED or queue is None:
        return
    public_id = str(conversation.public_id)
    transaction.on_commit(lambda: _row_changed(queue, public_id, priority if raised else None))


def _row_changed(queue: Queue, public_id: str, raised: str | None) -> None:
    if raised:
        _line_rescore(queue, public_id, raised)
    # The row is redrawn from the database whatever Redis did (a lost send is logged there).
    realtime.group_send(
        realtime.queue_group(queue.slug), events.queue_changed(queue=queue.slug, rows=[public_id])
    )


def _line_rescore(queue: Queue, public_id: str, priority: str) -> None:
    # Runs on commit in the visitor's message path: no Redis failure may surface there (the
    # boundary turns redis-py's errors into RedisUnavailable; RedisError is the backstop).
    try:
        # False: claimed since the commit; nothing to move, and never back in line.
        if waiting_line().reprioritise(public_id, priority):
            queue_positions_broadcast(queue=queue)
    except (RedisUnavailable, RedisError):  # queue_reconcile re-scores it from the database
        logger.warning(
            "waiting line failed; row %s of %s not re-sorted", public_id, queue.slug, exc_info=True
        )
