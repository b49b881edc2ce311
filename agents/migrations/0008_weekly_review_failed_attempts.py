from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0007_weekly_review"),
    ]

    operations = [
        migrations.AddField(
            model_name="weeklyreview",
            name="failed_attempts",
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
