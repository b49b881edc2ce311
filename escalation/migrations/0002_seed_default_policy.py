"""Seed the spec's default policy (escalation.policy.Policy.default()): rules, thresholds, plans."""

from django.db import migrations


def seed(apps, schema_editor):
    from escalation.policy import Policy

    policy = Policy.default()
    Rule = apps.get_model("escalation", "EscalationRule")
    Plan = apps.get_model("escalation", "Plan")
    Settings = apps.get_model("escalation", "EscalationSettings")
    for rule in policy.rules:
        Rule.objects.update_or_create(
            key=rule.key,
            defaults={
                "name": rule.name,
                "category": str(rule.category),
                "phrases": "\n".join(rule.phrases),
                "amount_threshold": rule.amount_threshold,
                "order_age_days": rule.order_age_days,
                "action": str(rule.action),
                "priority": str(rule.priority),
                "target_queue": rule.target_queue,
                "active": rule.active,
                "order": rule.order,
            },
        )
    for plan in policy.plans:
        Plan.objects.update_or_create(
            name=plan.name, defaults={k: v for k, v in plan.to_dict().items() if k != "name"}
        )
    Settings.objects.update_or_create(
        pk=1, defaults={**policy.thresholds.to_dict(), "default_queue": policy.default_queue}
    )


class Migration(migrations.Migration):
    dependencies = [("escalation", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
