"""Migration operations that never lock a big table on PostgreSQL and still run on SQLite (the demo).

``AddIndexConcurrently`` builds the index with CREATE INDEX CONCURRENTLY, which reads the table
without stopping writes; SQLite has no such thing (and no concurrent writers to stop), so there
the index is built the ordinary way. ``RemoveColumnIndexOnline`` drops a foreign key's own index
the same way (DROP INDEX CONCURRENTLY). Used in migrations with ``atomic = False``
(docs/operations.md, "Migrations on a live database").
"""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db.migrations.operations import AddIndex
from django.db.migrations.operations.base import Operation


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


class RemoveColumnIndexOnline(Operation):
    """Drop a column's own index, as Django named it (a foreign key's), without locking the table:
    DROP INDEX CONCURRENTLY on PostgreSQL, an ordinary DROP INDEX elsewhere; reversed by building it
    again the same way. The model's state stops declaring the index with an ``AlterField`` setting
    ``db_index=False``, in ``SeparateDatabaseAndState`` with this as its database operation. Used in
    migrations with ``atomic = False``."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, table: str, column: str, name: str) -> None:
        self.table, self.column, self.name = table, column, name

    def deconstruct(self):
        return (
            self.__class__.__qualname__,
            [],
            {"table": self.table, "column": self.column, "name": self.name},
        )

    def state_forwards(self, app_label, state):
        pass

    def _concurrently(self, schema_editor) -> str:
        return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        quote = schema_editor.quote_name
        schema_editor.execute(f"DROP INDEX{self._concurrently(schema_editor)} IF EXISTS {quote(self.name)}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"CREATE INDEX{self._concurrently(schema_editor)} IF NOT EXISTS {quote(self.name)} "
            f"ON {quote(self.table)} ({quote(self.column)})"
        )

    def describe(self) -> str:
        return f"Drop index {self.name} on {self.table}({self.column}) concurrently"

    @property
    def migration_name_fragment(self) -> str:
        return f"remove_{self.name.lower()}"
