"""Reads for the console's pages: the queue panel, the supervisor's view, forms."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Min, Q, QuerySet, When, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

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
from agents.selectors.queue import agent_load, agents_of, queues_of
from conversations.models import Conversation
from escalation.models import Escalation
from escalation.selectors import escalations_unreviewed_count, sentiment_label

_ASSIGNED = Q(conversations__status=Conversation.Status.ASSIGNED)
_PRIORITY_RANK = Case(
    When(priority="urgent", then=0),
    When(priority="high", then=1),
    default=2,
    output_field=IntegerField(),
)


# --- the queue panel ----------------------------------------------------------------------
# Bounded: the first `rows_per_list()` rows of each queue plus its depth; "Show more" pages on
# with a cursor (the row's place in the sort order), so a moving queue never repeats or skips.

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def rows_per_list() -> int:
    """How many rows the console shows per queue and per supervisor list (then "Show more")."""
    return max(1, settings.CHATSY_CONSOLE_QUEUE_ROWS)


def _micros(moment: datetime | None) -> int:
    return (moment - _EPOCH) // _MICROSECOND if moment else 0


def _moment(micros: int) -> datetime:
    return _EPOCH + micros * _MICROSECOND


@dataclass(frozen=True)
class WaitingChat:
    conversation: Conversation
    escalation: Escalation | None

    @property
    def sentiment_now(self) -> float | None:
        """The visitor's mood in their latest message while waiting, else at the handoff."""
        if self.escalation is None:
            return None
        latest = self.escalation.waiting_sentiment
        return self.escalation.sentiment if latest is None else latest

    @property
    def sentiment_label(self) -> str:
        now = self.sentiment_now
        return "neutral" if now is None else sentiment_label(now)

    @property
    def public_id(self) -> str:
        return str(self.conversation.public_id)

    @property
    def cursor(self) -> str:
        """Where the row sorts (priority, wait, pk): "Show more" continues after it."""
        c = self.conversation
        rank = c.priority_rank  # type: ignore[attr-defined]  # annotated by _waiting_in
        return f"{rank}.{_micros(c.enqueued_at)}.{c.pk}"


@dataclass(frozen=True)
class QueueSection:
    queue: Queue
    rows: list[WaitingChat]  # the first rows (or the page asked for), in queue order
    depth: int  # everyone waiting in the queue
    oldest: datetime | None

    @property
    def hidden(self) -> int:
        return max(0, self.depth - len(self.rows))


@dataclass(frozen=True)
class QueuePanel:
    sections: list[QueueSection]
    load: int
    capacity: int
    limit: int

    @property
    def waiting(self) -> int:
        return sum(s.depth for s in self.sections)

    @property
    def at_capacity(self) -> bool:
        return self.load >= self.capacity


def _waiting_in(queues: Sequence[Queue]) -> QuerySet[Conversation]:
    """Waiting chats of these queues in queue order: urgent first, then the longest waiting."""
    return (
        Conversation.objects.filter(status=Conversation.Status.QUEUED, queue__in=queues)
        .select_related("customer__plan", "queue")
        .prefetch_related(newest_escalation())
        .annotate(priority_rank=_PRIORITY_RANK)
        .order_by("priority_rank", "enqueued_at", "pk")
    )


def _queue_stats(queues: Sequence[Queue]) -> dict[int, tuple[int, datetime | None]]:
    """(depth, oldest enqueued_at) per queue id, in one query."""
    rows = (
        Conversation.objects.filter(status=Conversation.Status.QUEUED, queue__in=queues)
        .order_by()
        .values("queue_id")
        .annotate(depth=Count("pk"), oldest=Min("enqueued_at"))
    )
    return {row["queue_id"]: (row["depth"], row["oldest"]) for row in rows}


def _waiting_chat(conversation: Conversation) -> WaitingChat:
    # Prefetch(to_attr=...) adds an attribute that no type declares.
    escalations = conversation.newest_escalations  # type: ignore[attr-defined]
    return WaitingChat(conversation, first(escalations))


def _sections(queues: Sequence[Queue], chats: Iterable[Conversation]) -> list[QueueSection]:
    stats = _queue_stats(queues)
    rows: dict[int | None, list[WaitingChat]] = {}
    for conversation in chats:
        rows.setdefault(conversation.queue_id, []).append(_waiting_chat(conversation))
    return [QueueSection(q, rows.get(q.pk, []), *stats.get(q.pk, (0, None))) for q in queues]


def queue_panel(*, agent: AgentProfile) -> QueuePanel:
    """Each of the agent's queues: its first rows, urgent first, then oldest; and its depth."""
    queues, limit = queues_of(agent), rows_per_list()
    place = Window(
        RowNumber(),
        partition_by=F("queue_id"),
        order_by=[F("priority_rank").asc(), F("enqueued_at").asc(), F("pk").asc()],
    )
    head = _waiting_in(queues).annotate(place=place).filter(place__lte=limit)
    return QueuePanel(
        sections=_sections(queues, head),
        load=agent_load(agent),
        capacity=agent.max_concurrent_chats,
        limit=limit,
    )


def cursor_parts(cursor: str, count: int) -> tuple[int, ...] | None:
    """The `count` whole numbers of a "1.2.3" cursor from the browser; None if it is not one
    (ASCII digits only, each of bounded length: a cursor is untrusted input)."""
    parts = cursor.split(".")
    if len(parts) != count or not all(p.isascii() and p.isdigit() and len(p) <= 17 for p in parts):
        return None
    return tuple(int(p) for p in parts)


def parse_queue_cursor(cursor: str) -> tuple[int, int, int] | None:
    """(rank, enqueued micros, pk) from a row's cursor; None if it is not one."""
    parts = cursor_parts(cursor, 3)
    return None if parts is None else (parts[0], parts[1], parts[2])


def queue_section(
    *, agent: AgentProfile, slug: str, after: tuple[int, int, int] | None = None
) -> QueueSection | None:
    """One of the agent's queues: the rows after `after` (else its first rows), its depth.
    None if the agent is not in that queue."""
    queue = next((q for q in queues_of(agent) if q.slug == slug), None)
    if queue is None:
        return None
    chats = _waiting_in([queue])
    if after is not None:
        rank, micros, pk = after
        since = _moment(micros)
        chats = chats.filter(
            Q(priority_rank__gt=rank)
            | Q(priority_rank=rank, enqueued_at__gt=since)
            | Q(priority_rank=rank, enqueued_at=since, pk__gt=pk)
        )
    return _sections([queue], chats[: rows_per_list()])[0]


def queue_still_waiting(*, queue: Queue, public_ids: Iterable[str]) -> set[str]:
    """Which of these chats still wait in the queue (pushed below its first rows, not gone)."""
    ids = list(public_ids)
    if not ids:
        return set()
    rows = Conversation.objects.filter(
        status=Conversation.Status.QUEUED, queue=queue, public_id__in=ids
    ).values_list("public_id", flat=True)
    return {str(public_id) for public_id in rows}


# --- the supervisor's view ----------------------------------------------------------------


@dataclass(frozen=True)
class AgentRow:
    agent: AgentProfile
    status: str
    load: int
    place: int  # 1-based place in the list: "Show more" continues after it

    @property
    def full(self) -> bool:
        return self.load >= self.agent.max_concurrent_chats


@dataclass(frozen=True)
class QueueRow:
    queue: Queue
    depth: int
    oldest: datetime | None
    online: int
    agents: int
    place: int


def _total(rows: Sequence, offset: int, everyone: QuerySet) -> int:
    """How long the whole list is: counted only when the page came back full."""
    return offset + len(rows) if len(rows) < rows_per_list() else everyone.count()


@dataclass(frozen=True)
class Page:
    """A bounded slice of a supervisor list and how long the whole list is."""

    rows: list
    total: int

    @property
    def limit(self) -> int:
        return rows_per_list()

    @property
    def hidden(self) -> int:
        return max(0, self.total - len(self.rows))


def agents_overview(*, offset: int = 0) -> Page:
    """Agents with presence, load and queues: `rows_per_list()` of them from `offset`."""
    everyone = AgentProfile.objects.order_by("user__first_name", "user__username", "pk")
    agents = list(
        everyone.select_related("user")
        .prefetch_related("queues")
        .annotate(load=Count("conversations", filter=_ASSIGNED))[offset : offset + rows_per_list()]
    )
    statuses = presence.presence_statuses([a.pk for a in agents])
    rows = [
        AgentRow(agent=a, status=statuses[a.pk], load=a.load, place=offset + i)
        for i, a in enumerate(agents, start=1)
    ]
    return Page(rows=rows, total=_total(agents, offset, everyone))


def queues_overview(*, offset: int = 0) -> Page:
    """Queues with depth and oldest wait (from the database) and agents online."""
    active = Queue.objects.filter(active=True).order_by("name", "pk")
    queues = list(active.prefetch_related("agents")[offset : offset + rows_per_list()])
    stats = _queue_stats(queues)
    members = {q.pk: [a.pk for a in q.agents.all()] for q in queues}
    online = presence.presence_online([pk for ids in members.values() for pk in ids])
    rows = [
        QueueRow(
            q,
            *stats.get(q.pk, (0, None)),
            online=sum(1 for pk in members[q.pk] if pk in online),
            agents=len(members[q.pk]),
            place=offset + i,
        )
        for i, q in enumerate(queues, start=1)
    ]
    return Page(rows=rows, total=_total(queues, offset, active))


@dataclass(frozen=True)
class SupervisorOverview:
    queues: Page
    agents: Page


@dataclass(frozen=True)
class SupervisorPage:
    overview: SupervisorOverview
    conversations: Page
    unreviewed: int = 0  # resolved escalations without the agent's verdict


def supervisor_overview() -> SupervisorOverview:
    """The first queues (depth, oldest wait, agents online) and agents (status, load)."""
    return SupervisorOverview(queues=queues_overview(), agents=agents_overview())


def conversation_cursor(conversation: Conversation) -> str:
    return f"{_micros(conversation.updated)}.{conversation.pk}"


# The supervisor's live list: a chat ends as resolved, closed or a ticket, and a bot chat
# counts as live while its visitor wrote within this window.
LIVE_STATUSES = (
    Conversation.Status.BOT,
    Conversation.Status.QUEUED,
    Conversation.Status.ASSIGNED,
)
LIVE_BOT_IDLE = timedelta(minutes=30)


def live_conversations(*, before: str | None = None) -> Page | None:
    """Live conversations, latest activity first: waiting or with an agent, or with the bot
    and active in the last `LIVE_BOT_IDLE` (a bot chat is never closed; its visitor just
    leaves). The first ones, or those after the `before` cursor (a row's
    `conversation_cursor`); None for a cursor that is not one. The History has the rest."""
    everyone = Conversation.objects.filter(
        Q(status__in=(Conversation.Status.QUEUED, Conversation.Status.ASSIGNED))
        | Q(status=Conversation.Status.BOT, updated__gte=timezone.now() - LIVE_BOT_IDLE)
    )
    rows = (
        everyone.select_related("customer", "site")
        .annotate(message_count=Count("messages"))
        .order_by("-updated", "-pk")
    )
    if before is not None:
        parts = cursor_parts(before, 2)
        if parts is None:
            return None
        updated, pk = _moment(parts[0]), parts[1]
        rows = rows.filter(Q(updated__lt=updated) | Q(updated=updated, pk__lt=pk))
    page = list(rows[: rows_per_list()])
    return Page(rows=page, total=_total(page, 0, everyone) if before is None else everyone.count())


def supervisor_page() -> SupervisorPage:
    """The overview and the latest conversations, which a supervisor can observe or join."""
    conversations = live_conversations()
    assert conversations is not None
    return SupervisorPage(
        overview=supervisor_overview(),
        conversations=conversations,
        unreviewed=escalations_unreviewed_count(),
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
    current: Queue | None = None  # the chat's own queue: labelled as such in the dialog


def transfer_targets(*, conversation: Conversation, agent: AgentProfile) -> TransferTargets:
    """Any active queue (the chat's own first: back in its line for a colleague), or a
    colleague in the chat's queue who is online and has room."""
    queues = sorted(Queue.objects.filter(active=True), key=lambda q: q.pk != conversation.queue_id)
    colleagues = []
    if conversation.queue is not None:
        candidates = [
            a
            for a in agents_of(conversation.queue)
            if a.pk != agent.pk and a.load < a.max_concurrent_chats
        ]
        online = presence.presence_online([a.pk for a in candidates])
        colleagues = [a for a in candidates if a.pk in online]
    current = conversation.queue if conversation.queue in queues else None  # offered only if active
    return TransferTargets(queues=queues, agents=colleagues, current=current)
