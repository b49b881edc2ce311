"""Seed the spec's default policy (escalation.policy.Policy.default()): rules, thresholds, plans."""

from django.db import migrations


def seed(apps, schema_editor):
    from escalation.policy import Policy
    from escalation.policy_store import policy_rows_write

    policy_rows_write(
        Policy.default(),
        rule_model=apps.get_model("escalation", "EscalationRule"),
        plan_model=apps.get_model("escalation", "Plan"),
        settings_model=apps.get_model("escalation", "EscalationSettings"),
    )


class Migration(migrations.Migration):
    dependencies = [("escalation", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
