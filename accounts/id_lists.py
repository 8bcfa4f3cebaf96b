"""A filter on a long list of ids, passed to the database as one parameter.

``field__in=ids`` writes a parameter per id, and each one is prepared by the ORM and then quoted
into the statement by the database driver: for the 800 contracts of a large council that costs
several milliseconds per query before the database sees it, more than the database takes to
answer. ``in_ids(field, ids)`` says the same (``field`` is one of ``ids``) with the ids as a single
array: ``field = ANY(%s::bigint[])`` in PostgreSQL; ``ids_in(column, ids)`` is the same for a
statement written in SQL. On SQLite (the embedded mode) they are an ``IN`` filter.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection
from django.db.models import F, Lookup, Q


def _array(ids: Iterable[int]) -> str:
    """The ids as one PostgreSQL array literal (``{1,2,3}``)."""
    return "{" + ",".join(str(int(pk)) for pk in ids) + "}"


class _AnyOf(Lookup):
    """``column = ANY('{1,2,3}'::bigint[])``; the right-hand side is the list of ids."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        column, params = self.process_lhs(compiler, connection)
        return f"{column} = ANY(%s::bigint[])", [*params, _array(self.rhs)]


def in_ids(field: str, ids: Iterable[int]) -> Q | _AnyOf:
    """A filter: ``field`` (an id or foreign key column, ``contract_id``) is one of ``ids``."""
    ids = list(ids)
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    return _AnyOf(F(field), ids)


def ids_in(column: str, ids: list[int]) -> tuple[str, list]:
    """SQL for "``column`` is one of ``ids``", the list passed as one parameter, and that parameter."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [_array(ids)]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(ids)]  # noqa: S608 - no value in it
