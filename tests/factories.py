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
