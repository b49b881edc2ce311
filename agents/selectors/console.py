"""Reads for the console's pages: the queue panel, the supervisor's view, forms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, Count, IntegerField, Q, When

from agents import presence
from agents.models import AgentProfile, Queue
from agents.selectors.chats import (
    CannedReplyRow,
    ChatView,
    canned_replies,
    first,
    newest_escalation,
    workspace_chats,
)
from agents.selectors.queue import agent_load, agents_of, queues_of, queues_status
from conversations.models import Conversation
from conversations.selectors import conversations_for_console
from escalation.models import Escalation
from escalation.selectors import sentiment_label

_ASSIGNED = Q(conversations__status=Conversation.Status.ASSIGNED)
_PRIORITY_RANK = Case(
    When(priority="urgent", then=0),
    When(priority="high", then=1),
    default=2,
    output_field=IntegerField(),
)


# --- the queue panel ----------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingChat:
    conversation: Conversation
    escalation: Escalation | None

    @property
    def sentiment_label(self) -> str:
        return sentiment_label(self.escalation.sentiment) if self.escalation else "neutral"


@dataclass(frozen=True)
class QueueSection:
    queue: Queue
    rows: list[WaitingChat]

    @property
    def oldest(self) -> datetime | None:
        return min(
            (r.conversation.enqueued_at for r in self.rows if r.conversation.enqueued_at),
            default=None,
        )


@dataclass(frozen=True)
class QueuePanel:
    sections: list[QueueSection]
    load: int
    capacity: int

    @property
    def waiting(self) -> int:
        return sum(len(s.rows) for s in self.sections)

    @property
    def at_capacity(self) -> bool:
        return self.load >= self.capacity


def queue_panel(*, agent: AgentProfile) -> QueuePanel:
    """Each of the agent's queues with its waiting chats, urgent first, then oldest first."""
    queues = queues_of(agent)
    waiting = (
        Conversation.objects.filter(status=Conversation.Status.QUEUED, queue__in=queues)
        .select_related("customer__plan", "queue")
        .prefetch_related(newest_escalation())
        .annotate(priority_rank=_PRIORITY_RANK)
        .order_by("priority_rank", "enqueued_at", "pk")
    )
    rows: dict[int | None, list[WaitingChat]] = {}
    for conversation in waiting:
        # Prefetch(to_attr=...) adds an attribute that no type declares.
        escalations = conversation.newest_escalations  # type: ignore[attr-defined]
        rows.setdefault(conversation.queue_id, []).append(
            WaitingChat(conversation, first(escalations))
        )
    return QueuePanel(
        sections=[QueueSection(queue=q, rows=rows.get(q.pk, [])) for q in queues],
        load=agent_load(agent),
        capacity=agent.max_concurrent_chats,
    )


# --- the supervisor's view ----------------------------------------------------------------


@dataclass(frozen=True)
class AgentRow:
    agent: AgentProfile
    status: str
    load: int

    @property
    def full(self) -> bool:
        return self.load >= self.agent.max_concurrent_chats


def agents_overview() -> list[AgentRow]:
    """Every agent with presence, load and queues."""
    agents = list(
        AgentProfile.objects.select_related("user")
        .prefetch_related("queues")
        .annotate(load=Count("conversations", filter=_ASSIGNED))
        .order_by("user__first_name", "user__username")
    )
    statuses = presence.presence_statuses([a.pk for a in agents])
    return [AgentRow(agent=a, status=statuses[a.pk], load=a.load) for a in agents]


@dataclass(frozen=True)
class SupervisorOverview:
    queues: list[dict]
    agents: list[AgentRow]


@dataclass(frozen=True)
class SupervisorPage:
    overview: SupervisorOverview
    conversations: list[Conversation]


def supervisor_overview() -> SupervisorOverview:
    """Every queue (depth, oldest wait, agents online) and every agent (status, load)."""
    return SupervisorOverview(queues=queues_status(), agents=agents_overview())


def supervisor_page() -> SupervisorPage:
    """The overview and the live conversations, which a supervisor can observe or join."""
    return SupervisorPage(
        overview=supervisor_overview(), conversations=list(conversations_for_console())
    )


# --- pages and forms ----------------------------------------------------------------------


@dataclass(frozen=True)
class PresenceToggle:
    status: str
    choices = (("online", "Online"), ("away", "Away"), ("offline", "Offline"))


def presence_toggle(*, agent: AgentProfile) -> PresenceToggle:
    return PresenceToggle(status=presence.presence_get(agent.pk))


@dataclass(frozen=True)
class ConsolePage:
    agent: AgentProfile
    panel: QueuePanel
    chats: list[ChatView]
    presence_toggle: PresenceToggle
    canned: list[CannedReplyRow]


def console_page(*, agent: AgentProfile) -> ConsolePage:
    return ConsolePage(
        agent=agent,
        panel=queue_panel(agent=agent),
        chats=workspace_chats(agent=agent),
        presence_toggle=presence_toggle(agent=agent),
        canned=canned_replies(),
    )


@dataclass(frozen=True)
class TransferTargets:
    queues: list[Queue]
    agents: Sequence[AgentProfile]


def transfer_targets(*, conversation: Conversation, agent: AgentProfile) -> TransferTargets:
    """Any active queue, or a colleague in the chat's queue who is online and has room."""
    queues = list(Queue.objects.filter(active=True))
    colleagues = []
    if conversation.queue is not None:
        candidates = [
            a
            for a in agents_of(conversation.queue)
            if a.pk != agent.pk and a.load < a.max_concurrent_chats
        ]
        online = presence.presence_online([a.pk for a in candidates])
        colleagues = [a for a in candidates if a.pk in online]
    return TransferTargets(queues=queues, agents=colleagues)
