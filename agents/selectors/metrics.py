"""Escalation metrics over the database (docs/dashboard.md has every definition).

Everything is aggregated in SQL (conditional counts, one row per query): a period costs the
same handful of queries over ten conversations or a hundred thousand. The arithmetic on the
counts (percentiles, bands, trends) is pure: agents.metrics_math.

    metrics = period_metrics(filters=MetricsFilters(start=…, end=…, time_zone="Europe/Berlin"))

is the API the dashboard and the weekly review share.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Least
from django.utils import timezone

from agents.metrics_math import (
    TIME_TO_HUMAN_EDGES,
    TWO_MINUTES,
    percentile_from_buckets,
    ratio,
    time_to_human_bucket,
)
from agents.models import Note, Ticket
from conversations.models import Conversation, Message
from escalation.models import Escalation, Outcome

OFFER_ACTIONS = ("offer", "acknowledge_offer")  # escalation.policy.Action: the bot offered a person


@dataclass(frozen=True)
class MetricsFilters:
    """A period of whole days `start`…`end` (inclusive) in `time_zone`, optionally one queue
    (slug), one plan (id) and one escalation category."""

    start: date
    end: date
    time_zone: str = "UTC"
    queue: str = ""
    plan: int | None = None
    category: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """[first midnight, the midnight after the last day) in the zone: a DST day is 23 or
        25 hours long, as the visitor lived it."""
        zone = self.zone
        return (
            datetime.combine(self.start, time.min, tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=zone),
        )

    def previous(self) -> MetricsFilters:
        """The period of equal length just before, for the trends."""
        return replace(
            self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1)
        )


def filters_last_days(*, days: int, now: datetime, time_zone: str) -> MetricsFilters:
    """The `days` days up to and including today in `time_zone`."""
    today = now.astimezone(ZoneInfo(time_zone)).date()
    return MetricsFilters(start=today - timedelta(days=days - 1), end=today, time_zone=time_zone)


@dataclass(frozen=True)
class PeriodMetrics:
    """One period's metrics. Rates are 0–1 and None when their denominator is 0."""

    filters: MetricsFilters
    conversations: int  # with at least one visitor message
    escalated_conversations: int
    escalations: int
    reviewed: int  # escalations with an agent's verdict (`appropriate` not NULL)
    appropriate: int
    finished: int  # escalations with an outcome; still open ones count in neither
    resolved: int
    open_escalations: int  # without an outcome: the four below
    answered: int  # escalations a person wrote in
    time_to_human_counts: tuple[int, ...]
    csat_counts: tuple[int, ...]  # scores 1…5
    csat_mean: float | None
    handoff_quality_mean: float | None
    handoff_quality_n: int
    could_ai_have_handled: int
    bot_resolved: int
    bot_conversations: int  # the denominator of the bot resolution rate (no queue/category)
    offers: int
    offers_accepted: int
    # Escalations without an outcome, by what became of them (exclusive, in this order): a
    # ticket was left, the visitor left the line (abandoned), still waiting or with an agent,
    # the rest (back with the bot: the visitor cancelled or the agent handed it back).
    open_ticket: int = 0
    open_abandoned: int = 0
    open_waiting: int = 0
    # Not answered by a person although they waited more than 2 minutes (still waiting past
    # 2 min at `now`, or abandoned more than 2 min after the escalation): "over 2 min".
    unanswered_over_two_minutes: int = 0
    tickets_by_kind: dict[str, int] = field(default_factory=dict)
    transfers: int = 0
    abandoned: int = 0

    @property
    def escalation_rate(self) -> float | None:
        return ratio(self.escalated_conversations, self.conversations)

    @property
    def appropriate_rate(self) -> float | None:
        return ratio(self.appropriate, self.reviewed)

    @property
    def reviewed_share(self) -> float | None:
        return ratio(self.reviewed, self.escalations)

    @property
    def resolution_rate(self) -> float | None:
        return ratio(self.resolved, self.finished)

    @property
    def time_to_human_p50(self) -> float | None:
        return percentile_from_buckets(self.time_to_human_counts, TIME_TO_HUMAN_EDGES, 0.5)

    @property
    def time_to_human_p90(self) -> float | None:
        return percentile_from_buckets(self.time_to_human_counts, TIME_TO_HUMAN_EDGES, 0.9)

    @property
    def under_two_minutes_share(self) -> float | None:
        under = sum(
            count
            for edge, count in zip(TIME_TO_HUMAN_EDGES, self.time_to_human_counts, strict=True)
            if edge < TWO_MINUTES
        )
        return ratio(under, self.answered + self.unanswered_over_two_minutes)

    @property
    def open_other(self) -> int:
        return self.open_escalations - self.open_ticket - self.open_abandoned - self.open_waiting

    @property
    def csat_n(self) -> int:
        return sum(self.csat_counts)

    @property
    def bot_resolution_rate(self) -> float | None:
        return ratio(self.bot_resolved, self.bot_conversations)

    @property
    def offers_declined(self) -> int:
        return self.offers - self.offers_accepted

    @property
    def after_hours_tickets(self) -> int:
        return self.tickets_by_kind.get(Ticket.Kind.AFTER_HOURS, 0)

    @property
    def alternatives_chosen(self) -> dict[str, int]:
        """Tickets the visitor chose instead of waiting (after-hours ones are counted apart)."""
        return {k: n for k, n in self.tickets_by_kind.items() if k != Ticket.Kind.AFTER_HOURS}

    @property
    def alternatives_total(self) -> int:
        return sum(self.alternatives_chosen.values())

    # AI-only CSAT: `Conversation.bot_csat_score` of the period's conversations never
    # escalated (asked once, after "thanks" / "bye": escalation.bot_rules.bot_csat_due). Like
    # the bot resolution rate, queue and category filters do not apply; None / 0 without extras.
    ai_only_csat_mean: float | None = None
    ai_only_csat_n: int = 0


# --- the querysets every metric starts from ----------------------------------------------


def escalations_in(filters: MetricsFilters) -> QuerySet[Escalation]:
    """Escalations created in the period, in the queue / plan / category asked for."""
    start, end = filters.bounds()
    queryset = Escalation.objects.filter(created__gte=start, created__lt=end)
    if filters.queue:
        queryset = queryset.filter(target_queue=filters.queue)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.plan is not None:
        queryset = queryset.filter(conversation__customer__plan_id=filters.plan)
    return queryset


def _conversations_in(filters: MetricsFilters) -> QuerySet[Conversation]:
    start, end = filters.bounds()
    queryset = Conversation.objects.filter(created__gte=start, created__lt=end)
    if filters.plan is not None:
        queryset = queryset.filter(customer__plan_id=filters.plan)
    return queryset


def _in_period(queryset: QuerySet, filters: MetricsFilters) -> QuerySet:
    """Rows of a conversation's table (tickets, notes, messages) created in the period, of the
    plan's conversations, and with a queue or category: of conversations escalated there."""
    start, end = filters.bounds()
    queryset = queryset.filter(created__gte=start, created__lt=end)
    if filters.plan is not None:
        queryset = queryset.filter(conversation__customer__plan_id=filters.plan)
    if filters.queue or filters.category:
        escalations = Escalation.objects.filter(conversation=OuterRef("conversation_id"))
        if filters.queue:
            escalations = escalations.filter(target_queue=filters.queue)
        if filters.category:
            escalations = escalations.filter(category=filters.category)
        queryset = queryset.filter(Exists(escalations))
    return queryset


# --- one period ----------------------------------------------------------------------------


def period_metrics(
    *, filters: MetricsFilters, extras: bool = True, now: datetime | None = None
) -> PeriodMetrics:
    """Every metric of the period in a fixed number of aggregate queries whatever the volume
    (about a dozen: the conversation counts, the escalation passes, offers, ticket kinds,
    transfers, abandoned waits). Without `extras`, the KPIs alone (four queries; bot
    resolution, offers, tickets, transfers and abandoned waits stay 0): what a trend against
    the previous period needs."""
    conversations = _conversation_counts(filters, extras=extras)
    escalations = _escalation_counts(filters, now=now or timezone.now(), with_fates=extras)
    if not extras:
        return PeriodMetrics(
            filters=filters, **conversations, **escalations, offers=0, offers_accepted=0
        )
    offers = _offer_counts(filters)
    tickets = _in_period(Ticket.objects.all(), filters)
    by_kind = dict(tickets.values_list("kind").annotate(n=Count("pk")).order_by())
    transfers = _in_period(Note.objects.filter(kind=Note.Kind.TRANSFER), filters)
    abandoned = _in_period(
        Message.objects.filter(sender=Message.Sender.SYSTEM, metadata__event="abandoned"),
        filters,
    )
    return PeriodMetrics(
        filters=filters,
        **conversations,
        **escalations,
        **offers,
        tickets_by_kind=by_kind,
        transfers=transfers.count(),
        abandoned=abandoned.count(),
    )


def _conversation_counts(filters: MetricsFilters, *, extras: bool) -> dict[str, Any]:
    """The period's conversations the visitor wrote in (`Conversation.first_visitor_message_at`,
    stamped with the first visitor message), as counts of their own: all of them (an
    index-only range), the escalated ones and, with `extras`, those escalated or with a
    ticket (their complement is the bot's). The last two drive from uncorrelated `IN (…)`
    sets (conversations escalated / with a ticket since the period's first midnight: a
    conversation's escalations and tickets are never older than it) and look the period's
    conversations up by primary key: a lookup per escalation instead of a set probe per
    conversation (4 escalated in 10), and no correlated probe (on PostgreSQL those inflated
    the plan's cost past the JIT threshold: ~90 ms of compiling)."""
    start, _ = filters.bounds()
    escalated = _escalations_of_period_conversations(filters, start=start)
    wrote = _conversations_in(filters).filter(first_visitor_message_at__isnull=False)
    conversations = wrote.count()
    if not conversations:
        # Nothing to split (a period before the first conversation, e.g. the trend of a new
        # install's range): the sets would be read for nothing.
        return {
            "conversations": 0,
            "escalated_conversations": 0,
            "bot_resolved": 0,
            "bot_conversations": 0,
            **({"ai_only_csat_mean": None, "ai_only_csat_n": 0} if extras else {}),
        }
    row: dict[str, Any] = {
        "conversations": conversations,
        "escalated_conversations": wrote.filter(pk__in=escalated).count(),
    }
    if extras:
        any_escalation = (
            escalated
            if not (filters.queue or filters.category)
            else Escalation.objects.filter(created__gte=start).values("conversation_id")
        )
        any_ticket = Ticket.objects.filter(created__gte=start).values("conversation_id")
        escalated_any = (
            row["escalated_conversations"]
            if any_escalation is escalated
            else wrote.filter(pk__in=any_escalation).count()
        )
        # Ticket without an escalation: from the few tickets. (An IN over the union of both
        # sets: PostgreSQL guesses 200 distinct ids and looks each conversation up.)
        ticket_only = wrote.filter(pk__in=any_ticket).exclude(pk__in=any_escalation).count()
        # Separate counts, no common snapshot: a conversation escalated between them must not
        # make the bot's share negative (PostgreSQL, READ COMMITTED).
        row["bot_resolved"] = max(0, row["conversations"] - escalated_any - ticket_only)
        row |= _ai_only_csat(wrote)
    return {"bot_resolved": 0, **row, "bot_conversations": row["conversations"]}


def _ai_only_csat(wrote: QuerySet[Conversation]) -> dict[str, Any]:
    """The bot's ratings (1–5) in conversations never escalated: mean and n. A query of its
    own, read from the partial index of rated conversations (`conversation_bot_rated`), with
    "never escalated" probed for those rows only (an anti-join on PostgreSQL). In the main
    pass it cost more than half of that pass: on SQLite as uncorrelated sets read for every
    conversation, on PostgreSQL as a correlated probe that tipped the plan into JIT."""
    row = (
        wrote.filter(bot_csat_score__isnull=False)
        .filter(~Exists(Escalation.objects.filter(conversation=OuterRef("pk"))))
        .aggregate(total=Sum("bot_csat_score"), n=Count("pk"))
    )
    n = row["n"]
    return {"ai_only_csat_mean": row["total"] / n if n else None, "ai_only_csat_n": n}


def _escalations_of_period_conversations(
    filters: MetricsFilters, *, start: datetime
) -> QuerySet[Escalation, Any]:
    """The ids of conversations escalated since `start`, in the queue / category asked for."""
    queryset = Escalation.objects.filter(created__gte=start)
    if filters.queue:
        queryset = queryset.filter(target_queue=filters.queue)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    return queryset.values("conversation_id")


class WholeSecondsBetween(Func):
    """`end` − `start` in whole seconds (floored), with each database's native date arithmetic
    (Django's portable datetime maths calls a Python function per row on SQLite: too slow
    over a month of escalations). For `end` ≥ `start` only (SQLite's CAST truncates), to the
    millisecond on SQLite."""

    output_field = IntegerField()
    # date_part: a double (exact for microsecond waits); EXTRACT's numeric is slower per row.
    template = "CAST(FLOOR(date_part('epoch', %(expressions)s)) AS INTEGER)"
    arg_joiner = " - "

    def __init__(self, start: str, end: str) -> None:
        super().__init__(F(end), F(start))

    def as_sqlite(self, compiler, connection, **extra_context):
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        # julianday's doubles are ~10 µs coarse at today's dates: an exact 15 s wait comes out
        # as 14.99999. Rounded to the millisecond before flooring, it is 15 again.
        days = f"julianday({end[0]}) - julianday({start[0]})"
        sql = f"CAST(ROUND(({days}) * 86400.0, 3) AS INTEGER)"
        return sql, (*end[1], *start[1])


def _waited_seconds() -> Least:
    """An answered escalation's wait for a person in whole seconds, capped at the last
    bucket's edge (waits of an hour or more share that bucket). Grouping by it costs one
    date subtraction per row; a CASE over the bucket edges in SQL cost one per edge tried
    (SQLite evaluates the shared subtraction again in every WHEN). Floored whole seconds fall
    in the same bucket as the exact value: every edge is a whole number of seconds."""
    waited = WholeSecondsBetween("created", "first_agent_reply_at")
    return Least(waited, Value(TIME_TO_HUMAN_EDGES[-1]))


def _open_fates(filters: MetricsFilters, *, now: datetime) -> dict[str, Count]:
    """What became of escalations without an outcome, and the unanswered ones that waited
    more than 2 minutes: conditional counts for the escalation pass. Tickets and abandoned
    waits are uncorrelated sets of conversations (read once), as in `_conversation_counts`."""
    start, _ = filters.bounds()
    open_ = Q(outcome="")
    ticket = Q(conversation_id__in=Ticket.objects.filter(created__gte=start).values(
        "conversation_id"))  # fmt: skip
    abandoned_messages = Message.objects.filter(
        sender=Message.Sender.SYSTEM, metadata__event="abandoned", created__gte=start
    )
    abandoned = Q(conversation_id__in=abandoned_messages.values("conversation_id"))
    # Live conversations as a set too (from the status index): a join would look up each
    # escalation's conversation.
    live = Conversation.objects.filter(
        status__in=(Conversation.Status.QUEUED, Conversation.Status.ASSIGNED)
    )
    waiting = Q(conversation_id__in=live.values("pk"))
    # Abandoned after 2 minutes: the abandon note of this conversation, 2 min or more after
    # the escalation (a correlated probe, only for the few unanswered, abandoned rows).
    left_late = Exists(
        abandoned_messages.filter(
            conversation=OuterRef("conversation_id"),
            created__gte=OuterRef("created") + timedelta(seconds=TWO_MINUTES),
        )
    )
    unanswered = Q(first_agent_reply_at__isnull=True)
    return {
        "open_ticket": Count("pk", filter=open_ & ticket),
        "open_abandoned": Count("pk", filter=open_ & ~ticket & abandoned),
        "open_waiting": Count("pk", filter=open_ & ~ticket & ~abandoned & waiting),
        "unanswered_over_two_minutes": Count(
            "pk",
            filter=unanswered
            & (
                (waiting & Q(created__lte=now - timedelta(seconds=TWO_MINUTES)))
                | (abandoned & left_late)
            ),
        ),
    }


def _escalation_counts(
    filters: MetricsFilters, *, now: datetime, with_fates: bool
) -> dict[str, Any]:
    """Counts and the CSAT scores in one aggregate row, the time-to-human buckets in a second
    query (`_time_to_human_counts`); both read the covering index
    `escalation_dashboard_cover`. `with_fates` (what became of escalations without an
    outcome) only where a tile shows them, in a third query over the open or unanswered
    escalations alone: the previous period's trend needs none, and inside the main pass
    their sets and probe priced the whole plan past PostgreSQL's JIT threshold (~70 ms of
    compiling over 90 days)."""
    scores = {f"csat_{score}": Count("pk", filter=Q(csat_score=score)) for score in range(1, 6)}
    fates: dict[str, int] = {}
    if with_fates:
        unsettled = Q(outcome="") | Q(first_agent_reply_at__isnull=True)
        fates = escalations_in(filters).filter(unsettled).aggregate(**_open_fates(filters, now=now))
    total = escalations_in(filters).aggregate(
        escalations=Count("pk"),
        reviewed=Count("pk", filter=Q(appropriate__isnull=False)),
        appropriate=Count("pk", filter=Q(appropriate=True)),
        finished=Count("pk", filter=~Q(outcome="")),
        resolved=Count("pk", filter=Q(outcome=Outcome.RESOLVED)),
        answered=Count("first_agent_reply_at"),
        could_ai_have_handled=Count("pk", filter=Q(could_ai_have_handled=True)),
        csat_sum=Sum("csat_score"),
        csat_n=Count("csat_score"),
        handoff_quality_sum=Sum("handoff_quality"),
        handoff_quality_n=Count("handoff_quality"),
        **scores,
    )
    csat_n, handoff_n = total["csat_n"], total["handoff_quality_n"]
    return {
        "escalations": total["escalations"],
        "reviewed": total["reviewed"],
        "appropriate": total["appropriate"],
        "finished": total["finished"],
        "resolved": total["resolved"],
        "open_escalations": total["escalations"] - total["finished"],
        "answered": total["answered"],
        "could_ai_have_handled": total["could_ai_have_handled"],
        "csat_mean": total["csat_sum"] / csat_n if csat_n else None,
        "handoff_quality_mean": total["handoff_quality_sum"] / handoff_n if handoff_n else None,
        "handoff_quality_n": handoff_n,
        "time_to_human_counts": _time_to_human_counts(filters),
        **fates,
        "csat_counts": tuple(total[name] for name in scores),
    }


def _time_to_human_counts(filters: MetricsFilters) -> tuple[int, ...]:
    """Answered escalations per time-to-human bucket: grouped in SQL by the wait in whole
    seconds (`_waited_seconds`, ≤ 3,601 groups), bucketed here."""
    rows = (
        escalations_in(filters)
        .filter(first_agent_reply_at__gte=F("created"))
        .order_by()
        .annotate(waited=_waited_seconds())
        .values_list("waited")
        .annotate(n=Count("pk"))
    )
    counts = [0] * len(TIME_TO_HUMAN_EDGES)
    for waited, n in rows:
        counts[time_to_human_bucket(waited)] += n
    return tuple(counts)


def _offer_counts(filters: MetricsFilters) -> dict[str, Any]:
    """The bot's offers of a person: visitor messages whose stored decision offered one
    (`Message.decision_action`, the copy of `metadata.decision.action`); an offer is accepted
    when the conversation was escalated at or after it and before the visitor's second message
    after it: the "Talk to a person" button escalates with no message, a typed "yes" escalates
    on the very next one; a later escalation answers a later message, not this offer."""
    offers = _in_period(
        Message.objects.filter(sender=Message.Sender.CUSTOMER, decision_action__in=OFFER_ACTIONS),
        filters,
    )
    # The visitor's second message after the offer, seen from inside the escalation probe
    # (hence two levels out).
    reply_after_next = Subquery(
        Message.objects.filter(
            conversation=OuterRef(OuterRef("conversation")),
            sender=Message.Sender.CUSTOMER,
            seq__gt=OuterRef(OuterRef("seq")),
        )
        .order_by("seq")
        .values("created")[1:2]
    )
    escalations = Escalation.objects.filter(
        conversation=OuterRef("conversation"), created__gte=OuterRef("created")
    )
    # Before that message, or at any time when there is none.
    bound = Coalesce(reply_after_next, Value(datetime.max.replace(tzinfo=UTC)))
    accepted = Exists(escalations.filter(created__lt=bound))
    return offers.aggregate(offers=Count("pk"), offers_accepted=Count("pk", filter=accepted))
