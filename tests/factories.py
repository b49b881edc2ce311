"""Test data factories (factory_boy): the one place tests make rows."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from conversations.models import Article, Conversation, Customer, Message, Site


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site
        django_get_or_create = ("key",)

    key = factory.Sequence(lambda n: f"site-{n}")
    name = factory.Sequence(lambda n: f"Shop {n}")
    allowed_origins = "https://shop.example.com"


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    site = factory.SubFactory(SiteFactory)


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    customer = factory.SubFactory(CustomerFactory)
    site = factory.SelfAttribute("customer.site")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    slug = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    body = "Body text."


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    first_name = "Sarah"
    is_staff = True
    password = factory.django.Password("pw-for-tests")


class QueueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agents.Queue"
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"queue-{n}")
    name = factory.LazyAttribute(lambda queue: queue.slug.replace("-", " ").title())
    routing = "manual"


class AgentFactory(factory.django.DjangoModelFactory):
    """An agent profile; pass queues=[...] to make them a member."""

    class Meta:
        model = "agents.AgentProfile"
        skip_postgeneration_save = True

    user = factory.SubFactory(StaffFactory)
    max_concurrent_chats = 3

    @factory.post_generation
    def queues(self, create, extracted, **kwargs):
        for queue in extracted or ():
            self.queues.add(queue)


class CannedReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "agents.CannedReply"

    shortcut = factory.Sequence(lambda n: f"reply-{n}")
    title = factory.Sequence(lambda n: f"Reply {n}")
    body = "Thanks for waiting!"


def escalated_conversation(text: str = "I want to talk to a human", **conversation_fields):
    """A conversation whose visitor wrote `text` and the engine escalated: an Escalation row,
    the visitor told, the conversation queued (and mirrored in Redis)."""
    import uuid

    from django.utils import timezone

    from conversations.services import message_receive
    from escalation.engine import decide
    from escalation.policy_store import policy_current
    from escalation.selectors import snapshot_for
    from escalation.services import conversation_escalate

    conversation = ConversationFactory(**conversation_fields)
    message = message_receive(conversation=conversation, client_id=uuid.uuid4(), body=text).message
    snapshot = snapshot_for(conversation=conversation, message=message)
    decision = decide(snapshot, policy_current(), timezone.now())
    assert decision.escalates, decision.explain()
    conversation_escalate(conversation_id=conversation.pk, decision=decision, message=message)
    conversation.refresh_from_db()
    return conversation


def long_history(conversation: Conversation, *, count: int, chars: int = 3900) -> list[str]:
    """`count` long messages after the conversation's last, in one bulk insert with the seqs
    the services would give them. Half are multi-byte (about 2 bytes a character in UTF-8).
    Returns the bodies, in seq order."""
    first = conversation.last_seq + 1
    bodies = []
    for seq in range(first, first + count):
        filler = "ü" if seq % 2 else "x"
        head = f"#{seq} "
        bodies.append(head + filler * (chars - len(head)))
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            seq=seq,
            sender="customer" if seq % 2 else "agent",
            sender_name="" if seq % 2 else "Sarah",
            body=body,
        )
        for seq, body in enumerate(bodies, start=first)
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=first + count - 1)
    conversation.last_seq = first + count - 1
    return bodies


# --- metrics and the dashboard (agents.selectors.metrics) ----------------------------------


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "escalation.Plan"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"plan-{n}")


def metrics_conversation(
    *,
    at,
    wrote: bool = True,
    plan=None,
    escalation: dict | None = None,
    tickets: tuple[str, ...] = (),
    offer: bool = False,
    transfers: int = 0,
    abandoned: bool = False,
    abandoned_after: int = 0,
    status: str = "",
):
    """A finished conversation as the metrics read it, created at `at` (every row's
    timestamps are set after the insert: `created` is auto_now_add). `escalation`: fields of
    its Escalation (`reply_after` seconds sets first_agent_reply_at); `offer`: the bot offered
    a person on the visitor's message (and the escalation, if any, came after it);
    `abandoned_after`: seconds after `at` the sweep closed the wait; `status`: the
    conversation's status now (a fixture, not a transition: lifecycle is not involved)."""
    import uuid
    from datetime import timedelta

    from agents.models import Note, Ticket
    from escalation.models import Escalation

    customer = CustomerFactory(plan=plan)
    conversation = ConversationFactory(customer=customer)
    Conversation.objects.filter(pk=conversation.pk).update(created=at)
    seq = 0
    if wrote:
        seq += 1
        metadata = {"decision": {"action": "offer" if offer else "respond"}}
        Message.objects.create(
            conversation=conversation, seq=seq, sender="customer", body="Hi", created=at,
            metadata=metadata, decision_action=metadata["decision"]["action"],
        )  # fmt: skip
    if escalation is not None:
        fields = dict(escalation)
        reply_after = fields.pop("reply_after", None)
        created = at + timedelta(seconds=fields.pop("after", 60))
        fields.setdefault("category", "human_request")
        fields.setdefault("explanation", "The visitor asked for a human.")
        row = Escalation.objects.create(conversation=conversation, **fields)
        reply = created + timedelta(seconds=reply_after) if reply_after is not None else None
        Escalation.objects.filter(pk=row.pk).update(created=created, first_agent_reply_at=reply)
    for kind in tickets:
        ticket = Ticket.objects.create(
            conversation=conversation, request_id=uuid.uuid4(), kind=kind
        )
        Ticket.objects.filter(pk=ticket.pk).update(created=at + timedelta(minutes=5))
    for _ in range(transfers):
        note = Note.objects.create(
            conversation=conversation, kind=Note.Kind.TRANSFER, body="To billing"
        )
        Note.objects.filter(pk=note.pk).update(created=at + timedelta(minutes=3))
    if abandoned:
        seq += 1
        Message.objects.create(
            conversation=conversation, seq=seq, sender="system", body="Closed",
            created=at + timedelta(seconds=abandoned_after),
            metadata={"event": "abandoned", "reason": "visitor_left"},
        )  # fmt: skip
    Conversation.objects.filter(pk=conversation.pk).update(
        last_seq=seq, first_visitor_message_at=at if wrote else None
    )
    if status:
        Conversation.objects.filter(pk=conversation.pk).update(status=status)
    return conversation
