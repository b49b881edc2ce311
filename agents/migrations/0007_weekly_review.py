from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("agents", "0006_technical_queue"),
    ]

    operations = [
        migrations.CreateModel(
            name="WeeklyReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "week_start",
                    models.DateField(help_text="The Monday the week starts on.", unique=True),
                ),
                (
                    "time_zone",
                    models.CharField(help_text="The zone the week's days are in.", max_length=64),
                ),
                ("built_at", models.DateTimeField(auto_now_add=True)),
                ("sending_since", models.DateTimeField(blank=True, null=True)),
                ("emailed_at", models.DateTimeField(blank=True, null=True)),
                ("recipients", models.JSONField(blank=True, default=list)),
            ],
            options={"ordering": ["-week_start"]},
        ),
    ]
