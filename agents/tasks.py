"""Celery beat jobs for the queue. Idempotent: a redelivered task does no harm."""

from celery import shared_task

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
