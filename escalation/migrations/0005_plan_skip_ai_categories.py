"""Plans: the single `skip_ai_for_complex` switch becomes a list of categories (the complex and
sensitive issues it meant: today's behaviour), and a plan gets the priority of those issues."""

import escalation.models
from django.db import migrations, models

# escalation.policy.VIP_SKIP_AI_CATEGORIES as of this migration (frozen: the code may move on).
COMPLEX = [
    "billing_dispute",
    "security",
    "legal",
    "refund_exception",
    "policy_exception",
    "technical",
    "multi_step",
    "sensitive",
]
VIP_PLANS = {"Enterprise": 2, "VIP": 3}


def categories_from_switch(apps, schema_editor):
    Plan = apps.get_model("escalation", "Plan")
    Plan.objects.filter(skip_ai_for_complex=True).update(skip_ai_categories=COMPLEX)
    for name, tier in VIP_PLANS.items():  # the spec's VIP plans, if an admin deleted them
        if not Plan.objects.filter(name__iexact=name).exists():
            Plan.objects.create(
                name=name,
                tier=tier,
                vip=True,
                skip_ai_categories=COMPLEX,
                dedicated_queue="vip",
                priority="urgent",
                proactive_checkin_minutes=15,
            )


def switch_from_categories(apps, schema_editor):
    Plan = apps.get_model("escalation", "Plan")
    Plan.objects.exclude(skip_ai_categories=[]).update(skip_ai_for_complex=True)


class Migration(migrations.Migration):
    dependencies = [("escalation", "0004_classifier_thresholds")]

    operations = [
        migrations.AddField(
            model_name="plan",
            name="skip_ai_categories",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Issues of these categories go straight to a person (VIP plans only).",
                validators=[escalation.models.validate_categories],
                verbose_name="skip the AI for",
            ),
        ),
        migrations.AddField(
            model_name="plan",
            name="priority",
            field=models.CharField(
                choices=[("normal", "Normal"), ("high", "High"), ("urgent", "Urgent")],
                default="urgent",
                help_text="The priority of the issues that skip the AI.",
                max_length=10,
            ),
        ),
        migrations.RunPython(categories_from_switch, switch_from_categories),
        migrations.RemoveField(model_name="plan", name="skip_ai_for_complex"),
        migrations.AlterField(
            model_name="plan",
            name="dedicated_queue",
            field=models.SlugField(
                blank=True, help_text="The queue VIP escalations wait in.", max_length=60
            ),
        ),
        migrations.AlterField(
            model_name="plan",
            name="name",
            field=models.CharField(
                help_text="The host site's plan claim matches it, any case.",
                max_length=60,
                unique=True,
            ),
        ),
        migrations.AlterField(
            model_name="plan",
            name="proactive_checkin_minutes",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="Managers are alerted (console and email) when this plan's customer "
                "waits longer than this.",
                null=True,
            ),
        ),
    ]
