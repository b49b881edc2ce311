"""Writes for conversations: visitors, messages and their seq. Status changes are
conversations.lifecycle's.

Broadcasts wait for the commit: a client never hears of a row that was rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from chatsy import events, realtime
from conversations import selectors
from conversations.frames import message_payload
from conversations.hooks import CsatResult
from conversations.identity import Identity, IdentityRefused, identity_verify
from conversations.lifecycle import conversation_reopen, conversation_resume
from conversations.models import (
    Conversation,
    Customer,
    Message,
    Site,
    TranscriptRequest,
    identity_secret_new,
)
from conversations.tasks import transcript_send_enqueue
from conversations.tokens import InvalidToken, issue_token, read_token
from conversations.turns import turn_deadline
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


def site_identity_secret_regenerate(*, site: Site) -> str:
    """A new secret: claims signed with the old one are refused from now on."""
    site.identity_secret = identity_secret_new()
    Site.objects.filter(pk=site.pk).update(identity_secret=site.identity_secret)
    logger.info("identity secret of site %s regenerated", site.key)
    return site.identity_secret


@dataclass(frozen=True)
class Session:
    """What the widget's session endpoint hands out: the customer and its token."""

    customer: Customer
    token: str
    identified: bool


def visitor_session(
    *, site: Site, token: str | None, claims: Mapping[str, Any] | None, now: datetime
) -> Session:
    """The widget's session: a new anonymous visitor, the same one, or (with claims the site
    signed) the site user's one Customer, into which this device's anonymous visitor merges.
    Refused claims are logged and ignored: no error reaches the visitor."""
    current = _visitor_from_token(site=site, token=token)
    refused = False
    if claims is not None:
        try:
            verified = identity_verify(claims=claims, secret=site.identity_secret, now=now)
        except IdentityRefused as refusal:
            logger.info("identity refused on site %s: %s", site.key, refusal)
            refused = True
        else:
            if verified.plan_dropped:
                logger.info("plan claim dropped on site %s: %s", site.key, verified.plan_dropped)
            customer = customer_identify(site=site, identity=verified, device=current)
            return Session(customer, _token_for(customer, site), identified=True)
    # Refused claims on an identified device: whoever is at the keyboard now is not proven to
    # be that user, so they start over as a new anonymous visitor.
    if current is not None and not (refused and current.identified):
        return Session(current, _token_for(current, site), identified=current.identified)
    customer, new_token = visitor_create(site=site)
    return Session(customer, new_token, identified=False)


def customer_identify(*, site: Site, identity: Identity, device: Customer | None) -> Customer:
    """The one Customer of this site user (found, this device's anonymous visitor promoted, or
    new), with the claims applied; the device's anonymous conversations move to it. Idempotent;
    two devices at once meet at the unique (site, external_id) and retry."""
    anonymous_pk = device.pk if device is not None and not device.identified else None
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _customer_identify(site, identity, anonymous_pk)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


def _customer_identify(site: Site, identity: Identity, anonymous_pk: int | None) -> Customer:
    anonymous = (
        Customer.objects.select_for_update().filter(pk=anonymous_pk, external_id="").first()
        if anonymous_pk is not None
        else None
    )
    customer = (
        Customer.objects.select_for_update().filter(site=site, external_id=identity.user_id).first()
    )
    if customer is None:
        customer = anonymous or Customer(site=site)
        customer.external_id = identity.user_id
    elif anonymous is not None and anonymous.pk != customer.pk:
        moved = _customer_rows_move(source=anonymous, target=customer)
        # Empty now: nothing is lost, and its token stops working (the widget gets a new one).
        Customer.objects.filter(pk=anonymous.pk).delete()
        logger.info("merged %d anonymous row(s) into customer %s", moved, customer.pk)
    customer.name = identity.name or customer.name
    customer.email = identity.email or customer.email
    customer.signed_up_at = identity.signed_up_at or customer.signed_up_at
    if identity.plan:
        customer.plan = _plan_named(identity.plan, site=site)
    customer.last_seen = timezone.now()
    customer.save()
    return customer


def _customer_rows_move(*, source: Customer, target: Customer) -> int:
    """Every row that points at `source` (conversations, and whatever other app hangs off a
    customer: tickets…) points at `target` instead, so deleting `source` cascades to nothing."""
    moved = 0
    for relation in Customer._meta.related_objects:
        if relation.one_to_many:
            field_name = relation.field.name
            rows = relation.related_model._default_manager.filter(**{field_name: source})  # type: ignore[union-attr]
            moved += rows.update(**{field_name: target})
    return moved


def _plan_named(name: str, *, site: Site) -> Any:
    """The escalation Plan of that name (any case), read through the Customer.plan relation:
    conversations may not import escalation's models (docs/architecture.md, "Layers")."""
    plan_model = Customer._meta.get_field("plan").related_model
    plan = plan_model._default_manager.filter(name__iexact=name).first()  # type: ignore[union-attr]
    if plan is None:
        logger.info("site %s claims an unknown plan %r: no plan applied", site.key, name)
    return plan


def _visitor_from_token(*, site: Site, token: str | None) -> Customer | None:
    if not token:
        return None
    try:
        claims = read_token(token, site_key=site.key)
    except InvalidToken:
        return None
    return selectors.customer_get(visitor_id=claims.visitor_id, site=site)


def _token_for(customer: Customer, site: Site) -> str:
    return issue_token(visitor_id=customer.visitor_id, site_key=site.key)


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


def message_receive(*, conversation: Conversation, client_id: UUID, body: str) -> Receipt:
    """Store a visitor message once per client_id, with the next seq: one transaction of
    two statements (the seq, the row) on the usual path.

    Writing again after a resolve hands the conversation back to the bot (resolved → bot), and
    so does writing after leaving a ticket (ticket → bot; the ticket stays open).
    While a person owns it, the message carries its sentiment for the agent's card; while the
    bot owns it, the deadline of the bot's turn (conversations.turns).
    """
    body = body[: settings.CHATSY_MAX_MESSAGE_CHARS]
    try:
        return _visitor_message_store(conversation, client_id=client_id, body=body)
    except IntegrityError:
        # A retried send (or the same client_id on another socket): the first one stands.
        # The unique constraint is the check, so the usual path pays no SELECT for it.
        existing = Message.objects.filter(conversation=conversation, client_id=client_id).first()
        if existing is None:
            raise
        status = Conversation.objects.values_list("status", flat=True).get(pk=conversation.pk)
        return Receipt(message=existing, duplicate=True, status=status)


@transaction.atomic
def _visitor_message_store(conversation: Conversation, *, client_id: UUID, body: str) -> Receipt:
    now = timezone.now()
    seq, status = _seq_next(conversation, now=now, visitor_wrote=True)
    if status == Conversation.Status.RESOLVED:
        status = conversation_reopen(conversation=conversation).status
    elif status == Conversation.Status.TICKET:  # the ticket stays open; the bot keeps helping
        status = conversation_resume(conversation=conversation).status
    message = Message.objects.create(
        conversation=conversation,
        seq=seq,
        sender=Message.Sender.CUSTOMER,
        sender_name=str(conversation.customer),
        body=body,
        client_id=client_id,
        created=now,
        metadata={"sentiment": _sentiment(body)} if status in HUMAN_STATUSES else {},
        bot_turn_due=turn_deadline(now=now) if status == Conversation.Status.BOT else None,
    )
    _broadcast_message_on_commit(conversation, message)
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


@transaction.atomic(savepoint=False)
def message_post_bot(
    *,
    conversation_id: int,
    body: str,
    metadata: dict | None = None,
    reply_to: int | None = None,
) -> Message | None:
    """Store a bot message, but only if the bot still owns the conversation.

    A human may have taken over while the answer was being generated; then it is dropped.
    `reply_to`: the seq of the visitor message this answers; a second answer to it raises
    IntegrityError (the caller's transaction rolls back: the first answer stands).
    """
    conversation = Conversation(pk=conversation_id)
    now = timezone.now()
    taken = _seq_take(conversation, now=now, status=Conversation.Status.BOT)
    if taken is None:
        logger.info("bot answer dropped: conversation %s is no longer the bot's", conversation_id)
        return None
    message = Message.objects.create(
        conversation_id=conversation_id,
        seq=taken[0],
        sender=Message.Sender.BOT,
        sender_name=settings.CHATSY_BOT_NAME,
        body=body,
        created=now,
        metadata=metadata or {},
        reply_to=reply_to,
    )
    _broadcast_message_on_commit(conversation, message)
    return message


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


def message_settle_turn(*, message: Message, **values: object) -> bool:
    """The bot's turn for a visitor message is over (answered, or handed to a person): merge
    its decision into the message's metadata (its action also into `decision_action`, which
    the dashboard counts) and clear the turn's deadline, in one UPDATE that only the first run
    of the turn wins (the decision is stored once). False for later runs."""
    metadata = {**message.metadata, **values}
    decision = metadata.get("decision")
    action = str(decision.get("action") or "") if isinstance(decision, dict) else ""
    settled = (
        Message.objects.filter(pk=message.pk)
        .exclude(metadata__has_key="decision")
        .update(metadata=metadata, decision_action=action, bot_turn_due=None)
    )
    if settled:
        message.metadata, message.decision_action, message.bot_turn_due = metadata, action, None
    return settled == 1


def _message_append(
    conversation: Conversation,
    *,
    sender: str,
    sender_name: str,
    body: str,
    metadata: dict | None = None,
) -> Message:
    """Give the message the conversation's next seq. Must run inside a transaction."""
    now = timezone.now()
    seq, _ = _seq_next(conversation, now=now)
    message = Message.objects.create(
        conversation=conversation,
        seq=seq,
        sender=sender,
        sender_name=sender_name,
        body=body,
        created=now,
        metadata=metadata or {},
    )
    _broadcast_message_on_commit(conversation, message)
    return message


def _seq_next(
    conversation: Conversation, *, now: datetime, visitor_wrote: bool = False
) -> tuple[int, str]:
    """The conversation's next seq and its status; the row stays locked (see _seq_take)."""
    taken = _seq_take(conversation, now=now, visitor_wrote=visitor_wrote)
    if taken is None:
        raise Conversation.DoesNotExist(f"conversation {conversation.pk} is gone")
    return taken


def _seq_take(
    conversation: Conversation,
    *,
    now: datetime,
    status: str | None = None,
    visitor_wrote: bool = False,
) -> tuple[int, str] | None:
    """Take the conversation's next seq and read its status in one statement, which also
    locks the row until the transaction ends (UPDATE … RETURNING: SQLite ≥ 3.35, PostgreSQL).
    With `status`, only while the conversation is in that status (else None). With
    `visitor_wrote`, also stamps `first_visitor_message_at` the first time."""
    table = connection.ops.quote_name(Conversation._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    sql = f"UPDATE {table} SET last_seq = last_seq + 1, updated = %s"
    params: list[Any] = [stamp]
    if visitor_wrote:
        sql += ", first_visitor_message_at = COALESCE(first_visitor_message_at, %s)"
        params.append(stamp)
    sql += " WHERE id = %s"
    params.append(conversation.pk)
    if status is not None:
        sql += " AND status = %s"
        params.append(status)
    with connection.cursor() as cursor:
        cursor.execute(sql + " RETURNING last_seq, status, public_id", params)
        row = cursor.fetchone()
    if row is None:
        return None
    conversation.last_seq, conversation.status, conversation.updated = row[0], row[1], now
    conversation.public_id = Conversation._meta.get_field("public_id").to_python(row[2])
    return row[0], row[1]


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


class TranscriptEmpty(ValueError):
    """The conversation has no message yet: there is nothing to email."""


@dataclass(frozen=True)
class TranscriptReceipt:
    request: TranscriptRequest
    duplicate: bool  # this client_id asked before: nothing new is sent


@transaction.atomic
def transcript_request(
    *, conversation: Conversation, client_id: UUID, email: str, time_zone: str = ""
) -> TranscriptReceipt:
    """Record the visitor's request for the transcript by email, once per client_id, and on
    commit queue the email (conversations.transcripts sends it once)."""
    if not Conversation.objects.filter(pk=conversation.pk, last_seq__gt=0).exists():
        raise TranscriptEmpty("There is nothing to send yet.")
    request, created = TranscriptRequest.objects.get_or_create(
        conversation=conversation,
        client_id=client_id,
        defaults={"email": email, "time_zone": time_zone},
    )
    if created:
        request_id = request.pk
        transaction.on_commit(lambda: transcript_send_enqueue(request_id))
    return TranscriptReceipt(request=request, duplicate=not created)


# --- AI-only CSAT (docs/dashboard.md) --------------------------------------------------------


def conversation_bot_csat_offer(*, conversation: Conversation, text: str, now: datetime) -> bool:
    """Mark the bot's rating asked (once, while the bot has the chat) and, on commit, show
    the widget the rating prompt. False when it was asked before or a person has the chat."""
    offered = Conversation.objects.filter(
        pk=conversation.pk, status=Conversation.Status.BOT, bot_csat_offered_at__isnull=True
    ).update(bot_csat_offered_at=now)
    if offered:
        realtime.group_send_on_commit(
            realtime.conversation_group(conversation.public_id), events.csat_requested(text=text)
        )
    return bool(offered)


def conversation_bot_csat_record(
    *, conversation: Conversation, score: int, comment: str, now: datetime
) -> CsatResult:
    """Store the visitor's rating of the bot: only when the bot asked, and only the first."""
    if not 1 <= score <= 5:  # the `csat` frame's parser refuses these already
        raise ValueError(f"CSAT score must be 1 to 5, not {score!r}")
    asked = Conversation.objects.filter(pk=conversation.pk, bot_csat_offered_at__isnull=False)
    stored = asked.filter(bot_csat_score__isnull=True).update(
        bot_csat_score=score, bot_csat_comment=comment.strip()[:1000], bot_csat_at=now
    )
    if stored:
        return CsatResult.STORED
    return CsatResult.DUPLICATE if asked.exists() else CsatResult.UNAVAILABLE
