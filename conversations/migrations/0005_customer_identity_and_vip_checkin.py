"""Identified customers (a site's identity secret, one Customer per site user, the signed-up
date) and the VIP check-in's once-per-wait mark."""

import secrets

import conversations.models
from django.db import migrations, models


def secrets_per_site(apps, schema_editor):
    # AddField computed the default once for every existing row: give each site its own.
    Site = apps.get_model("conversations", "Site")
    for site in Site.objects.all():
        Site.objects.filter(pk=site.pk).update(identity_secret=secrets.token_hex(32))


def external_ids_unique(apps, schema_editor):
    """Ids an admin typed twice: the oldest customer keeps the id and gets the conversations;
    the others stay (name, email) without it."""
    Customer = apps.get_model("conversations", "Customer")
    Conversation = apps.get_model("conversations", "Conversation")
    keeper: dict[tuple[int, str], int] = {}
    for customer in Customer.objects.exclude(external_id="").order_by("created", "pk"):
        key = (customer.site_id, customer.external_id)
        if key not in keeper:
            keeper[key] = customer.pk
            continue
        Conversation.objects.filter(customer=customer).update(customer_id=keeper[key])
        Customer.objects.filter(pk=customer.pk).update(external_id="")


class Migration(migrations.Migration):
    dependencies = [("conversations", "0004_message_reply_to_and_turn_due")]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="checkin_sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="customer",
            name="signed_up_at",
            field=models.DateTimeField(
                blank=True,
                help_text="When they signed up on the site (the identity's claim).",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="site",
            name="identity_secret",
            field=models.CharField(
                default=conversations.models.identity_secret_new,
                help_text="Your server signs the logged-in user's id with this "
                "(docs/identity.md). Keep it secret; regenerate it if it leaks.",
                max_length=64,
            ),
        ),
        migrations.RunPython(secrets_per_site, migrations.RunPython.noop),
        migrations.RunPython(external_ids_unique, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="customer",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id", ""), _negated=True),
                fields=("site", "external_id"),
                name="customer_external_id_unique",
            ),
        ),
    ]
