"""Celery beat jobs for the queue. Idempotent: a redelivered task does no harm."""

from celery import shared_task
from django.utils import timezone

from agents import services


@shared_task(ignore_result=True)
def queue_reconcile() -> tuple[int, int]:
    return services.queue_reconcile()


@shared_task(ignore_result=True)
def queue_sla_watch() -> dict[str, int]:
    return services.queue_sla_watch()


@shared_task(ignore_result=True)
def queue_abandoned_sweep() -> int:
    return services.queue_abandoned_sweep()


@shared_task(ignore_result=True)
def vip_checkins() -> int:
    return services.vip_checkins_send(now=timezone.now())


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def vip_checkin_email(conversation_id: int, text: str, subject: str = "VIP check-in") -> int:
    # `subject` defaults for tasks queued before it existed.
    return services.vip_checkin_email_send(
        conversation_id=conversation_id, text=text, subject=subject
    )


@shared_task(ignore_result=True, acks_late=True)
def ticket_confirmation_email(ticket_id: int) -> bool:
    """The visitor's confirmation; sent once however often the task is delivered."""
    return services.ticket_confirmation_send(ticket_id=ticket_id)


@shared_task(ignore_result=True, acks_late=True)
def ticket_reply_email(reply_id: int) -> bool:
    """An agent's reply to a ticket; sent once however often the task is delivered."""
    return services.ticket_reply_send(reply_id=reply_id)


@shared_task(ignore_result=True)
def ticket_emails_reconcile() -> int:
    """Send the confirmations and replies whose task never ran (the broker refused it, or the
    job was lost). Each send is guarded, so overlapping with the task itself sends once."""
    return services.ticket_emails_reconcile()


@shared_task(ignore_result=True)
def weekly_review() -> str | None:
    """Every 15 minutes from beat: email last week's review if it is due and not yet sent."""
    week = services.weekly_review_run(now=timezone.now())
    return week.isoformat() if week else None
