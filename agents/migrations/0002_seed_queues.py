"""The default queues the spec's routing needs (editable in admin)."""

from django.db import migrations

QUEUES = [
    # slug, name, categories, priority, vip_only, routing
    ("vip", "VIP & Enterprise", "vip", 100, True, "auto"),
    ("security", "Trust & safety", "security", 90, False, "auto"),
    ("specialists", "Specialists (sensitive topics)", "sensitive", 80, False, "manual"),
    ("legal", "Legal & compliance", "legal", 70, False, "manual"),
    ("manager", "Managers (refund exceptions)", "refund_exception,policy_exception", 60, False, "manual"),
    ("billing", "Billing", "billing_dispute", 50, False, "auto"),
    ("general", "General support", "", 0, False, "auto"),
]


def seed(apps, schema_editor):
    Queue = apps.get_model("agents", "Queue")
    for slug, name, categories, priority, vip_only, routing in QUEUES:
        Queue.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "categories": categories, "priority": priority,
                      "vip_only": vip_only, "routing": routing},
        )


class Migration(migrations.Migration):
    dependencies = [("agents", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
