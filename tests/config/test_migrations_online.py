"""Migrations never lock the big tables for long (docs/operations.md, "Migrations on a live database").

The episode rows, the stored results and the audit log hold millions of rows at national scale. A
migration that builds an index on one of them, validates a constraint over it or rewrites it holds a
lock that stops uploads, sign-offs or every audited change until it finishes. So, on those tables:

- an index is added (or dropped) with ``AddIndexConcurrently`` (``RemoveIndexConcurrently``, or
  ``RemoveColumnIndexOnline`` for a foreign key's own index), in a
  migration with ``atomic = False``;
- a check constraint is added with ``AddConstraintNotValid``, then ``ValidateConstraint`` (which
  reads the table without stopping writes); a unique constraint is built as a unique index
  concurrently first (``RunSQL`` in ``SeparateDatabaseAndState``);
- a new column is nullable or has a default (PostgreSQL adds either without rewriting the table),
  with no index and no foreign key of its own (both would be built or checked under the lock);
- a column is not altered in place (a type change rewrites the table; NOT NULL reads it all).

Migrations written before the service held a national programme's data are listed as they are.
"""

from __future__ import annotations

from django.contrib.postgres.operations import (
    AddConstraintNotValid,
    AddIndexConcurrently,
    RemoveIndexConcurrently,
)
from django.db import models
from django.db.migrations import operations
from django.db.migrations.loader import MigrationLoader

from accounts.migration_operations import RemoveColumnIndexOnline

BIG_TABLES = {
    ("outcomes", "episoderecord"),
    ("outcomes", "complianceresult"),
    ("accounts", "auditentry"),
}
# Written while the tables were small, and reviewed then; never add to this list.
BEFORE_NATIONAL_SCALE = {
    ("accounts", "0006_audit_chain"),
    ("accounts", "0008_audit_append_only"),
    ("outcomes", "0004_episode_latest_flag"),
    ("outcomes", "0005_episode_rows_by_month"),
    ("outcomes", "0008_result_months_outside_term"),
}


def _locking(operation, app_label: str) -> str | None:
    """Why the operation would hold a long lock on a big table, or None."""
    model = str(getattr(operation, "model_name", "") or "").lower()
    if (app_label, model) not in BIG_TABLES:
        return None
    if isinstance(operation, AddIndexConcurrently | RemoveIndexConcurrently | AddConstraintNotValid):
        return None
    if isinstance(operation, operations.AddIndex):
        return "builds an index under a lock: use AddIndexConcurrently in a non-atomic migration"
    if isinstance(operation, operations.RemoveIndex):
        return "drops an index under a lock: use RemoveIndexConcurrently in a non-atomic migration"
    if isinstance(operation, operations.AddConstraint):
        if isinstance(operation.constraint, models.CheckConstraint):
            return "validates a constraint under a lock: AddConstraintNotValid, then ValidateConstraint"
        return "builds a unique index under a lock: create it CONCURRENTLY first (RunSQL)"
    if isinstance(operation, operations.AddField):
        field = operation.field
        if field.db_index or field.unique or (field.is_relation and getattr(field, "db_constraint", False)):
            return "adds a column with an index or a foreign key: add it bare, then index it concurrently"
        if not field.null and not field.has_default() and field.db_default is models.NOT_PROVIDED:
            return "adds a NOT NULL column without a default"
        return None
    if isinstance(operation, operations.AlterField):
        return "alters a column in place (a type change rewrites the table; NOT NULL reads it all)"
    return None


def _problems() -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = []
    for (app_label, name), migration in sorted(loader.disk_migrations.items()):
        if (app_label, name) in BEFORE_NATIONAL_SCALE:
            continue
        created = {
            op.name.lower() for op in migration.operations if isinstance(op, operations.CreateModel)
        }  # a table made in the same migration is empty
        concurrent = False
        for operation in migration.operations:
            concurrent |= isinstance(operation, AddIndexConcurrently | RemoveIndexConcurrently)
            concurrent |= any(
                isinstance(inner, RemoveColumnIndexOnline)
                for inner in getattr(operation, "database_operations", [operation])
            )
            if str(getattr(operation, "model_name", "") or "").lower() in created:
                continue
            reason = _locking(operation, app_label)
            if reason:
                found.append(f"{app_label}.{name}: {operation.describe()} {reason}")
        if concurrent and migration.atomic:
            found.append(f"{app_label}.{name}: builds an index concurrently, so needs atomic = False")
    return found


def test_no_migration_locks_a_big_table():
    assert _problems() == []


def test_the_check_finds_an_index_built_under_a_lock():
    """The check itself: an ordinary AddIndex on the episode rows is found, a concurrent one is not."""
    index = models.Index(fields=["month"], name="episode_month_probe")
    assert _locking(operations.AddIndex("episoderecord", index), "outcomes")
    assert _locking(AddIndexConcurrently("episoderecord", index), "outcomes") is None
    assert _locking(operations.AddIndex("contract", index), "commissioning") is None
    column = models.CharField(max_length=5, null=True)
    assert _locking(operations.AddField("complianceresult", "note", column), "outcomes") is None
    indexed = models.CharField(max_length=5, null=True, db_index=True)
    assert _locking(operations.AddField("complianceresult", "note", indexed), "outcomes")
    for listed in BEFORE_NATIONAL_SCALE:
        assert listed in MigrationLoader(None, ignore_no_migrations=True).disk_migrations
