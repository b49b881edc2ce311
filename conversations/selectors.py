"""Reads for conversations: what the widget, the bot and the console need."""

from __future__ import annotations

from django.db.models import Case, Count, Max, Q, QuerySet, Value, When

from conversations.models import Article, Conversation, Customer, Message, Site


def site_get_active(*, key: str) -> Site | None:
    return Site.objects.filter(key=key, active=True).first()


def customer_get(*, visitor_id, site: Site) -> Customer | None:
    return Customer.objects.filter(visitor_id=visitor_id, site=site).first()


def conversation_latest_open(*, customer: Customer) -> Conversation | None:
    """The chat the widget resumes: the newest not closed, but one with a person first (assigned,
    then queued). A customer has several only after devices merged (conversations.services,
    `_customer_identify`): resuming the newest would leave an older waiting or assigned chat in
    the line, or with an agent, with no one to read the answers."""
    person_first = Case(
        When(status=Conversation.Status.ASSIGNED, then=Value(0)),
        When(status=Conversation.Status.QUEUED, then=Value(1)),
        default=Value(2),
    )
    return (
        Conversation.objects.filter(customer=customer)
        .exclude(status=Conversation.Status.CLOSED)
        .order_by(person_first, "-created")
        .first()
    )


def messages_after(
    *, conversation: Conversation, after_seq: int, limit: int = 500
) -> list[Message]:
    return list(conversation.messages.filter(seq__gt=after_seq).order_by("seq")[:limit])


def conversation_last_seq(*, conversation_id: int) -> int:
    """The seq of the conversation's latest message (0 before the first): one primary-key read."""
    row = Conversation.objects.filter(pk=conversation_id).values_list("last_seq", flat=True)
    return row.first() or 0


def messages_page(
    *, conversation: Conversation, after_seq: int, limit: int
) -> tuple[list[Message], bool]:
    """Up to `limit` messages after `after_seq`, in order, and whether more follow them."""
    rows = messages_after(conversation=conversation, after_seq=after_seq, limit=limit + 1)
    return rows[:limit], len(rows) > limit


def messages_recent(*, conversation: Conversation, limit: int = 20) -> list[Message]:
    """The last `limit` messages, oldest first (the bot's context window)."""
    recent = conversation.messages.order_by("-seq")[:limit]
    return list(reversed(recent))


def conversations_for_console(*, limit: int = 100) -> QuerySet[Conversation]:
    return (
        Conversation.objects.select_related("customer", "site")
        .annotate(message_count=Count("messages"))
        .order_by("-updated")[:limit]
    )


def conversation_for_console(*, public_id) -> Conversation | None:
    return (
        Conversation.objects.select_related("customer", "site")
        .annotate(message_count=Count("messages"))
        .filter(public_id=public_id)
        .first()
    )


def articles_fingerprint() -> tuple[int, int, object]:
    """Changes whenever an article is added, edited, (un)published or deleted."""
    summary = Article.objects.aggregate(
        count=Count("id"), published=Count("id", filter=Q(published=True)), latest=Max("updated")
    )
    return summary["count"], summary["published"], summary["latest"]


def articles_published() -> QuerySet[Article]:
    return Article.objects.filter(published=True).order_by("id")


def conversation_get(*, public_id) -> Conversation | None:
    return Conversation.objects.select_related("customer").filter(public_id=public_id).first()


def agent_joined_announced(*, conversation: Conversation) -> bool:
    """Whether the visitor was told its current agent joined (since this assignment)."""
    return Message.objects.filter(
        conversation=conversation,
        sender=Message.Sender.SYSTEM,
        metadata__event="agent_joined",
        metadata__agent_id=conversation.assigned_agent_id,
        created__gte=conversation.assigned_at,
    ).exists()
