"""Alternatives to waiting become tickets: validate the visitor's choice, store the ticket once,
move the conversation out of the line (queued → ticket), confirm in the chat and by email.

docs/tickets.md tells the whole story; the email goes out from a Celery task once the
transaction commits, and the task sends each email once however often it is delivered.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from agents import hours
from agents.models import AgentProfile, Ticket, TicketReply
from agents.selectors.tickets import alternatives_frame, call_slots_for, queue_schedule
from agents.services.queue import conversation_leave_line
from chatsy.enqueue import task_enqueue
from conversations import lifecycle
from conversations.frames import TicketRequest
from conversations.models import Conversation
from conversations.services import message_post_system
from escalation import copy
from escalation.selectors import conversation_sensitive_topic, escalation_latest

logger = logging.getLogger(__name__)

FOLLOW_UP_AFTER_OPENING = timedelta(hours=2)  # the spec: "within 2 hours of opening"
PHONE = re.compile(r"^\+?[0-9][0-9 ().\-]{5,24}$")
LIMITS = {"name": 120, "email": 254, "phone": 40, "details": 4000}
REQUIRED = {
    Ticket.Kind.AFTER_HOURS: ("email",),
    Ticket.Kind.CALLBACK: ("phone", "window"),
    Ticket.Kind.EMAIL: ("email",),
    Ticket.Kind.SCHEDULED_CALL: ("phone", "slot"),
    Ticket.Kind.MESSAGE: ("email", "details"),
}
FIELD_LABELS = {
    "email": "your email",
    "phone": "your phone number",
    "window": "when we should call",
    "slot": "a time for the call",
    "details": "your message",
}


class TicketInvalid(Exception):
    """The visitor's form has errors; `fields` maps each field to what is wrong. Nothing stored."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("Please check the highlighted fields.")
        self.fields = fields


class TicketNotAvailable(Exception):
    """The conversation is not waiting for a person (any more): no ticket to make."""


@dataclass(frozen=True)
class TicketResult:
    ticket: Ticket
    text: str  # the confirmation the visitor reads
    duplicate: bool


def ticket_request_clean(
    *, request: TicketRequest, offered_slots: list[datetime], now: datetime
) -> dict[str, Any]:
    """Every field checked at once, so the form shows every problem; raises TicketInvalid."""
    errors: dict[str, str] = {}
    if request.kind not in Ticket.Kind.values:
        raise TicketInvalid({"kind": "Choose one of the options."})
    values = {k: getattr(request, k).strip() for k in ("name", "email", "phone", "details")}
    for key, limit in LIMITS.items():
        if len(values[key]) > limit:
            errors[key] = f"At most {limit:,} characters, please."
    for key in REQUIRED[Ticket.Kind(request.kind)]:
        if not getattr(request, key).strip():
            errors[key] = f"Please enter {FIELD_LABELS[key]}."
    if values["email"] and "email" not in errors:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = "That doesn't look like an email address (name@example.com)."
    if values["phone"] and "phone" not in errors and not _phone_ok(values["phone"]):
        errors["phone"] = "That doesn't look like a phone number (+1 555 123 4567)."
    window = request.window.strip()
    if window and window not in copy.CALLBACK_WINDOWS:
        errors["window"] = "Choose one of the times offered."
    slot = None
    if request.kind == Ticket.Kind.SCHEDULED_CALL and request.slot.strip():
        slot = _slot_parse(request.slot)
        if slot is None or slot not in offered_slots or slot <= now:
            errors["slot"] = "That time is no longer available. Please choose another."
    if errors:
        raise TicketInvalid(errors)
    return values | {"window": window, "slot": slot}


@transaction.atomic
def ticket_create(
    *, conversation: Conversation, request: TicketRequest, now: datetime | None = None
) -> TicketResult:
    """queued → ticket with the visitor's choice. A retried request (same request_id) returns
    the ticket it made; a conversation no longer waiting raises TicketNotAvailable."""
    now = now or timezone.now()
    status = lifecycle.conversation_lock(conversation=conversation)
    existing = Ticket.objects.filter(request_id=request.request_id).first()
    if existing is not None:
        if existing.conversation_id != conversation.pk:
            raise TicketNotAvailable("That request belongs to another conversation.")
        return TicketResult(existing, _confirmation_stored(existing, now=now), duplicate=True)
    if status != Conversation.Status.QUEUED:
        raise TicketNotAvailable("This chat is not waiting for our team any more.")
    conversation = Conversation.objects.select_related("queue", "site").get(pk=conversation.pk)
    values = ticket_request_clean(
        request=request, offered_slots=call_slots_for(conversation=conversation, now=now), now=now
    )
    ticket = _ticket_store(conversation, request, values, now=now)
    promise, wording = _confirmation(ticket, now=now)
    sensitive = bool(conversation_sensitive_topic(conversation_id=conversation.pk))
    text = f"{promise} {copy.ticket_chat_tail(wording, sensitive=sensitive)}"
    message_post_system(
        conversation=conversation,
        body=text,
        metadata={
            "event": "ticket_created",
            "ticket": ticket.pk,
            "kind": ticket.kind,
            "promise": promise,  # the email repeats it, without the chat's last words
        },
    )
    lifecycle.conversation_ticket(conversation=conversation)
    conversation_leave_line(conversation=conversation)  # and its watchers, once
    if ticket.contact_email:
        ticket_id = ticket.pk
        transaction.on_commit(lambda: _email_enqueue("confirmation", ticket_id))
    return TicketResult(ticket, text, duplicate=False)


def _ticket_store(
    conversation: Conversation, request: TicketRequest, values: dict[str, Any], *, now: datetime
) -> Ticket:
    escalation = escalation_latest(conversation=conversation)
    schedule = queue_schedule(conversation.queue, now=now)
    opens_at = hours.next_opening(schedule, now) or now
    kind = Ticket.Kind(request.kind)
    after_hours = kind == Ticket.Kind.AFTER_HOURS
    urgent = conversation.priority == "urgent" or (escalation and escalation.priority == "urgent")
    due = values["slot"] or opens_at + FOLLOW_UP_AFTER_OPENING
    try:
        with transaction.atomic():
            return Ticket.objects.create(
                conversation=conversation,
                queue=conversation.queue,
                request_id=request.request_id,
                kind=kind,
                priority="urgent" if urgent else ("high" if after_hours else "normal"),
                contact_name=values["name"] or conversation.customer.name,
                contact_email=values["email"],
                contact_phone=values["phone"],
                preferred_window=values["window"],
                requested_time=values["slot"],
                visitor_time_zone=hours.zone_or_utc(request.time_zone).key,
                details=values["details"],
                reason=(escalation.explanation if escalation else "")[:120],
                category=escalation.category if escalation else "",
                summary=escalation.summary if escalation else "",
                follow_up_due=due,
            )
    except IntegrityError as error:  # the same request_id raced in: the lock makes this rare
        raise TicketNotAvailable("That request was already received.") from error


def _confirmation(ticket: Ticket, *, now: datetime) -> tuple[str, str]:
    """ "We'll call you at … in the morning your time, by tomorrow at 11:00 AM EST.", and
    which wording it is (after hours says "of opening" only while closed)."""
    zone = ticket.visitor_time_zone
    due = ticket.follow_up_due or now
    schedule = queue_schedule(ticket.queue, now=now)
    opens_at = hours.next_opening(schedule, now) or now
    wording = ticket.kind
    if wording == Ticket.Kind.AFTER_HOURS and hours.is_open(schedule, now):
        wording = "after_hours_open"  # open, but nobody there: no opening to wait for
    promise = copy.TICKET_CONFIRMED[wording].format(
        email=ticket.contact_email,
        phone=ticket.contact_phone,
        window=copy.CALLBACK_WINDOWS.get(ticket.preferred_window, ""),
        due=hours.back_at(due, visitor_zone=zone, now=now).removeprefix("at "),
        back=hours.back_at(opens_at, visitor_zone=zone, now=now).removeprefix("at "),
        slot=hours.slot_label(ticket.requested_time, visitor_zone=zone)
        if ticket.requested_time
        else "",
    )
    return promise, wording


def _confirmation_stored(ticket: Ticket, *, now: datetime, chat: bool = True) -> str:
    """The words the visitor read when the ticket was made (a retry and the email repeat
    them; the email without the chat's closing question)."""
    told = ticket.conversation.messages.filter(
        metadata__event="ticket_created", metadata__ticket=ticket.pk
    ).first()
    if told is not None:
        return told.body if chat else told.metadata.get("promise", told.body)
    return _confirmation(ticket, now=now)[0]


def _phone_ok(phone: str) -> bool:
    return bool(PHONE.match(phone)) and sum(c.isdigit() for c in phone) >= 6


def _slot_parse(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _email_enqueue(kind: str, object_id: int) -> None:
    """Queue the email task; a broker failure is logged, never raised into a committed ticket:
    `ticket_emails_reconcile` (beat, every minute) sends what is still unsent."""
    from agents import tasks

    task = tasks.ticket_confirmation_email if kind == "confirmation" else tasks.ticket_reply_email
    task_enqueue(task, object_id, what=f"{kind} email {object_id}")


class WidgetTickets:
    """conversations.hooks.TicketHooks: the visitor socket's way to alternatives and tickets.
    Installed in AgentsConfig.ready."""

    def alternatives(
        self, *, conversation: Conversation, time_zone: str, reason: str | None
    ) -> dict[str, Any] | None:
        fresh = Conversation.objects.select_related("queue").get(pk=conversation.pk)
        return alternatives_frame(
            conversation=fresh, visitor_zone=time_zone, now=timezone.now(), reason=reason
        )

    def ticket_request(self, *, conversation: Conversation, request: Any) -> dict[str, Any]:
        request_id = str(request.request_id)
        try:
            result = ticket_create(conversation=conversation, request=request)
        except TicketInvalid as error:
            return {
                "type": "error",
                "code": "ticket_invalid",
                "message": str(error),
                "request_id": request_id,
                "fields": error.fields,
            }
        except TicketNotAvailable as error:
            return {
                "type": "error",
                "code": "ticket_not_available",
                "message": str(error),
                "request_id": request_id,
            }
        ticket = result.ticket
        return {
            "type": "ticket_created",
            "request_id": request_id,
            "ticket": {"id": ticket.pk, "kind": ticket.kind},
            "text": result.text,
            "duplicate": result.duplicate,
        }


# --- emails (Celery tasks call these) -----------------------------------------------------


def ticket_confirmation_send(*, ticket_id: int) -> bool:
    """Email the visitor their confirmation once. The row lock and `confirmation_sent_at` make
    a redelivered task a no-op. False if there was nothing (left) to send."""
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(of=("self",))  # queue is a nullable join
            .select_related("conversation__site", "queue")
            .filter(pk=ticket_id)
            .first()
        )
        if ticket is None or ticket.confirmation_sent_at or not ticket.contact_email:
            return False
        promise = _confirmation_stored(ticket, now=timezone.now(), chat=False)
        site = ticket.conversation.site.name
        intro = copy.EMAIL_INTRO.format(name=ticket.contact_name or "there", site=site)
        send_mail(
            subject=copy.EMAIL_SUBJECT.format(ticket=ticket.pk),
            message=f"{intro}\n\n{promise}\n\n{copy.EMAIL_FOOTER.format(site=site)}\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[ticket.contact_email],
        )
        Ticket.objects.filter(pk=ticket.pk).update(confirmation_sent_at=timezone.now())
    return True


def ticket_reply_send(*, reply_id: int) -> bool:
    """Email an agent's reply once (same guard as the confirmation)."""
    with transaction.atomic():
        reply = (
            TicketReply.objects.select_for_update(of=("self",))
            .select_related("ticket__conversation__site")
            .filter(pk=reply_id)
            .first()
        )
        if reply is None or reply.sent_at or not reply.ticket.contact_email:
            return False
        ticket = reply.ticket
        send_mail(
            subject=f"Re: your request (ticket #{ticket.pk})",
            message=f"{reply.body}\n\n— The {ticket.conversation.site.name} team\n",
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[ticket.contact_email],
        )
        TicketReply.objects.filter(pk=reply.pk).update(sent_at=timezone.now())
    return True


EMAIL_SWEEP_AFTER = timedelta(minutes=1)  # the task had its chance
EMAIL_SWEEP_WINDOW = timedelta(days=1)  # older than this, an email would surprise
EMAIL_ATTEMPTS_MAX = 5  # sweeps per email: one the mail server always refuses is given up


def ticket_emails_reconcile(*, now: datetime | None = None) -> int:
    """Send what is still unsent between one minute and a day old. Returns how many went.

    Each email is tried on its own: one that fails (a refused recipient, a bad header) is
    logged and counted, never stops the others, and is given up after EMAIL_ATTEMPTS_MAX."""
    now = now or timezone.now()
    window = {"created__lt": now - EMAIL_SWEEP_AFTER, "created__gte": now - EMAIL_SWEEP_WINDOW}
    tries = {"email_attempts__lt": EMAIL_ATTEMPTS_MAX}
    tickets = Ticket.objects.filter(confirmation_sent_at__isnull=True, **window, **tries).exclude(
        contact_email=""
    )
    replies = TicketReply.objects.filter(sent_at__isnull=True, **window, **tries)
    sent = 0
    for pk in tickets.values_list("pk", flat=True):
        sent += _email_attempt(Ticket, pk, lambda pk=pk: ticket_confirmation_send(ticket_id=pk))
    for pk in replies.values_list("pk", flat=True):
        sent += _email_attempt(TicketReply, pk, lambda pk=pk: ticket_reply_send(reply_id=pk))
    return sent


def _email_attempt(model: type[Ticket] | type[TicketReply], pk: int, send: Any) -> bool:
    """Count the attempt first (a failed send rolls its own transaction back), then send."""
    model.objects.filter(pk=pk).update(email_attempts=F("email_attempts") + 1)
    try:
        return bool(send())
    except Exception as error:  # noqa: BLE001 - the next email must still go out
        logger.warning("%s %s email not sent: %r", model.__name__, pk, error)
        return False


# --- the console --------------------------------------------------------------------------


def ticket_assign(*, ticket: Ticket, agent: AgentProfile) -> Ticket:
    Ticket.objects.filter(pk=ticket.pk).update(assigned_agent=agent, updated=timezone.now())
    ticket.assigned_agent = agent
    return ticket


def ticket_mark_done(*, ticket: Ticket, agent: AgentProfile) -> Ticket:
    """Open → done, once; the agent who closes an unassigned ticket becomes its owner."""
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk, state=Ticket.State.OPEN).update(
        state=Ticket.State.DONE, done_at=now, updated=now
    )
    if ticket.assigned_agent_id is None:
        ticket_assign(ticket=ticket, agent=agent)
    ticket.refresh_from_db()
    return ticket


@transaction.atomic
def ticket_reply(*, ticket: Ticket, agent: AgentProfile, body: str) -> TicketReply:
    """Record an agent's email reply and send it (Celery, on commit)."""
    body = body.strip()
    if not body:
        raise ValueError("Write a reply first.")
    if not ticket.contact_email:
        raise ValueError("This ticket has no email address to reply to.")
    reply = TicketReply.objects.create(ticket=ticket, author=agent, body=body[:10000])
    if ticket.assigned_agent_id is None:
        ticket_assign(ticket=ticket, agent=agent)
    reply_id = reply.pk
    transaction.on_commit(lambda: _email_enqueue("reply", reply_id))
    return reply


__all__ = [
    "TicketInvalid",
    "TicketNotAvailable",
    "TicketRequest",
    "TicketResult",
    "WidgetTickets",
    "ticket_assign",
    "ticket_confirmation_send",
    "ticket_create",
    "ticket_emails_reconcile",
    "ticket_mark_done",
    "ticket_reply",
    "ticket_reply_send",
    "ticket_request_clean",
]
