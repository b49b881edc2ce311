from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0006_transcript_requests"),
    ]

    operations = [
        migrations.AddField(
            model_name="article",
            name="url",
            field=models.URLField(
                blank=True,
                help_text="The article on your help centre. Offline answers end with “Read more: <URL>”.",
                max_length=500,
                verbose_name="URL",
            ),
        ),
    ]
