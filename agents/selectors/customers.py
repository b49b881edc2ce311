"""Who the customer is, for the warm-handoff card: identity, plan, account age, and what they
came to us with before.

`customer_histories` reads the customer's earlier contacts: their other conversations (the
newest listed) and their follow-up tickets (this conversation's included, the newest
listed), counted; the card links each to its page (docs/console.md, "History").

Access follows the queues (agents.selectors.access.served_by): only the contacts the agent
may open are listed; the counts stay whole-customer ("6 (4 resolved)", "2 in other queues"),
which says how often the customer came back and nothing of what they said.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When, Window
from django.db.models.functions import RowNumber

from agents.models import AgentProfile, Ticket
from agents.selectors.access import served_by
from conversations.models import Conversation, Customer

PREVIOUS_SHOWN = 5  # earlier contacts listed on the card; the count covers them all
_DONE = (Conversation.Status.RESOLVED, Conversation.Status.CLOSED)


@dataclass(frozen=True)
class Contact:
    """One earlier contact of the customer: a conversation (or, later, a ticket)."""

    kind: str  # "conversation"
    public_id: str
    status: str  # the display label: "Resolved", "Closed", "With the bot"…
    created: datetime
    resolved: bool


@dataclass(frozen=True)
class TicketContact:
    """One of the customer's tickets, for a link to its page."""

    pk: int
    kind: str  # the display label: "Callback", "Email follow-up"…
    state: str  # "Open" or "Done"
    created: datetime
    done: bool


@dataclass(frozen=True)
class TicketHistory:
    """The customer's follow-up tickets (agents.Ticket), on any of their conversations."""

    total: int = 0
    done: int = 0
    recent: list[TicketContact] = field(default_factory=list)  # the newest PREVIOUS_SHOWN
    elsewhere: int = 0  # in queues the agent does not serve: counted, never listed

    @property
    def summary(self) -> str:
        """The spec's "Previous Tickets: 3 (all resolved)", for tickets: "3 (all done)"."""
        if not self.total:
            return "None"
        if self.done == self.total:
            return f"{self.total} (all done)" if self.total > 1 else "1 (done)"
        return f"{self.total} ({self.total - self.done} open)"


@dataclass(frozen=True)
class CustomerHistory:
    total: int = 0  # earlier contacts, this conversation excluded
    resolved: int = 0
    recent: list[Contact] = field(default_factory=list)  # the newest PREVIOUS_SHOWN
    tickets: TicketHistory = field(default_factory=TicketHistory)
    elsewhere: int = 0  # in queues the agent does not serve: counted, never listed

    @property
    def summary(self) -> str:
        """The spec's "3 (all resolved)"; "6 (4 resolved)"; "None"."""
        if not self.total:
            return "None"
        if self.resolved == self.total:
            return f"{self.total} (all resolved)" if self.total > 1 else "1 (resolved)"
        return f"{self.total} ({self.resolved} resolved)"


@dataclass(frozen=True)
class CustomerCard:
    """The card's customer section. Anonymous: nothing the site or an agent told us."""

    customer: Customer
    history: CustomerHistory

    @property
    def anonymous(self) -> bool:
        c = self.customer
        return not (c.external_id or c.name or c.email)

    @property
    def display_name(self) -> str:
        return "Anonymous visitor" if self.anonymous else str(self.customer)

    @property
    def account_since(self) -> datetime | None:
        """The site's sign-up date when it told us; else when we first saw a known customer."""
        if self.anonymous:
            return None
        return self.customer.signed_up_at or self.customer.created


def customer_histories(
    *, conversations: list[Conversation], agent: AgentProfile
) -> dict[int, CustomerHistory]:
    """Per conversation (by pk): its customer's other conversations and their tickets, those
    the agent may open listed, in two queries whatever the number of conversations."""
    customer_ids = {c.customer_id for c in conversations}
    rule = served_by(agent=agent)
    rows = _recent_conversations(customer_ids, rule)
    by_customer: dict[int, list[dict]] = {}
    for row in rows:
        by_customer.setdefault(row["customer_id"], []).append(row)
    tickets: dict[int, list[dict]] = {}
    for row in _ticket_counts(customer_ids, rule):
        tickets.setdefault(row["conversation__customer_id"], []).append(row)
    return {
        c.pk: _history(
            c, by_customer.get(c.customer_id, []), _tickets(tickets.get(c.customer_id, []))
        )
        for c in conversations
    }


def _ticket_counts(customer_ids: set[int], rule: Q | None) -> list[dict]:
    """The newest PREVIOUS_SHOWN visible tickets of each customer, with the customer's totals."""
    if not customer_ids:
        return []
    done = Case(
        When(state=Ticket.State.DONE, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    tickets = Ticket.objects.filter(conversation__customer_id__in=customer_ids)
    return _newest_with_totals(
        tickets,
        customer="conversation__customer_id",
        limit=PREVIOUS_SHOWN,
        done=done,
        rule=rule,
        fields=("kind", "state"),
    )


def _newest_with_totals(
    rows: QuerySet,
    *,
    customer: str,
    limit: int,
    done: Case,
    rule: Q | None,
    fields: tuple[str, ...],
) -> list[dict]:
    """The newest `limit` rows of each customer the agent may open (`row` 1, 2…; `rule`
    None: all), each with its customer's `total`, `done_total` and `visible_total` (counted
    over every row) and its own `is_done`: windows, so one query whatever the history. Rows
    the agent may not open come back too (`visible` 0: numbered apart), for the totals to
    reach Python when none is visible; callers drop them."""
    visible = (
        Value(1)
        if rule is None
        else Case(When(rule, then=Value(1)), default=Value(0), output_field=IntegerField())
    )
    per_customer = [F(customer)]
    return list(
        rows.annotate(
            visible=visible,
            row=Window(
                RowNumber(),
                partition_by=[F(customer), visible],
                order_by=[F("created").desc(), F("pk").desc()],
            ),
            total=Window(Count("pk"), partition_by=per_customer),
            done_total=Window(Sum(done), partition_by=per_customer),
            visible_total=Window(Sum(visible), partition_by=per_customer),
            is_done=done,
        )
        .filter(row__lte=limit)
        .values(
            "pk",
            "row",
            customer,
            "created",
            "total",
            "done_total",
            "visible_total",
            "is_done",
            "visible",
            *fields,
        )
    )


def _tickets(rows: list[dict]) -> TicketHistory:
    """All the customer's tickets, this conversation's included: one still open here (the
    visitor left a ticket, then asked for a person again) is what the agent must see first."""
    if not rows:
        return TicketHistory()
    kinds, states = dict(Ticket.Kind.choices), dict(Ticket.State.choices)
    recent = [
        TicketContact(
            pk=row["pk"],
            kind=kinds.get(row["kind"], row["kind"]),
            state=states.get(row["state"], row["state"]),
            created=row["created"],
            done=row["state"] == Ticket.State.DONE,
        )
        for row in sorted(rows, key=lambda r: r["row"])
        if row["visible"]
    ]
    total = rows[0]["total"]
    return TicketHistory(
        total=total,
        done=rows[0]["done_total"] or 0,
        recent=recent,
        elsewhere=total - (rows[0]["visible_total"] or 0),
    )


def _recent_conversations(customer_ids: set[int], rule: Q | None) -> list[dict]:
    """The newest PREVIOUS_SHOWN + 1 visible conversations of each customer (one may be the
    current one), each row with its customer's totals (`done_total`: resolved)."""
    if not customer_ids:
        return []
    resolved = Case(
        When(Q(status__in=_DONE, resolved_at__isnull=False), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    conversations = Conversation.objects.filter(customer_id__in=customer_ids)
    return _newest_with_totals(
        conversations,
        customer="customer_id",
        limit=PREVIOUS_SHOWN + 1,
        done=resolved,
        rule=rule,
        fields=("public_id", "status"),
    )


def _history(
    conversation: Conversation, rows: list[dict], tickets: TicketHistory
) -> CustomerHistory:
    if not rows:
        return CustomerHistory(tickets=tickets)
    this_resolved = conversation.status in _DONE and conversation.resolved_at is not None
    labels = dict(Conversation.Status.choices)
    recent = [
        Contact(
            kind="conversation",
            public_id=str(row["public_id"]),
            status=labels.get(row["status"], row["status"]),
            created=row["created"],
            resolved=bool(row["is_done"]),
        )
        for row in sorted(rows, key=lambda r: r["row"])
        if row["pk"] != conversation.pk and row["visible"]
    ][:PREVIOUS_SHOWN]
    total = rows[0]["total"] - 1
    return CustomerHistory(
        total=total,
        resolved=(rows[0]["done_total"] or 0) - int(this_resolved),
        recent=recent,
        tickets=tickets,
        # The conversation itself is one the agent has open, so one they may read.
        elsewhere=max(total - ((rows[0]["visible_total"] or 0) - 1), 0),
    )
