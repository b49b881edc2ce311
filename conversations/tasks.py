"""Celery jobs for conversations. Idempotent: a redelivered task does no harm."""

import logging

from celery import shared_task
from django.utils import timezone

from chatsy.enqueue import task_enqueue
from conversations.transcripts import transcript_requests_unsent, transcript_send
from conversations.turns import turns_answer_overdue

logger = logging.getLogger(__name__)


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
    """Queue the email. False if the broker could not take it: transcripts_reconcile queues
    it again."""
    return task_enqueue(send_transcript, request_id, what=f"transcript {request_id}")


@shared_task(ignore_result=True)
def transcripts_reconcile() -> int:
    """Queue again the recent requests whose email was not handed over (for beat)."""
    pending = transcript_requests_unsent(now=timezone.now())
    return sum(transcript_send_enqueue(request_id) for request_id in pending)
