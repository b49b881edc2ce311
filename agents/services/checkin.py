"""The VIP plans' proactive check-in: a VIP customer waiting past their plan's check-in minutes
alerts the managers (supervisors), in their consoles and by email, once per wait.

"Once" is a conditional UPDATE of `Conversation.checkin_sent_at` (set at or after this wait's
`enqueued_at`): a second sweep, a redelivered task or two workers at once find nothing to claim.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q

from agents import selectors
from agents.services.console_events import checkin_alert_on_commit
from chatsy.enqueue import task_enqueue
from conversations.models import Conversation

logger = logging.getLogger(__name__)


def vip_checkins_send(*, now: datetime) -> int:
    """Alert the managers about every VIP wait past its plan's minutes; how many were alerted."""
    sent = 0
    for conversation in selectors.vip_waits_due(now=now):
        with transaction.atomic():
            if not _checkin_claim(conversation, now=now):
                continue  # another sweep got there first
            text = selectors.checkin_text(conversation=conversation, now=now)
            supervisors = selectors.supervisors_to_alert()
            checkin_alert_on_commit(conversation, text=text, agent_ids=[s.pk for s in supervisors])
            subject = selectors.checkin_subject(conversation=conversation, now=now)
            _checkin_email_on_commit(conversation.pk, text, subject)
            sent += 1
    if sent:
        logger.info("VIP check-in: %d wait(s) reported to the managers", sent)
    return sent


def _checkin_claim(conversation: Conversation, *, now: datetime) -> bool:
    """Mark this wait as reported, unless it already is (or the wait ended meanwhile)."""
    this_wait = Q(checkin_sent_at__isnull=True) | Q(checkin_sent_at__lt=F("enqueued_at"))
    return bool(
        Conversation.objects.filter(
            this_wait,
            pk=conversation.pk,
            enqueued_at=conversation.enqueued_at,
            status__in=selectors.VIP_WAITING_STATUSES,
        ).update(checkin_sent_at=now)
    )


def _checkin_email_on_commit(conversation_id: int, text: str, subject: str) -> None:
    # Imported here: agents.tasks imports this package.
    from agents.tasks import vip_checkin_email

    # The console alert stands whatever the broker does; the log says what failed.
    transaction.on_commit(
        lambda: task_enqueue(
            vip_checkin_email,
            conversation_id,
            text,
            subject,
            what=f"VIP check-in email for conversation {conversation_id}",
        )
    )


def vip_checkin_email_send(*, conversation_id: int, text: str, subject: str) -> int:
    """The check-in email to every manager with an address: how many were sent. The subject is
    fixed text (selectors.checkin_subject); the customer's name is only in the body."""
    recipients = selectors.supervisor_emails()
    if not recipients:
        logger.warning("VIP check-in: no manager has an email address; console alert only")
        return 0
    body = (
        f"{text}\n\nOpen the supervisor view of the Chatsy console to check in on the "
        f"customer (conversation {conversation_id}).\n"
    )
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
