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
def vip_checkin_email(conversation_id: int, text: str) -> int:
    return services.vip_checkin_email_send(conversation_id=conversation_id, text=text)
