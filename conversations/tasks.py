"""Celery jobs for conversations. Idempotent: a redelivered task does no harm."""

import logging

from celery import current_app, shared_task
from django.utils import timezone
from kombu.exceptions import KombuError

from conversations.transcripts import transcript_requests_unsent, transcript_send
from conversations.turns import turns_answer_overdue

logger = logging.getLogger(__name__)

# Queueing runs after the request commits, on the caller's thread (often Channels' one
# database thread): one attempt, and no wait longer than this on the broker.
ENQUEUE_TIMEOUT_SECONDS = 0.5


@shared_task(ignore_result=True)
def answer_unanswered() -> int:
    """Bot turns a dead server left behind (every server also sweeps: conversations.turns)."""
    return turns_answer_overdue()


@shared_task(
    ignore_result=True,
    acks_late=True,
    autoretry_for=(OSError,),  # smtplib's errors are OSErrors: the mail server hiccupped
    retry_backoff=True,
    max_retries=5,
)
def send_transcript(request_id: int) -> bool:
    """Email one transcript request; a redelivery or a retried frame sends nothing more."""
    return transcript_send(request_id=request_id)


def transcript_send_enqueue(request_id: int) -> bool:
    """Queue the email without holding the caller or failing it. False if the broker could
    not take it: transcripts_reconcile queues it again."""
    if current_app.conf.task_always_eager:
        send_transcript.apply_async((request_id,))
        return True
    timeouts = {
        "socket_timeout": ENQUEUE_TIMEOUT_SECONDS,
        "socket_connect_timeout": ENQUEUE_TIMEOUT_SECONDS,
        "max_retries": 0,
    }
    try:
        with current_app.connection_for_write(
            connect_timeout=ENQUEUE_TIMEOUT_SECONDS, transport_options=timeouts
        ) as connection:
            send_transcript.apply_async((request_id,), connection=connection, retry=False)
    except (KombuError, OSError) as error:
        logger.warning("transcript %s not queued: %s", request_id, error)
        return False
    except Exception as error:  # noqa: BLE001 - a broker hiccup must never fail the frame
        logger.warning("transcript %s not queued: %r", request_id, error)
        return False
    return True


@shared_task(ignore_result=True)
def transcripts_reconcile() -> int:
    """Queue again the recent requests whose email was not handed over (for beat)."""
    pending = transcript_requests_unsent(now=timezone.now())
    return sum(transcript_send_enqueue(request_id) for request_id in pending)
