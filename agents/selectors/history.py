"""Conversation history for the console: the searchable list of past and present
conversations and one conversation's read-only record.

Access follows the queues, as chats and tickets do: an agent sees the conversations of the
queues they serve (and any assigned to them); a supervisor sees all. A conversation the bot
handled alone has no queue, so only supervisors see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.paginator import Page, Paginator
from django.db.models import Exists, JSONField, OuterRef, Q, QuerySet, Subquery

from agents import hours
from agents.models import AgentProfile, Note, Queue, Ticket
from agents.selectors.access import served_by
from agents.selectors.chats import Entry
from agents.selectors.customers import CustomerCard, customer_histories
from agents.selectors.tickets import agent_zone, tickets_visible
from conversations.models import Conversation, Message
from escalation.models import Escalation

PAGE_SIZE = 25
TRANSCRIPT_SHOWN = 1000  # messages on the record page; longer chats say how many are left out
LIVE = (Conversation.Status.QUEUED, Conversation.Status.ASSIGNED)


@dataclass(frozen=True)
class HistoryFilters:
    """What the agent searched for; empty values do not filter."""

    text: str = ""  # in any message body
    customer: str = ""  # in the customer's name or email
    customer_id: int | None = None  # one customer exactly (the card's "All conversations")
    status: str = ""
    queue: str = ""  # a queue's slug
    date_from: date | None = None  # the agent's local days, inclusive
    date_to: date | None = None


@dataclass(frozen=True)
class HistoryPage:
    page: Page
    filters: HistoryFilters
    zone: str
    customer_label: str = ""  # the customer of `customer_id`, in words

    @property
    def rows(self) -> list[Conversation]:
        return list(self.page.object_list)

    @property
    def total(self) -> int:
        return self.page.paginator.count


def conversations_visible(*, agent: AgentProfile) -> QuerySet[Conversation]:
    """Every conversation the agent may read in the history (see the module docstring)."""
    rule = served_by(agent=agent)
    conversations = Conversation.objects.all()
    return conversations if rule is None else conversations.filter(rule)


def conversations_search(*, agent: AgentProfile, filters: HistoryFilters) -> QuerySet[Conversation]:
    """The visible conversations matching `filters`, newest first, each once (the text is
    matched by EXISTS over messages, never a join), with what a result row shows."""
    found = conversations_visible(agent=agent)
    if filters.text:
        found = found.filter(
            Exists(
                Message.objects.filter(conversation=OuterRef("pk"), body__icontains=filters.text)
            )
        )
    if filters.customer:
        found = found.filter(
            Q(customer__name__icontains=filters.customer)
            | Q(customer__email__icontains=filters.customer)
        )
    if filters.customer_id is not None:
        found = found.filter(customer_id=filters.customer_id)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.queue:
        found = found.filter(queue__slug=filters.queue)
    start, end = hours.local_days(filters.date_from, filters.date_to, time_zone=agent_zone(agent))
    if start is not None:
        found = found.filter(created__gte=start)
    if end is not None:
        found = found.filter(created__lt=end)
    return _with_row_facts(found, filters.text).order_by("-created", "-pk")


def _with_row_facts(found: QuerySet[Conversation], text: str) -> QuerySet[Conversation]:
    """The customer, queue and agent joined; the latest escalation's reason and (searching
    text) the first matching message as subqueries: one query for a whole page."""
    escalations = Escalation.objects.filter(conversation=OuterRef("pk")).order_by("-created", "-pk")
    found = found.select_related("customer", "queue", "assigned_agent__user").annotate(
        # The deciding reason in words (Escalation.reason_sentence), else the explanation.
        reasons=Subquery(escalations.values("reasons")[:1], output_field=JSONField()),
        reason=Subquery(escalations.values("explanation")[:1]),
    )
    if text:
        matches = Message.objects.filter(conversation=OuterRef("pk"), body__icontains=text)
        found = found.annotate(match=Subquery(matches.order_by("seq").values("body")[:1]))
    return found


def history_page(*, agent: AgentProfile, filters: HistoryFilters, page: str | int) -> HistoryPage:
    """One page of results (PAGE_SIZE); a page number past the end shows the last page."""
    paginator = Paginator(conversations_search(agent=agent, filters=filters), PAGE_SIZE)
    customer_label = ""
    if filters.customer_id is not None:
        customer = (
            conversations_visible(agent=agent)
            .filter(customer_id=filters.customer_id)
            .select_related("customer")
            .first()
        )
        customer_label = str(customer.customer) if customer else "an unknown customer"
    return HistoryPage(
        page=paginator.get_page(page),
        filters=filters,
        zone=agent_zone(agent),
        customer_label=customer_label,
    )


def history_queues(*, agent: AgentProfile) -> list[Queue]:
    """The queues the agent may filter by: their own; a supervisor's, all."""
    queues = Queue.objects.order_by("name")
    if not agent.is_supervisor:
        queues = queues.filter(agents=agent)
    return list(queues)


# --- one conversation ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConversationRecord:
    conversation: Conversation
    customer: CustomerCard
    entries: list[Entry]
    escalations: list[Escalation]
    tickets: list[Ticket]
    zone: str
    left_out: int = 0  # messages beyond TRANSCRIPT_SHOWN

    @property
    def escalation(self) -> Escalation | None:
        return self.escalations[0] if self.escalations else None

    @property
    def live(self) -> bool:
        return self.conversation.status in LIVE


class NotVisible(Exception):
    """The conversation exists but belongs to a queue the agent does not serve."""


def conversation_record(*, agent: AgentProfile, public_id: str) -> ConversationRecord | None:
    """The read-only record of one conversation: None if there is no such conversation;
    NotVisible if the agent may not read it. A fixed number of queries however long."""
    conversation = (
        Conversation.objects.filter(public_id=public_id)
        .select_related("customer__plan", "queue", "assigned_agent__user")
        .first()
    )
    if conversation is None:
        return None
    if not conversations_visible(agent=agent).filter(pk=conversation.pk).exists():
        raise NotVisible(public_id)
    messages = list(conversation.messages.order_by("seq")[:TRANSCRIPT_SHOWN])
    notes = list(Note.objects.filter(conversation=conversation).select_related("author__user"))
    entries = [Entry(m, False) for m in messages] + [Entry(n, True) for n in notes]
    entries.sort(key=lambda e: (e.created, e.is_note))
    history = customer_histories(conversations=[conversation], agent=agent)[conversation.pk]
    return ConversationRecord(
        conversation=conversation,
        customer=CustomerCard(customer=conversation.customer, history=history),
        entries=entries,
        escalations=list(
            conversation.escalations.select_related("agent__user").order_by("-created", "-pk")
        ),
        # Only the tickets the agent may open: another queue's follow-up is not listed.
        tickets=list(tickets_visible(agent=agent).filter(conversation=conversation).order_by("pk")),
        zone=agent_zone(agent),
        left_out=max(conversation.last_seq - len(messages), 0),
    )
