"""Celery jobs for escalations. Idempotent: a redelivered task does no harm."""

import logging
from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from chatsy.enqueue import task_enqueue
from conversations.assistant.config import llm_config
from escalation.handoff_summary import escalation_summarise
from escalation.selectors import escalations_without_llm_summary

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True, acks_late=True)
def summarise_escalation(escalation_id: int) -> bool:
    return escalation_summarise(escalation_id=escalation_id)


def summarise_escalation_enqueue(escalation_id: int) -> bool:
    """Queue the LLM summary. False if the broker could not take it: the card keeps the
    extractive summary stored with the escalation until summaries_reconcile queues it again."""
    return task_enqueue(
        summarise_escalation, escalation_id, what=f"summary of escalation {escalation_id}"
    )


# An escalation whose summary could not be queued (or whose job was lost) gets it from here.
SUMMARY_SWEEP_WINDOW = timedelta(minutes=30)


@shared_task(ignore_result=True)
def summaries_reconcile() -> int:
    """Queue the LLM summary of each recent escalation that still shows the extractive one.
    For beat (every minute or so); a no-op while no LLM is configured."""
    if not llm_config().configured:
        return 0
    since = timezone.now() - SUMMARY_SWEEP_WINDOW
    pending = escalations_without_llm_summary(since=since)
    return sum(summarise_escalation_enqueue(escalation_id) for escalation_id in pending)
