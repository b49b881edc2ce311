"""Celery jobs for conversations. Idempotent: a redelivered task does no harm."""

from celery import shared_task

from conversations.turns import turns_answer_overdue


@shared_task(ignore_result=True)
def answer_unanswered() -> int:
    """Bot turns a dead server left behind (every server also sweeps: conversations.turns)."""
    return turns_answer_overdue()
