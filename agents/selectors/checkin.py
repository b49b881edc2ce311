"""Reads for the VIP check-in: the waits past their plan's minutes, and whom to tell."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef, Q

from agents.models import AgentProfile
from conversations.models import Conversation, Message

# A VIP waits while queued, and while assigned until a person actually writes to them.
VIP_WAITING_STATUSES = (Conversation.Status.QUEUED, Conversation.Status.ASSIGNED)


def vip_waits_due(*, now: datetime) -> list[Conversation]:
    """VIP conversations waiting longer than their plan's check-in minutes, not yet reported
    for this wait (a report before this wait's `enqueued_at` was for an earlier one)."""
    human_reply = Message.objects.filter(
        conversation=OuterRef("pk"),
        sender=Message.Sender.AGENT,
        created__gte=OuterRef("enqueued_at"),
    )
    candidates = (
        Conversation.objects.filter(
            status__in=VIP_WAITING_STATUSES,
            enqueued_at__isnull=False,
            customer__plan__vip=True,
            customer__plan__proactive_checkin_minutes__isnull=False,
        )
        .filter(Q(checkin_sent_at__isnull=True) | Q(checkin_sent_at__lt=F("enqueued_at")))
        .exclude(Exists(human_reply))
        .select_related("customer__plan", "queue")
        .order_by("enqueued_at")
    )
    return [c for c in candidates if c.enqueued_at and c.enqueued_at <= _due_before(c, now)]


def _due_before(conversation: Conversation, now: datetime) -> datetime:
    minutes = conversation.customer.plan.proactive_checkin_minutes  # type: ignore[union-attr]
    return now - timedelta(minutes=minutes or 0)


def checkin_text(*, conversation: Conversation, now: datetime) -> str:
    """ "Ann Lee (VIP plan) has waited 16 min in VIP & Enterprise with no reply yet.\""""
    customer, plan = conversation.customer, conversation.customer.plan
    minutes = int((now - conversation.enqueued_at).total_seconds() // 60)  # type: ignore[operator]
    where = f" in {conversation.queue.name}" if conversation.queue else ""
    state = (
        "with no reply yet"
        if conversation.status == Conversation.Status.ASSIGNED
        else "for a person"
    )
    plan_name = f" ({plan.name} plan)" if plan else ""
    return f"VIP check-in: {customer}{plan_name} has waited {minutes} min{where} {state}."


def checkin_subject(*, conversation: Conversation, now: datetime) -> str:
    """ "VIP check-in: VIP customer waiting 16 min": the email subject holds no customer-given
    text (a CR/LF in a name would make it an invalid header and lose the email)."""
    plan = conversation.customer.plan
    minutes = int((now - conversation.enqueued_at).total_seconds() // 60)  # type: ignore[operator]
    plan_name = " ".join(plan.name.split()) if plan else "VIP"
    return f"VIP check-in: {plan_name} customer waiting {minutes} min"


def supervisors_to_alert() -> list[AgentProfile]:
    return list(AgentProfile.objects.filter(is_supervisor=True, user__is_active=True))


def supervisor_emails() -> list[str]:
    emails = AgentProfile.objects.filter(is_supervisor=True, user__is_active=True).values_list(
        "user__email", flat=True
    )
    return sorted({email for email in emails if email})
