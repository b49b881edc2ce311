"""Celery jobs for escalations. Idempotent: a redelivered task does no harm."""

from celery import shared_task

from escalation.handoff_summary import escalation_summarise


@shared_task(ignore_result=True, acks_late=True)
def summarise_escalation(escalation_id: int) -> bool:
    return escalation_summarise(escalation_id=escalation_id)
