"""Seed the sensitive-topic protocols (escalation.copy.SENSITIVE_PROTOCOLS) and raise the
sensitive rule to urgent priority (issue 13), unless an admin already changed it."""

from django.db import migrations


def seed(apps, schema_editor):
    from escalation.copy import SENSITIVE_PROTOCOLS

    SensitiveProtocol = apps.get_model("escalation", "SensitiveProtocol")
    for topic, (visitor_text, agent_guidance) in SENSITIVE_PROTOCOLS.items():
        SensitiveProtocol.objects.get_or_create(
            topic=topic, defaults={"visitor_text": visitor_text, "agent_guidance": agent_guidance}
        )
    EscalationRule = apps.get_model("escalation", "EscalationRule")
    EscalationRule.objects.filter(key="sensitive_topic", priority="high").update(priority="urgent")


def unseed(apps, schema_editor):
    EscalationRule = apps.get_model("escalation", "EscalationRule")
    EscalationRule.objects.filter(key="sensitive_topic", priority="urgent").update(priority="high")


class Migration(migrations.Migration):
    dependencies = [("escalation", "0006_sensitive_topics_and_protocols")]

    operations = [migrations.RunPython(seed, unseed)]
