"""Any edit to the policy's rows invalidates every process's cached Policy."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from escalation.models import EscalationRule, EscalationSettings, Plan
from escalation.policy_store import policy_invalidate_on_commit


@receiver([post_save, post_delete], sender=EscalationRule)
@receiver([post_save, post_delete], sender=EscalationSettings)
@receiver([post_save, post_delete], sender=Plan)
def policy_changed(sender, **kwargs) -> None:
    policy_invalidate_on_commit()
