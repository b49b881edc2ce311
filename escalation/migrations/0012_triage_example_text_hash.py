"""TriageExample is unique on (conversation, sha256 of the text), not on the text itself: a
long message exceeded PostgreSQL's btree row limit (~2.7 KB) and the save was a 500. The
hash is of the stored text exactly, so the rows unique before stay unique."""

import hashlib

from django.db import migrations, models


def fill_hashes(apps, schema_editor):
    TriageExample = apps.get_model("escalation", "TriageExample")
    for example in TriageExample.objects.only("pk", "text").iterator():
        example.text_hash = hashlib.sha256(example.text.encode()).hexdigest()
        example.save(update_fields=["text_hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0011_escalation_created_conversation_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="triageexample",
            name="text_hash",
            field=models.CharField(default="", editable=False, max_length=64),
        ),
        migrations.RunPython(fill_hashes, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="triageexample", name="triage_example_unique"),
        migrations.AddConstraint(
            model_name="triageexample",
            constraint=models.UniqueConstraint(
                fields=("conversation", "text_hash"), name="triage_example_unique_hash"
            ),
        ),
    ]
