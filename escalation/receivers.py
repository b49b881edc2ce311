"""Policy cache invalidation: any saved or deleted policy row, from admin, YAML import or code.

A model signal fits here (every write path must invalidate); the escalation's own follow-ups
(routing, the LLM summary) are explicit calls in `conversation_escalate`."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from escalation.models import (
    ClassifierThreshold,
    EscalationRule,
    EscalationSettings,
    Plan,
)
from escalation.policy_store import policy_invalidate_on_commit


@receiver([post_save, post_delete], sender=EscalationRule)
@receiver([post_save, post_delete], sender=EscalationSettings)
@receiver([post_save, post_delete], sender=Plan)
@receiver([post_save, post_delete], sender=ClassifierThreshold)
def policy_changed(sender: type[models.Model], **kwargs: Any) -> None:
    """Any edit to the policy's rows invalidates every process's cached Policy."""
    policy_invalidate_on_commit()
