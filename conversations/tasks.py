"""Celery jobs for conversations. Idempotent: a redelivered task does no harm."""

from celery import shared_task

from conversations.reconcile import unanswered_answer_all


@shared_task(ignore_result=True)
def answer_unanswered() -> int:
    return unanswered_answer_all()
