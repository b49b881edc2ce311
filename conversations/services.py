"""Writes for conversations: visitors, messages and their seq. Status changes are
conversations.lifecycle's.

Broadcasts wait for the commit: a client never hears of a row that was rolled back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from chatsy import events, realtime
from conversations import selectors
from conversations.frames import message_payload
from conversations.lifecycle import conversation_lock, conversation_reopen
from conversations.models import Conversation, Customer, Message, Site
from conversations.tokens import InvalidToken, issue_token, read_token
from escalation.signals.sentiment import score_sentiment
from escalation.signals.text import prepare_cached

logger = logging.getLogger(__name__)


# A person owns the conversation: the bot stays silent, the agent's card tracks the mood.
HUMAN_STATUSES = (Conversation.Status.QUEUED, Conversation.Status.ASSIGNED)


@dataclass(frozen=True)
class Receipt:
    message: Message
    duplicate: bool
    status: str = Conversation.Status.BOT  # the conversation's status with the message stored


def visitor_create(*, site: Site) -> tuple[Customer, str]:
    """A new anonymous visitor and the token that is its only credential."""
    customer = Customer.objects.create(site=site)
    return customer, issue_token(visitor_id=customer.visitor_id, site_key=site.key)


def visitor_authenticate(*, token: str, site_key: str) -> Customer:
    site = selectors.site_get_active(key=site_key)
    if site is None:
        raise InvalidToken("unknown site")
    claims = read_token(token, site_key=site.key)
    customer = selectors.customer_get(visitor_id=claims.visitor_id, site=site)
    if customer is None:
        raise InvalidToken("unknown visitor")
    Customer.objects.filter(pk=customer.pk).update(last_seen=timezone.now())
    return customer


def conversation_get_or_start(*, customer: Customer) -> Conversation:
    conversation = selectors.conversation_latest_open(customer=customer)
    if conversation is not None:
        return conversation
    conversation = Conversation.objects.create(site_id=customer.site_id, customer=customer)
    _announce_conversation_on_commit(conversation)
    return conversation


@transaction.atomic
def message_receive(*, conversation: Conversation, client_id: UUID, body: str) -> Receipt:
    """Store a visitor message once per client_id, with the next seq.

    Writing again after a resolve hands the conversation back to the bot (resolved → bot).
    While a person owns it, the message carries its sentiment for the agent's card.
    """
    status = conversation_lock(conversation=conversation)
    existing = conversation.messages.filter(client_id=client_id).first()
    if existing is not None:
        return Receipt(message=existing, duplicate=True, status=status)
    if status == Conversation.Status.RESOLVED:
        status = conversation_reopen(conversation=conversation).status
    body = body[: settings.CHATSY_MAX_MESSAGE_CHARS]
    metadata = {"sentiment": _sentiment(body)} if status in HUMAN_STATUSES else {}
    try:
        with transaction.atomic():
            message = _message_append(
                conversation,
                sender=Message.Sender.CUSTOMER,
                sender_name=str(conversation.customer),
                body=body,
                client_id=client_id,
                metadata=metadata,
            )
    except IntegrityError:
        # Lost a race with the same client_id on another socket: that one is the message.
        message = conversation.messages.get(client_id=client_id)
        return Receipt(message=message, duplicate=True, status=status)
    return Receipt(message=message, duplicate=False, status=status)


def message_append_agent(
    *, conversation: Conversation, agent_id: int, agent_name: str, body: str
) -> Message:
    """An agent's reply, under their name. The caller (agents.services.message_post_agent)
    has locked the conversation and checked that this agent may write to it."""
    body = body.strip()[: settings.CHATSY_MAX_MESSAGE_CHARS]
    if not body:
        raise ValueError("The message is empty.")
    return _message_append(
        conversation,
        sender=Message.Sender.AGENT,
        sender_name=agent_name,
        body=body,
        metadata={"agent_id": agent_id},
    )


@transaction.atomic
def message_post_bot(
    *, conversation_id: int, body: str, metadata: dict | None = None
) -> Message | None:
    """Store a bot message, but only if the bot still owns the conversation.

    A human may have taken over while the answer was being generated; then it is dropped.
    """
    conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
    if conversation.status != Conversation.Status.BOT:
        logger.info(
            "bot answer dropped: conversation %s is %s", conversation.pk, conversation.status
        )
        return None
    return _message_append(
        conversation,
        sender=Message.Sender.BOT,
        sender_name=settings.CHATSY_BOT_NAME,
        body=body,
        metadata=metadata or {},
    )


@transaction.atomic
def message_post_system(
    *, conversation: Conversation, body: str, metadata: dict | None = None
) -> Message:
    return _message_append(
        conversation,
        sender=Message.Sender.SYSTEM,
        sender_name="",
        body=body,
        metadata=metadata or {},
    )


def _sentiment(body: str) -> float:
    """The visitor's mood in one message, in [-1, 1], for the agent's card."""
    return score_sentiment(prepare_cached(body)).score


def message_update_metadata(*, message: Message, **values: object) -> None:
    """Merge values into a stored message's metadata (signals, decision)."""
    message.metadata = {**message.metadata, **values}
    Message.objects.filter(pk=message.pk).update(metadata=message.metadata)


def _message_append(
    conversation: Conversation,
    *,
    sender: str,
    sender_name: str,
    body: str,
    client_id: UUID | None = None,
    metadata: dict | None = None,
) -> Message:
    """Give the message the conversation's next seq. Must run inside a transaction."""
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(last_seq=F("last_seq") + 1, updated=now)
    seq = Conversation.objects.values_list("last_seq", flat=True).get(pk=conversation.pk)
    conversation.last_seq, conversation.updated = seq, now
    message = Message.objects.create(
        conversation=conversation,
        seq=seq,
        sender=sender,
        sender_name=sender_name,
        body=body,
        client_id=client_id,
        created=now,
        metadata=metadata or {},
    )
    _broadcast_message_on_commit(conversation, message)
    return message


def _broadcast_message_on_commit(conversation: Conversation, message: Message) -> None:
    realtime.group_send_on_commit(
        realtime.conversation_group(conversation.public_id),
        events.message_created(
            conversation=conversation.public_id, message=message_payload(message)
        ),
    )
    _announce_conversation_on_commit(conversation)


def _announce_conversation_on_commit(conversation: Conversation) -> None:
    realtime.group_send_on_commit(
        realtime.CONSOLE_GROUP, events.conversation_updated(conversation=conversation.public_id)
    )
