"""Celery jobs for escalations. Idempotent: a redelivered task does no harm."""

import logging
from datetime import timedelta

from celery import current_app, shared_task
from django.utils import timezone
from kombu.exceptions import KombuError

from conversations.assistant.config import llm_config
from escalation.handoff_summary import escalation_summarise
from escalation.selectors import escalations_without_llm_summary

logger = logging.getLogger(__name__)

# Queueing the summary runs after the escalation commits, on the caller's thread (often
# Channels' one database thread): one attempt, and no wait longer than this on the broker.
ENQUEUE_TIMEOUT_SECONDS = 0.5


@shared_task(ignore_result=True, acks_late=True)
def summarise_escalation(escalation_id: int) -> bool:
    return escalation_summarise(escalation_id=escalation_id)


def summarise_escalation_enqueue(escalation_id: int) -> bool:
    """Queue the LLM summary without holding the caller or failing it. False if the broker
    could not take it: the card keeps the extractive summary stored with the escalation until
    summaries_reconcile queues it again."""
    if current_app.conf.task_always_eager:
        summarise_escalation.apply_async((escalation_id,))
        return True
    timeouts = {
        "socket_timeout": ENQUEUE_TIMEOUT_SECONDS,
        "socket_connect_timeout": ENQUEUE_TIMEOUT_SECONDS,
        "max_retries": 0,  # kombu's connect loop would otherwise retry a refused connection
    }
    try:
        with current_app.connection_for_write(
            connect_timeout=ENQUEUE_TIMEOUT_SECONDS, transport_options=timeouts
        ) as connection:
            summarise_escalation.apply_async((escalation_id,), connection=connection, retry=False)
    except (KombuError, OSError) as error:  # kombu's OperationalError, redis-py's errors
        logger.warning("summary of escalation %s not queued: %s", escalation_id, error)
        return False
    except Exception as error:  # noqa: BLE001 - a broker hiccup must never fail a handoff
        logger.warning("summary of escalation %s not queued: %r", escalation_id, error)
        return False
    return True


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
