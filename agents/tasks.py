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
