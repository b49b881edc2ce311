import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0010_conversation_first_visitor_message_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="bot_csat_offered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="conversation",
            name="bot_csat_score",
            field=models.PositiveSmallIntegerField(
                blank=True,
                null=True,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(5),
                ],
                verbose_name="AI-only CSAT",
            ),
        ),
        migrations.AddField(
            model_name="conversation",
            name="bot_csat_comment",
            field=models.TextField(blank=True, verbose_name="AI-only CSAT comment"),
        ),
        migrations.AddField(
            model_name="conversation",
            name="bot_csat_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
