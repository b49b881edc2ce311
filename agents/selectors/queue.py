"""Reads for queues and agents: routing, capacity, the waiting line as the database sees it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from agents import hours, presence
from agents.estimates import (
    DEFAULT_HANDLE_SECONDS,
    RECENT_CHATS,
    median_handle_seconds,
    wait_phrase,
    wait_range_minutes,
)
from agents.models import AgentProfile, Queue
from agents.waiting_queue import WaitingEntry, waiting_line
from chatsy.redis import RedisUnavailable
from conversations.models import Conversation, Message

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class AgentLoad(TypedDict):
    load: int  # conversations assigned to the agent now


def queue_for(*, target_queue: str, category: str) -> Queue:
    """The engine's target queue if it exists; else a queue handling the category; else general."""
    queues = list(Queue.objects.filter(active=True))
    by_slug = {q.slug: q for q in queues}
    if target_queue in by_slug:
        return by_slug[target_queue]
    handling = next((q for q in queues if category in q.category_list), None)
    return (
        handling
        or by_slug.get("general")
        or Queue.objects.get_or_create(slug="general", defaults={"name": "General support"})[0]
    )


def queue_choices() -> list[tuple[str, str]]:
    return list(
        Queue.objects.filter(active=True).order_by("-priority", "name").values_list("slug", "name")
    )


def queues_of(agent: AgentProfile) -> list[Queue]:
    if agent.is_supervisor:
        return list(Queue.objects.filter(active=True))
    return list(agent.queues.filter(active=True))


def agents_of(queue: Queue) -> QuerySet[WithAnnotations[AgentProfile, AgentLoad]]:
    """The queue's agents with their current load (assigned conversations)."""
    return queue.agents.select_related("user").annotate(
        load=Count("conversations", filter=Q(conversations__status=Conversation.Status.ASSIGNED))
    )


@dataclass(frozen=True)
class QueueCapacity:
    """Who can serve a queue right now, for wait estimates."""

    free: int
    online: int
    handle_seconds: float

    def wait_minutes(self, position: int) -> tuple[int, int] | None:
        return wait_range_minutes(
            position=position,
            free_capacity=self.free,
            online_agents=self.online,
            handle_seconds=self.handle_seconds,
        )


def queue_schedule(queue: Queue | None, *, now: datetime) -> hours.Schedule:
    """The queue's week and its closures still to come (none: always open)."""
    if queue is None:
        return hours.Schedule()
    intervals = tuple(
        hours.Interval(weekday=h.weekday, opens=h.opens, closes=h.closes) for h in queue.hours.all()
    )
    closures = tuple(
        hours.Closure(starts=c.starts, ends=c.ends, label=c.label)
        for c in queue.closures.filter(ends__gt=now)
    )
    return hours.Schedule(time_zone=queue.time_zone, intervals=intervals, closures=closures)


def queue_open(queue: Queue, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return hours.is_open(queue_schedule(queue, now=now), now)


def queue_capacity(queue: Queue, *, now: datetime | None = None) -> QueueCapacity:
    """Who serves the queue now. Outside its hours nobody does, whoever is online: estimates,
    the handoff text and the alternatives then agree that the team is away."""
    if not queue_open(queue, now=now):
        return QueueCapacity(free=0, online=0, handle_seconds=DEFAULT_HANDLE_SECONDS)
    agents = list(agents_of(queue))
    online = presence.presence_online([a.pk for a in agents])
    free = sum(max(0, a.max_concurrent_chats - a.load) for a in agents if a.pk in online)
    return QueueCapacity(free=free, online=len(online), handle_seconds=handle_seconds_recent(queue))


def queue_wait_for_newcomer(*, target_queue: str, category: str) -> tuple[str, tuple | None]:
    """The queue a new escalation will wait in and its estimated wait (None: nobody online)."""
    queue = queue_for(target_queue=target_queue, category=category)
    try:
        position = waiting_line().depth(queue.slug) + 1
    except RedisUnavailable:
        position = conversations_waiting().filter(queue=queue).count() + 1
    return queue.slug, queue_capacity(queue).wait_minutes(position)


def queue_state_of(conversation: Conversation) -> dict | None:
    """Where a waiting conversation stands, as the widget's `queue` frame carries it
    ({"position", "wait_minutes", "text"}); None when it is not waiting (or Redis is down)."""
    if conversation.status != Conversation.Status.QUEUED or conversation.queue_id is None:
        return None
    try:
        position = waiting_line().position(str(conversation.public_id))
    except RedisUnavailable:
        return None
    if position is None:
        return None
    queue = Queue.objects.get(pk=conversation.queue_id)
    minutes = queue_capacity(queue).wait_minutes(position)
    return {
        "position": position,
        "wait_minutes": list(minutes) if minutes else None,
        "text": wait_phrase(position=position, minutes=minutes),
        "queue": queue.slug,
    }


def agent_load(agent: AgentProfile) -> int:
    return agent.conversations.filter(status=Conversation.Status.ASSIGNED).count()


def handle_seconds_recent(queue: Queue) -> float:
    """Median handle time of the last 50 resolved chats in the queue (or the default)."""
    rows = (
        Conversation.objects.filter(
            queue=queue, resolved_at__isnull=False, assigned_at__isnull=False
        )
        .order_by("-resolved_at")
        .values_list("assigned_at", "resolved_at")[:RECENT_CHATS]
    )
    return median_handle_seconds(
        [(done - start).total_seconds() for start, done in rows if start and done]
    )


def conversations_waiting() -> QuerySet[Conversation]:
    return Conversation.objects.filter(status=Conversation.Status.QUEUED).select_related("queue")


def waiting_entries() -> list[WaitingEntry]:
    """The database's waiting line, as the entries Redis mirrors (one query, no models)."""
    rows = conversations_waiting().values_list(
        "public_id", "queue__slug", "priority", "enqueued_at"
    )
    return [
        WaitingEntry(
            conversation_id=str(public_id),
            queue=queue or "general",
            priority=priority or "normal",
            enqueued_ms=int(enqueued_at.timestamp() * 1000) if enqueued_at else 0,
        )
        for public_id, queue, priority, enqueued_at in rows
    ]


def conversations_unanswered(*, assigned_before: datetime) -> QuerySet[Conversation]:
    """Assigned chats whose agent has not written since taking them, for too long."""
    agent_replied = Message.objects.filter(
        conversation=OuterRef("pk"),
        sender=Message.Sender.AGENT,
        created__gte=OuterRef("assigned_at"),
    )
    return (
        Conversation.objects.filter(
            status=Conversation.Status.ASSIGNED, assigned_at__lt=assigned_before
        )
        .filter(~Exists(agent_replied))
        .select_related("queue", "assigned_agent")
    )


def last_agent_of(conversation: Conversation) -> int | None:
    """The agent who last served this customer, for returning customers."""
    return (
        Conversation.objects.filter(
            customer_id=conversation.customer_id, assigned_agent__isnull=False
        )
        .exclude(pk=conversation.pk)
        .order_by("-assigned_at")
        .values_list("assigned_agent_id", flat=True)
        .first()
    )


def agents_transferred_away(conversation: Conversation) -> set[int]:
    """Agents who transferred this conversation to a queue during its current wait: auto-assign
    never hands it back to them (a later escalation of the same chat starts afresh)."""
    transfers = Message.objects.filter(
        conversation=conversation,
        created__gte=conversation.enqueued_at or conversation.created,
        sender=Message.Sender.SYSTEM,
        metadata__event="transferred",
        metadata__has_key="from_agent",
    ).values_list("metadata__from_agent", flat=True)
    return {int(agent_id) for agent_id in transfers}


def queues_status() -> list[dict]:
    """Depth, oldest wait and agents online per queue, from the waiting line and presence."""
    line, now_ms = waiting_line(), timezone.now().timestamp() * 1000
    rows = []
    for queue in Queue.objects.filter(active=True).prefetch_related("agents"):
        entries = line.entries(queue.slug, limit=1_000)
        agent_ids = [a.pk for a in queue.agents.all()]
        oldest_ms = min((e.enqueued_ms for e in entries), default=now_ms)
        rows.append(
            {
                "slug": queue.slug,
                "name": queue.name,
                "depth": line.depth(queue.slug),
                "oldest_wait_seconds": int((now_ms - oldest_ms) / 1000),
                "online": len(presence.presence_online(agent_ids)),
                "agents": len(agent_ids),
            }
        )
    return rows
