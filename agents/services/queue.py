"""Writes for the agent queue: enqueue, claim, requeue, presence, rebuild and reconcile.

The database is the final judge of who owns a conversation (conditional UPDATEs); Redis is
the fast waiting line (agents.waiting_queue) and is repaired from the database whenever it
drifts or comes back empty.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agents import presence, selectors
from agents.models import AgentProfile, ChatParticipant, Queue
from agents.services.console_events import (
    chat_closed_on_commit,
    chat_opened_on_commit,
    presence_changed_on_commit,
    supervisors_refresh_on_commit,
)
from agents.services.positions import queue_positions_broadcast
from agents.services.waiting_rows import conversation_waiting_update
from agents.waiting_queue import WaitingEntry, waiting_line
from chatsy import events, realtime
from chatsy.redis import RedisUnavailable, redis_counter_next, redis_mark_once
from conversations import lifecycle
from conversations.models import Conversation
from conversations.selectors import agent_joined_announced
from conversations.services import message_post_system
from escalation.services import escalation_record_assigned

logger = logging.getLogger(__name__)

FOLLOW_UP_WHEN_QUEUE_DOWN = (
    "A member of our team will follow up with you here as soon as possible. "
    "You can keep this page open or come back later — the conversation will be waiting."
)


class AlreadyTaken(Exception):
    """Another agent claimed the conversation first (or it is no longer waiting)."""


class AtCapacity(Exception):
    """The agent already holds their maximum number of concurrent chats."""


class NotInYourQueues(Exception):
    """The conversation waits in a queue the agent is not a member of."""


# --- joining the line ---------------------------------------------------------------------


class QueueRouting:
    """escalation.routing.Routing: where an escalation waits. Installed in AgentsConfig.ready."""

    def wait_for_newcomer(
        self, *, target_queue: str, category: str
    ) -> tuple[str, tuple[int, int] | None]:
        return selectors.queue_wait_for_newcomer(target_queue=target_queue, category=category)

    def route(
        self, *, conversation: Conversation, target_queue: str, category: str, priority: str
    ) -> None:
        conversation_enqueue(
            conversation=conversation,
            target_queue=target_queue,
            category=category,
            priority=priority,
        )

    def queue_choices(self) -> list[tuple[str, str]]:
        return selectors.queue_choices()

    def queue_state(self, *, conversation: Conversation) -> dict | None:
        return selectors.queue_state_of(conversation)

    def leave(self, *, conversation: Conversation) -> None:
        conversation_leave_line(conversation=conversation)

    def waiting_changed(self, *, conversation: Conversation, priority: str) -> None:
        conversation_waiting_update(conversation=conversation, priority=priority)


def conversation_leave_line(*, conversation: Conversation) -> None:
    """The conversation stopped waiting without an agent (the visitor cancelled): out of
    Redis's line once the transaction commits; the ones behind move up."""
    public_id = str(conversation.public_id)

    def leave() -> None:
        try:
            waiting_line().remove(public_id)
        except RedisUnavailable:  # queue_reconcile drops it later: the database says so
            logger.warning("queue unreachable; %s stays mirrored until reconcile", public_id)

    transaction.on_commit(leave)
    queue_watchers_on_commit(conversation)


def conversation_enqueue(
    *, conversation: Conversation, target_queue: str, category: str, priority: str
) -> Queue:
    """Record the queue in the database now; mirror it in Redis once the transaction commits."""
    queue = selectors.queue_for(target_queue=target_queue, category=category)
    enqueued_at = conversation.enqueued_at or timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(
        queue=queue, priority=priority, enqueued_at=enqueued_at
    )
    conversation.queue, conversation.priority, conversation.enqueued_at = (
        queue,
        priority,
        enqueued_at,
    )
    entry = _entry(conversation)
    transaction.on_commit(lambda: _mirror_enqueue(conversation, entry))
    return queue


def _mirror_enqueue(conversation: Conversation, entry: WaitingEntry) -> None:
    if not Conversation.objects.filter(
        pk=conversation.pk, status=Conversation.Status.QUEUED
    ).exists():
        return  # Claimed in the same transaction (a supervisor's takeover): nothing to mirror.
    try:
        waiting_line().enqueue(entry)
    except RedisUnavailable:
        logger.exception(
            "queue unreachable; conversation %s waits in the database only", conversation.pk
        )
        message_post_system(
            conversation=conversation,
            body=FOLLOW_UP_WHEN_QUEUE_DOWN,
            metadata={"event": "queue_down"},
        )
        return
    assert conversation.queue is not None  # set by the enqueue that scheduled this
    queue_changed(conversation.queue)


def queue_changed(queue: Queue) -> None:
    """After the line moved: auto-assign, tell every waiting visitor their place, alert agents."""
    if queue.routing == Queue.Routing.AUTO:
        queue_auto_assign(queue=queue)
    queue_positions_broadcast(queue=queue)
    realtime.group_send(realtime.queue_group(queue.slug), events.queue_changed(queue=queue.slug))


# --- claiming -----------------------------------------------------------------------------


@transaction.atomic
def conversation_claim(*, agent: AgentProfile, public_id: str, opened: bool = True) -> Conversation:
    """Take one waiting conversation. Raises AlreadyTaken for the loser of a race and
    NotInYourQueues for a conversation in a queue the agent does not serve. `opened`: the
    agent took it from their console and is looking at it (auto-assign is not: the visitor
    hears "joined" once their console opens the chat, conversation_mark_opened)."""
    conversation = Conversation.objects.select_related("queue").filter(public_id=public_id).first()
    if conversation is None:
        raise AlreadyTaken("That conversation is not waiting in your queues.")
    if conversation.queue not in selectors.queues_of(agent):
        raise NotInYourQueues("That conversation is not waiting in your queues.")
    _check_capacity(agent)
    try:
        waiting_line().claim(str(public_id))
    except RedisUnavailable:
        logger.warning("queue unreachable during claim; the database decides")
    return _assign(conversation, agent, opened=opened)


@transaction.atomic
def conversation_claim_next(*, agent: AgentProfile) -> Conversation | None:
    """Take the first conversation waiting in any of the agent's queues, or None."""
    _check_capacity(agent)
    queues = selectors.queues_of(agent)
    slugs = [q.slug for q in queues]
    for _ in range(10):  # Skip entries the database no longer has waiting (drift).
        try:
            entry = waiting_line().claim_next(slugs)
        except RedisUnavailable:
            entry = None
            fallback = (
                selectors.conversations_waiting()
                .filter(queue__in=queues)
                .order_by("enqueued_at")
                .first()
            )
            if fallback is None:
                return None
            public_id = str(fallback.public_id)
        else:
            if entry is None:
                return None
            public_id = entry.conversation_id
        conversation = (
            Conversation.objects.select_related("queue").filter(public_id=public_id).first()
        )
        if conversation is None:
            continue
        try:
            return _assign(conversation, agent)
        except AlreadyTaken:
            continue
    return None


def _check_capacity(agent: AgentProfile) -> None:
    if selectors.agent_load(agent) >= agent.max_concurrent_chats:
        raise AtCapacity(f"You already have {agent.max_concurrent_chats} chats open.")


def _assign(
    conversation: Conversation, agent: AgentProfile, *, opened: bool = True
) -> Conversation:
    """queued → assigned. The row is locked first, so the loser of a race writes nothing."""
    if lifecycle.conversation_lock(conversation=conversation) != Conversation.Status.QUEUED:
        raise AlreadyTaken("Another agent already took this conversation.")
    now = timezone.now()  # before the message: it counts as posted during this assignment
    if opened:
        _post_joined(conversation, agent)  # before the status, as the visitor reads it
    escalation_record_assigned(conversation=conversation, agent=agent, at=now)
    lifecycle.conversation_assign(conversation=conversation, agent=agent, at=now)
    queue_watchers_on_commit(conversation)
    chat_opened_on_commit(conversation, agent.pk)
    return conversation


@transaction.atomic
def conversation_mark_opened(*, agent: AgentProfile, public_id: str) -> bool:
    """The assigned agent's console shows the chat: the visitor reads "<name> joined", once
    per assignment (a reload or a second tab posts nothing more). True if it was posted."""
    conversation = Conversation.objects.select_for_update().filter(public_id=public_id).first()
    if (
        conversation is None
        or conversation.status != Conversation.Status.ASSIGNED
        or conversation.assigned_agent_id != agent.pk
    ):
        return False
    return _announce_joined(conversation, agent)


def _announce_joined(conversation: Conversation, agent: AgentProfile) -> bool:
    if agent_joined_announced(conversation=conversation):
        return False
    _post_joined(conversation, agent)
    return True


def _post_joined(conversation: Conversation, agent: AgentProfile) -> None:
    message_post_system(
        conversation=conversation,
        body=f"{agent.name} joined the chat.",
        metadata={"event": "agent_joined", "agent": agent.name, "agent_id": agent.pk},
    )


# --- leaving an agent ---------------------------------------------------------------------


@transaction.atomic
def conversation_requeue(*, conversation: Conversation, reason: str) -> bool:
    """Back to the front of its queue (it keeps its original enqueue time).

    Returns False if the conversation was not assigned.
    """
    if lifecycle.conversation_lock(conversation=conversation) != Conversation.Status.ASSIGNED:
        return False
    conversation.refresh_from_db()
    leaving = [conversation.assigned_agent_id, *participants_clear(conversation=conversation)]
    message_post_system(
        conversation=conversation,
        body="You're back at the front of the line; the next available person will pick this up.",
        metadata={"event": "requeued", "reason": reason},
    )
    line_mirror_on_commit(conversation)
    lifecycle.conversation_requeue(conversation=conversation)
    queue_watchers_on_commit(conversation)
    chat_closed_on_commit(conversation, leaving)
    return True


def line_mirror_on_commit(conversation: Conversation) -> None:
    """Put the conversation (back) in Redis's waiting line once the transaction commits, as
    the transaction left it (a transfer moves it to another queue after calling this)."""
    transaction.on_commit(lambda: _mirror_enqueue(conversation, _entry(conversation)))


def participants_clear(*, conversation: Conversation) -> list[int]:
    """Supervisors who joined leave with the chat's agent; observers keep watching."""
    joined = ChatParticipant.objects.filter(
        conversation=conversation, role=ChatParticipant.Role.JOINED
    )
    agent_ids = list(joined.values_list("agent_id", flat=True))
    joined.delete()
    return agent_ids


def agent_presence_update(*, agent: AgentProfile, status: str) -> int:
    """Set an agent's presence. Going offline returns their chats to the front of their queues."""
    if status not in presence.STATUSES:
        raise ValueError(f"unknown presence status {status!r}")
    presence.presence_set(agent.pk, status)
    presence_changed_on_commit(agent.pk, status)
    if status == "offline":
        return agent_release_chats(agent_id=agent.pk, reason="agent_offline")
    if status == "online":
        for queue in selectors.queues_of(agent):
            if queue.routing == Queue.Routing.AUTO:
                queue_auto_assign(queue=queue)
    return 0


def agent_console_connected(*, agent: AgentProfile, connection_id: str) -> None:
    """A console socket opened. The first one makes an online agent available again: waiting
    chats in their auto queues may go to them, and the waits shown to visitors shorten."""
    if presence.presence_console_beat(agent.pk, connection_id) == 1:
        _availability_changed(agent)


def agent_console_disconnected(*, agent: AgentProfile, connection_id: str) -> None:
    """A console socket closed. With the last one gone the agent is unavailable at once (no
    auto-assign, not counted in waits); the chats they hold stay theirs for the presence TTL
    (a reload reconnects well within it), after which queue_sla_watch returns them to the line."""
    if presence.presence_console_close(agent.pk, connection_id) == 0:
        _availability_changed(agent)


def _availability_changed(agent: AgentProfile) -> None:
    """Supervisors' counts and visitors' estimates change; the agent's own console does not."""
    supervisors_refresh_on_commit()
    for queue in selectors.queues_of(agent):
        if queue.routing == Queue.Routing.AUTO:
            queue_auto_assign(queue=queue)
        try:
            queue_positions_broadcast(queue=queue)
        except RedisUnavailable:
            logger.warning("queue unreachable; positions for %s not pushed", queue.slug)


def agent_release_chats(*, agent_id: int, reason: str) -> int:
    chats = Conversation.objects.filter(
        assigned_agent_id=agent_id, status=Conversation.Status.ASSIGNED
    )
    return sum(conversation_requeue(conversation=c, reason=reason) for c in chats)


# --- auto-assignment ----------------------------------------------------------------------


def queue_auto_assign(*, queue: Queue) -> int:
    """Hand waiting chats to the least-loaded available agents under capacity (round-robin
    ties): online with a console open (agents.presence)."""
    assigned = 0
    if not presence.presence_online(list(queue.agents.values_list("pk", flat=True))):
        return 0  # nobody available: no need to look at the line
    if not selectors.queue_open(queue):
        return 0  # after hours the visitors were offered a ticket; agents may still claim
    for entry in waiting_line().entries(queue.slug, limit=50):
        conversation = Conversation.objects.filter(public_id=entry.conversation_id).first()
        if conversation is None:
            continue
        agent, room = _pick_agent(queue, conversation)
        if agent is None:
            if not room:
                break  # every available agent is full: the rest of the line waits too
            continue  # only an agent who transferred this chat away has room: try the next
        try:
            conversation_claim(agent=agent, public_id=entry.conversation_id, opened=False)
            assigned += 1
        except (AlreadyTaken, AtCapacity):
            continue
    return assigned


def _pick_agent(queue: Queue, conversation: Conversation) -> tuple[AgentProfile | None, bool]:
    """An available agent with room, never one who transferred this chat away; a returning
    customer gets the agent who served them last when that agent qualifies. Second: whether
    any available agent has room at all (False: no later chat in the line can be assigned)."""
    with_room = [a for a in selectors.agents_of(queue) if a.load < a.max_concurrent_chats]
    available = presence.presence_online([a.pk for a in with_room])
    if not available:
        return None, False
    transferred_away = selectors.agents_transferred_away(conversation)
    eligible = [a for a in with_room if a.pk in available and a.pk not in transferred_away]
    if not eligible:
        return None, True
    previous = selectors.last_agent_of(conversation)
    returning = next((a for a in eligible if a.pk == previous), None)
    if returning is not None:
        return returning, True
    least = min(a.load for a in eligible)
    tied = sorted((a for a in eligible if a.load == least), key=lambda a: a.pk)
    turn = redis_counter_next("rr", queue.slug)
    return tied[turn % len(tied)], True


# --- rebuild, reconcile, watch ------------------------------------------------------------


def queue_rebuild() -> int:
    """Make Redis's waiting line exactly the database's. Returns how many are waiting."""
    entries = selectors.waiting_entries()
    waiting_line().replace_all(entries)
    return len(entries)


def queue_reconcile() -> tuple[int, int]:
    """Fix drift both ways without disturbing entries that agree. Returns (added, removed)."""
    line = waiting_line()
    truth = {e.conversation_id: e for e in selectors.waiting_entries()}
    mirrored = {e.conversation_id: e for e in line.all_entries()}
    added = removed = 0
    for public_id, expected in truth.items():
        if mirrored.get(public_id) != expected:
            line.enqueue(expected)
            added += 1
    for public_id in mirrored.keys() - truth.keys():
        removed += line.remove(public_id)
    return added, removed


def queue_sla_watch(*, now: datetime | None = None) -> dict[str, int]:
    """Expired presence, unanswered assigned chats, and waits past the queue's maximum."""
    now = now or timezone.now()
    released = sum(
        agent_release_chats(agent_id=agent_id, reason="presence_expired")
        for agent_id in presence.presence_expired(now=now.timestamp())
    )
    timeout = timedelta(seconds=settings.CHATSY_AGENT_REPLY_TIMEOUT_SECONDS)
    reassigned = sum(
        conversation_requeue(conversation=c, reason="agent_no_reply")
        for c in selectors.conversations_unanswered(assigned_before=now - timeout)
    )
    return {"released": released, "reassigned": reassigned, "over_max_wait": _flag_long_waits(now)}


def _flag_long_waits(now: datetime) -> int:
    flagged = 0
    for conversation in selectors.conversations_waiting():
        limit = conversation.queue.max_wait_seconds if conversation.queue else 600
        waited = (now - conversation.enqueued_at).total_seconds() if conversation.enqueued_at else 0
        # Once per wait (SET NX): the alternatives offer (callback, email…) listens for this.
        if waited > limit and redis_mark_once(
            "max-wait", str(conversation.public_id), ttl_seconds=86400
        ):
            realtime.group_send(
                realtime.conversation_group(conversation.public_id),
                events.queue_max_wait_exceeded(
                    queue=conversation.queue.slug if conversation.queue else ""
                ),
            )
            flagged += 1
    return flagged


def _entry(conversation: Conversation) -> WaitingEntry:
    return WaitingEntry(
        conversation_id=str(conversation.public_id),
        queue=conversation.queue.slug if conversation.queue else "general",
        priority=conversation.priority or "normal",
        enqueued_ms=int((conversation.enqueued_at or timezone.now()).timestamp() * 1000),
    )


def queue_watchers_on_commit(conversation: Conversation) -> None:
    """After a move in or out of a queue (the lifecycle sends the status): supervisors, the
    waiting visitors' places, the queue's watchers."""
    supervisors_refresh_on_commit()
    if conversation.queue is not None:
        queue = conversation.queue
        transaction.on_commit(lambda: _queue_changed_quietly(queue))


def _queue_changed_quietly(queue: Queue) -> None:
    try:
        queue_positions_broadcast(queue=queue)
        realtime.group_send(
            realtime.queue_group(queue.slug), events.queue_changed(queue=queue.slug)
        )
    except RedisUnavailable:
        logger.warning("queue unreachable; positions for %s not pushed", queue.slug)
