"""The waiting visitors' places: each one hears their position in line and the wait it
means. Its own module: the queue's writes and the waiting rows' re-sorting both send it."""

from __future__ import annotations

from agents import selectors
from agents.estimates import wait_phrase
from agents.models import Queue
from agents.waiting_queue import waiting_line
from chatsy import events, realtime


def queue_positions_broadcast(*, queue: Queue) -> None:
    entries = waiting_line().entries(queue.slug)
    if not entries:
        return
    capacity = selectors.queue_capacity(queue)
    for position, entry in enumerate(entries, start=1):
        minutes = capacity.wait_minutes(position)
        realtime.group_send(
            realtime.conversation_group(entry.conversation_id),
            events.queue_position(
                position=position,
                wait_minutes=minutes,
                text=wait_phrase(position=position, minutes=minutes),
            ),
        )
