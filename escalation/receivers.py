"""Reactions to escalation events: cache invalidation of the policy, the LLM summary job."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from escalation.models import (
    ClassifierThreshold,
    Escalation,
    EscalationRule,
    EscalationSettings,
    Plan,
)
from escalation.policy_store import policy_invalidate_on_commit
from escalation.services import escalation_created


@receiver([post_save, post_delete], sender=EscalationRule)
@receiver([post_save, post_delete], sender=EscalationSettings)
@receiver([post_save, post_delete], sender=Plan)
@receiver([post_save, post_delete], sender=ClassifierThreshold)
def policy_changed(sender: type[models.Model], **kwargs: Any) -> None:
    """Any edit to the policy's rows invalidates every process's cached Policy."""
    policy_invalidate_on_commit()


@receiver(escalation_created)
def summary_requested(sender: object, escalation: Escalation, **kwargs: Any) -> None:
    from escalation.tasks import summarise_escalation

    transaction.on_commit(lambda: summarise_escalation.delay(escalation.pk))
