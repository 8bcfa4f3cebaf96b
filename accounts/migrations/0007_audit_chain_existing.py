"""Chain the audit entries written before the hash chain existed, in id order (the order they were
written), before the database starts refusing changes to them (0007)."""

from django.db import migrations

from accounts.audit_chain import GENESIS, HASHED_FIELDS, entry_hash

BATCH = 1000


def chain_existing(apps, schema_editor):
    AuditEntry = apps.get_model("accounts", "AuditEntry")
    previous, batch = GENESIS, []
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=BATCH):
        entry.previous_hash = previous
        entry.hash = entry_hash({name: getattr(entry, name) for name in HASHED_FIELDS}, previous)
        previous = entry.hash
        batch.append(entry)
        if len(batch) == BATCH:
            AuditEntry.objects.bulk_update(batch, ["previous_hash", "hash"])
            batch = []
    AuditEntry.objects.bulk_update(batch, ["previous_hash", "hash"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_audit_chain"),
    ]

    operations = [
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
    ]
