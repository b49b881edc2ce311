"""The queue the spec's `technical_issue` rule routes to ("technical"), missing until now: its
escalations fell back to the default queue. Office hours are the demo's (agents/demo.py)."""

from django.db import migrations


def seed(apps, schema_editor):
    Queue = apps.get_model("agents", "Queue")
    Queue.objects.get_or_create(
        slug="technical",
        defaults={
            "name": "Technical support",
            "categories": "technical",
            "priority": 40,
            "routing": "auto",
        },
    )


class Migration(migrations.Migration):
    dependencies = [("agents", "0005_ticket_email_attempts")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
