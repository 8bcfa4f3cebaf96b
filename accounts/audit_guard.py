"""The database's own refusal to change or delete audit entries: a trigger on the audit table,
written for PostgreSQL and for the embedded SQLite database, and the check that it is in force.

Installed by migration ``accounts.0008_audit_append_only``. On SQLite, a migration that rebuilds
the table drops its triggers with it, so such a migration must run ``guard_install`` again;
``guard_problem`` (checked by ``manage.py verify_audit`` and nightly) says when the trigger is
missing or disabled.
"""

from __future__ import annotations

from django.db import connection

TABLE = "accounts_auditentry"
POSTGRESQL_TRIGGER = "accounts_auditentry_append_only"
SQLITE_TRIGGERS = ("accounts_auditentry_no_update", "accounts_auditentry_no_delete")

POSTGRESQL_CREATE = (
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'The audit log is append-only: % of audit entry % refused.', TG_OP, OLD.id
            USING ERRCODE = 'integrity_constraint_violation',
                  HINT = 'Record what happened as a new audit entry instead.';
    END;
    $$
    """,
    f"""
    CREATE TRIGGER {POSTGRESQL_TRIGGER} BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse_change()
    """,
)
POSTGRESQL_DROP = (
    f"DROP TRIGGER IF EXISTS {POSTGRESQL_TRIGGER} ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_refuse_change()",
)
SQLITE_CREATE = tuple(
    f"""
    CREATE TRIGGER IF NOT EXISTS {name} BEFORE {verb} ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'The audit log is append-only: audit entries cannot be {done}.'); END
    """
    for name, verb, done in zip(SQLITE_TRIGGERS, ("UPDATE", "DELETE"), ("changed", "deleted"), strict=True)
)
SQLITE_DROP = tuple(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS)


def _statements(vendor: str, create: bool) -> tuple[str, ...]:
    if vendor == "postgresql":
        return POSTGRESQL_CREATE if create else POSTGRESQL_DROP
    if vendor == "sqlite":
        return SQLITE_CREATE if create else SQLITE_DROP
    raise NotImplementedError(
        f"The audit log's append-only trigger is written for PostgreSQL and SQLite, not {vendor}."
    )


def guard_install(apps, schema_editor) -> None:
    """Make the database refuse UPDATE and DELETE on the audit table (a migration step)."""
    for statement in _statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(statement, params=None)


def guard_remove(apps, schema_editor) -> None:
    """Undo ``guard_install`` (the migration's reverse)."""
    for statement in _statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(statement, params=None)


def guard_problem() -> str | None:
    """What is wrong with the database's refusal to change audit entries, in words; None when the
    trigger is there and enabled."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s",
                [TABLE, POSTGRESQL_TRIGGER],
            )
            row = cursor.fetchone()
            if row is None:
                return f"the trigger {POSTGRESQL_TRIGGER} that refuses changes to the audit log is missing"
            if row[0] == "D":
                return (
                    f"the trigger {POSTGRESQL_TRIGGER} that refuses changes to the audit log is disabled "
                    f"(ALTER TABLE {TABLE} ENABLE TRIGGER {POSTGRESQL_TRIGGER} turns it back on)"
                )
            return None
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        missing = sorted(set(SQLITE_TRIGGERS) - {name for (name,) in cursor.fetchall()})
    if missing:
        return f"the triggers that refuse changes to the audit log are missing: {', '.join(missing)}"
    return None
