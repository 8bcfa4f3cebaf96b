"""The audit log becomes append-only in the database: every entry carries its hash, and a trigger
refuses UPDATE and DELETE on the table (PostgreSQL, or SQLite in the embedded mode)."""

from django.db import migrations, models

from accounts.audit_guard import guard_install, guard_remove


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_audit_chain_existing"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("hash", ""), _negated=True), name="audit_entry_chained"
            ),
        ),
        # After the constraint: on SQLite, adding it rebuilds the table, which would drop the triggers.
        migrations.RunPython(guard_install, guard_remove),
    ]
