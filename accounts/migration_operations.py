"""Migration operations that never lock a big table on PostgreSQL and still run on SQLite (the demo).

``AddIndexConcurrently`` builds the index with CREATE INDEX CONCURRENTLY, which reads the table
without stopping writes; SQLite has no such thing (and no concurrent writers to stop), so there
the index is built the ordinary way. Used in migrations with ``atomic = False``
(docs/operations.md, "Migrations on a live database").
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex


class AddIndexOnline(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL; an ordinary CREATE INDEX elsewhere."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
