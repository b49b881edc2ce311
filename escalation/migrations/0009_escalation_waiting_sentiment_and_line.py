from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0008_handoff_help_placeholder"),
    ]

    operations = [
        migrations.AddField(
            model_name="escalation",
            name="waiting_sentiment",
            field=models.FloatField(
                blank=True,
                help_text="Sentiment of the visitor's latest message while waiting; empty: none yet.",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="escalation",
            name="waiting_line",
            field=models.CharField(
                blank=True,
                help_text="The visitor's latest message while waiting.",
                max_length=200,
            ),
        ),
    ]
