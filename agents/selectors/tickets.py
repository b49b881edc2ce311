"""Reads for alternatives to waiting and tickets: a queue's business hours as a pure Schedule,
what the waiting visitor is offered (and why), and the console's ticket lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Case, QuerySet, Value, When

from agents import hours
from agents.models import AgentProfile, Ticket
from agents.selectors.access import served_by
from agents.selectors.queue import queue_capacity, queue_schedule
from agents.waiting_queue import waiting_line
from chatsy.redis import RedisUnavailable
from conversations.models import Conversation, Message
from escalation import copy
from escalation.models import Escalation

SLOT_DAYS = 5


@dataclass(frozen=True)
class Situation:
    """Why the visitor should be offered alternatives now, if at all."""

    reason: str | None  # closed · nobody · long_wait · None (no reason to offer)
    schedule: hours.Schedule
    opens_at: datetime | None  # the next opening (now, when open)
    minutes: tuple[int, int] | None


def queue_situation(*, conversation: Conversation, now: datetime) -> Situation:
    queue = conversation.queue
    schedule = queue_schedule(queue, now=now)
    opens_at = hours.next_opening(schedule, now)
    if not hours.is_open(schedule, now):
        return Situation("closed", schedule, opens_at, None)
    if queue is None:
        return Situation(None, schedule, opens_at, None)
    capacity = queue_capacity(queue)
    if capacity.online <= 0:
        return Situation("nobody", schedule, opens_at, None)
    try:
        entries = waiting_line().entries(queue.slug)
        ids = [e.conversation_id for e in entries]
        position = (
            ids.index(str(conversation.public_id)) + 1
            if str(conversation.public_id) in ids
            else len(ids) + 1
        )
    except RedisUnavailable:
        position = 1
    minutes = capacity.wait_minutes(position)
    if minutes is not None and minutes[1] > queue.alternatives_after_minutes:
        return Situation("long_wait", schedule, opens_at, minutes)
    return Situation(None, schedule, opens_at, minutes)


def alternatives_frame(
    *, conversation: Conversation, visitor_zone: str | None, now: datetime, reason: str | None
) -> dict[str, Any] | None:
    """The widget's `alternatives` frame for a waiting conversation. `reason` None: only if
    the situation calls for it (closed, nobody there, a long estimate); else the given reason
    (max_wait, requested), unless closed or nobody there, which always say so."""
    if conversation.status != Conversation.Status.QUEUED:
        return None
    situation = queue_situation(conversation=conversation, now=now)
    if situation.reason in ("closed", "nobody") or reason is None:
        reason = situation.reason
    if reason is None:
        return None
    zone = hours.zone_or_utc(visitor_zone).key
    back = (
        hours.back_at(situation.opens_at, visitor_zone=zone, now=now)
        if situation.opens_at
        else "as soon as we can"
    )
    offline = reason in ("closed", "nobody")
    kinds = ["after_hours"] if offline else ["callback", "email", "scheduled_call", "message"]
    if not offline and not _slots(situation.schedule, now):
        kinds.remove("scheduled_call")
    minutes = situation.minutes[1] if situation.minutes else 0
    return {
        "type": "alternatives",
        "reason": reason,
        "text": copy.ALTERNATIVES_INTRO[reason].format(back=back, minutes=minutes),
        "open": reason != "closed",
        "back": back,
        "time_zone": zone,
        "options": [{"kind": k, "label": copy.ALTERNATIVE_LABELS[k]} for k in kinds],
        "windows": [{"id": k, "label": v} for k, v in copy.CALLBACK_WINDOWS.items()],
        "slots": [
            {"value": _iso(s), "label": hours.slot_label(s, visitor_zone=zone)}
            for s in (_slots(situation.schedule, now) if "scheduled_call" in kinds else [])
        ],
    }


def call_slots_for(*, conversation: Conversation, now: datetime) -> list[datetime]:
    return _slots(queue_schedule(conversation.queue, now=now), now)


def _slots(schedule: hours.Schedule, now: datetime) -> list[datetime]:
    # Hourly slots keep the list short enough for a select on a phone.
    return hours.call_slots(schedule, now, days=SLOT_DAYS, minutes=60)


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def tickets_visible(*, agent: AgentProfile) -> QuerySet[Ticket]:
    """The tickets an agent may list, read and act on: those of the queues they serve (and any
    assigned to them); a supervisor, all. Like chats, another queue's ticket is not there."""
    tickets = Ticket.objects.select_related(
        "conversation__customer", "assigned_agent__user", "queue"
    )
    rule = served_by(agent=agent)
    return tickets if rule is None else tickets.filter(rule)


# Urgent, then high, then normal: the order an agent should call back in.
PRIORITY_RANK = Case(
    When(priority=Ticket.Priority.URGENT, then=Value(0)),
    When(priority=Ticket.Priority.HIGH, then=Value(1)),
    default=Value(2),
)


def tickets_for(
    *, agent: AgentProfile, state: str = "open", mine: bool = False
) -> QuerySet[Ticket]:
    """The console's list: open or done (or all), optionally only the agent's own; open first,
    then urgent and high before normal, then the soonest follow-up."""
    tickets = tickets_visible(agent=agent)
    if state in Ticket.State.values:
        tickets = tickets.filter(state=state)
    if mine:
        tickets = tickets.filter(assigned_agent=agent)
    return tickets.order_by("state", PRIORITY_RANK, "follow_up_due", "created")


def ticket_get(*, agent: AgentProfile, ticket_id: int) -> Ticket | None:
    """The ticket if the agent may see it (tickets_visible), else None: the views' 404."""
    return tickets_visible(agent=agent).filter(pk=ticket_id).first()


def sensitive_escalations(conversation_ids: list[int]) -> dict[int, Escalation]:
    """Each conversation's latest escalation for a sensitive topic (the bot stays out of those
    conversations), for the console's marker; one query."""
    latest: dict[int, Escalation] = {}
    rows = (
        Escalation.objects.filter(conversation_id__in=conversation_ids)
        .exclude(sensitive_topic="")
        .order_by("conversation_id", "-created", "-pk")
    )
    for escalation in rows:
        latest.setdefault(escalation.conversation_id, escalation)
    return latest


# --- the console ----------------------------------------------------------------------------


def agent_zone(agent: AgentProfile) -> str:
    return hours.zone_or_utc(agent.time_zone or settings.TIME_ZONE).key


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    due: str  # the follow-up time in the agent's zone
    requested: str  # the requested call time in the agent's zone, or ""
    escalation: Escalation | None = None  # a sensitive one: the console's marker


@dataclass(frozen=True)
class TicketsPage:
    rows: list[TicketRow]
    state: str
    mine: bool
    zone: str
    open_count: int


def _local(moment: datetime | None, zone: str) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(hours.zone_or_utc(zone))
    return f"{hours.slot_day(local)}, {hours.clock(local)} {local.tzname()}"


TICKETS_SHOWN = 200


def tickets_page(*, agent: AgentProfile, state: str, mine: bool) -> TicketsPage:
    zone = agent_zone(agent)
    tickets = list(tickets_for(agent=agent, state=state, mine=mine)[:TICKETS_SHOWN])
    sensitive = sensitive_escalations([t.conversation_id for t in tickets])
    rows = [
        TicketRow(
            t,
            _local(t.follow_up_due, zone),
            _local(t.requested_time, zone),
            sensitive.get(t.conversation_id),
        )
        for t in tickets
    ]
    open_count = tickets_visible(agent=agent).filter(state=Ticket.State.OPEN).count()
    return TicketsPage(rows=rows, state=state, mine=mine, zone=zone, open_count=open_count)


@dataclass(frozen=True)
class TicketDetail:
    ticket: Ticket
    row: TicketRow
    messages: list[Message]
    replies: list[Any]
    visitor_requested: str  # the requested time as the visitor saw it
    window: str  # a callback's preferred window, in words
    mine: bool


def ticket_detail(*, agent: AgentProfile, ticket_id: int) -> TicketDetail | None:
    ticket = ticket_get(agent=agent, ticket_id=ticket_id)
    if ticket is None:
        return None
    zone = agent_zone(agent)
    row = TicketRow(
        ticket,
        _local(ticket.follow_up_due, zone),
        _local(ticket.requested_time, zone),
        sensitive_escalations([ticket.conversation_id]).get(ticket.conversation_id),
    )
    return TicketDetail(
        ticket=ticket,
        row=row,
        messages=list(ticket.conversation.messages.order_by("seq")[:500]),
        replies=list(ticket.replies.select_related("author__user")),
        visitor_requested=_local(ticket.requested_time, ticket.visitor_time_zone),
        window=copy.CALLBACK_WINDOWS.get(ticket.preferred_window, ticket.preferred_window),
        mine=ticket.assigned_agent_id == agent.pk,
    )
