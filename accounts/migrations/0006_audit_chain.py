"""The audit log's new columns: the acting person's organisation and the hash chain; its links to
people and organisations no longer cascade or empty themselves (PROTECT)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_organisation_two_factor"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="actor_organisation",
            field=models.ForeignKey(
                blank=True,
                help_text="The organisation the person was acting for; its admins can read the entry too.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.organisation",
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="previous_hash",
            field=models.CharField(
                default="",
                editable=False,
                help_text="The hash of the entry before this one (zeros for the first).",
                max_length=64,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(
                default="",
                editable=False,
                help_text="SHA-256 of this entry's fields and the previous hash (accounts.audit_chain).",
                max_length=64,
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="actor_label",
            field=models.CharField(
                help_text="The person or process, as they were named when they acted.", max_length=255
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="organisation",
            field=models.ForeignKey(
                blank=True,
                help_text="The organisation whose record this is; its admins can read the entry.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="audit_entries",
                to="accounts.organisation",
            ),
        ),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["actor_organisation", "-at"], name="accounts_au_actor_o_1d8d59_idx"),
        ),
    ]
