"""The row of each episode the measures read, kept in ``EpisodeRecord.is_latest``.

An episode's row in the latest month that contains it, from each month's newest accepted version
(measures.md). Moved at each acceptance for the episodes of the versions concerned, and for a
whole contract when the nightly check finds the flags wrong.

Every statement here filters one table by a list of ids or references passed as a single array
parameter, or joins it to the (small) attempts table, so its plan stays linear whatever the
planner knows: the rows of a version written in the same transaction, or of a new contract, are
not in the table's statistics, and a join against them can be planned as a nested loop that
rescans them for every row (minutes for a large return).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection
from django.db.backends.utils import CursorWrapper

from accounts.id_lists import ids_in
from commissioning.models import Contract
from outcomes.models import EpisodeRecord, ReturnAttempt

_EPISODES = EpisodeRecord._meta.db_table
_ATTEMPTS = ReturnAttempt._meta.db_table


JIT_ROWS = 5000  # fewer rows than this are never planned costly enough to be compiled


@contextmanager
def jit_off(cursor: CursorWrapper, rows: int) -> Iterator[None]:
    """Run the statements inside, reading ``rows`` rows, without PostgreSQL's JIT compilation, within
    the caller's transaction.

    A comparison of a version's rows with the rows they replace, just written in the same transaction,
    is planned from statistics that do not know them yet: the planner expects millions of rows and
    compiles the query, which takes longer than running it (over a second for 50,000 episodes)."""
    if connection.vendor != "postgresql" or rows < JIT_ROWS:
        yield
        return
    cursor.execute("SELECT current_setting('jit'), set_config('jit', 'off', true)")
    (setting, _) = cursor.fetchone()
    yield
    cursor.execute("SELECT set_config('jit', %s, true)", [setting])


def null_safe_equal() -> str:
    """SQL for "equal, or both NULL" in this database."""
    return "IS NOT DISTINCT FROM" if connection.vendor == "postgresql" else "IS"


def _refs(where: str, params: list, *, less: tuple[str, list] | None = None) -> tuple[str, list]:
    """SQL for "``e.episode_ref`` is one of the references of the rows ``where`` selects" (less those
    of the rows ``less`` selects), and its one parameter.

    The references are read first, as one array (one value, not a row each), and passed back as one
    parameter: the planner sees the list itself, so it tests each row against a hash of it or looks
    each up in the index, rather than joining to a subquery whose size it can misjudge.
    """
    found = f"SELECT episode_ref FROM {_EPISODES} WHERE {where}"  # noqa: S608 - names from the model
    if less is not None:
        found += f" EXCEPT SELECT episode_ref FROM {_EPISODES} WHERE {less[0]}"  # noqa: S608 - names from the model
        params = [*params, *less[1]]
    if connection.vendor == "postgresql":
        query, condition = f"SELECT ARRAY({found})::text", "e.episode_ref = ANY(%s::text[])"
    else:
        query = f"SELECT json_group_array(episode_ref) FROM ({found})"  # noqa: S608 - names from the model
        condition = "e.episode_ref IN (SELECT value FROM json_each(%s))"
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return condition, [cursor.fetchone()[0]]


@dataclass(frozen=True)
class Moved:
    """The rows the measures read before a refresh and after it, where they differ, each as an SQL
    condition on the episode table with its parameters: ``before`` lose the flag (or were flagged
    and are not read any more), ``after`` are read now and were not. ``rows`` is at most how many
    rows the two hold. The conditions hold until the refresh is written."""

    before: tuple[str, list]
    after: tuple[str, list]
    rows: int


@dataclass(frozen=True)
class FlagsRefresh:
    """A refresh of the latest-row flags, found and not yet written: what it moves (``moved``, to
    compare the rows read before and after while both can still be told apart) and the statements
    that move the flags (``write``)."""

    moved: Moved
    writes: tuple[tuple[str, list], ...]

    def write(self) -> None:
        with connection.cursor() as cursor:
            for statement, params in self.writes:
                cursor.execute(statement, params)


def _either(*conditions: tuple[str, list]) -> tuple[str, list]:
    """SQL for "any of the conditions" (each as ``FALSE`` when it selects nothing), and their
    parameters."""
    found = [condition for condition in conditions if condition[0] != "FALSE"]
    if not found:
        return "FALSE", []
    if len(found) == 1:
        return found[0]
    return " OR ".join(f"({sql})" for sql, _ in found), [param for _, params in found for param in params]


def _flag(where: tuple[str, list], flag: bool) -> tuple[str, list]:
    """The statement setting the flag of the rows ``where`` selects (as ``e``)."""
    return f"UPDATE {_EPISODES} AS e SET is_latest = %s WHERE {where[0]}", [flag, *where[1]]  # noqa: S608 - names from the model


def latest_flags_refresh(
    contract: Contract, attempts: list[ReturnAttempt] | None = None, *, newest: ReturnAttempt | None = None
) -> FlagsRefresh:
    """Find how to flag each episode's latest row, for the episodes in the given versions (or the
    whole contract), writing nothing: ``write()`` on the answer writes only the rows whose flag
    changes. Read it (and compare the rows read before and after) before writing anything else.

    ``newest`` is one of the versions, just written with its rows flagged because its month is the
    contract's latest with an accepted version: each of its rows is its episode's latest, so its
    episodes' other flagged rows lose the flag with no ranking at all (and its rows count as not
    read before). The versions' other episodes are ranked.
    """
    if newest is None:
        where, params = (
            ("contract_id = %s", [contract.pk])
            if attempts is None
            else ids_in("attempt_id", [attempt.pk for attempt in attempts])
        )
        return _ranked_refresh(contract, _refs(where, params))
    others = [attempt.pk for attempt in attempts or [] if attempt.pk != newest.pk]
    ranked = (
        _ranked_refresh(contract, _refs(*ids_in("attempt_id", others), less=("attempt_id = %s", [newest.pk])))
        if others
        else FlagsRefresh(Moved(("FALSE", []), ("FALSE", []), 0), ())
    )
    # The newest version's rows are read now; before, its episodes' flagged rows were (none, for an
    # episode new to the contract).
    touched, params = _refs("attempt_id = %s", [newest.pk])
    before = (
        f"e.contract_id = %s AND e.is_latest AND e.attempt_id <> %s AND {touched}",
        [contract.pk, newest.pk, *params],
    )
    written = ("e.attempt_id = %s", [newest.pk])
    return FlagsRefresh(
        Moved(
            before=_either(before, ranked.moved.before),
            after=_either(written, ranked.moved.after),
            rows=2 * newest.episode_count + ranked.moved.rows,
        ),
        (_flag(before, False), *ranked.writes),
    )


def _ranked_refresh(contract: Contract, touched: tuple[str, list]) -> FlagsRefresh:
    """Rank the current rows of the touched episodes newest month first, to move the flags to the
    first of each."""
    condition, params = touched
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH latest AS (
              SELECT id FROM (
                SELECT e.id, ROW_NUMBER() OVER (PARTITION BY e.episode_ref ORDER BY e.month DESC) AS newest
                FROM {_EPISODES} e JOIN {_ATTEMPTS} a ON a.id = e.attempt_id
                WHERE e.contract_id = %s AND a.is_current AND {condition}
              ) ranked WHERE newest = 1
            ),
            flagged AS (SELECT e.id FROM {_EPISODES} e WHERE e.contract_id = %s AND e.is_latest AND {condition})
            SELECT id, true FROM (SELECT id FROM latest EXCEPT SELECT id FROM flagged) turned_on
            UNION ALL
            SELECT id, false FROM (SELECT id FROM flagged EXCEPT SELECT id FROM latest) turned_off
            """,  # noqa: S608 - names from the model; every value is a parameter
            [contract.pk, *params, contract.pk, *params],
        )
        found = cursor.fetchall()
    before = sorted(row_id for row_id, flag in found if not flag)
    after = sorted(row_id for row_id, flag in found if flag)
    writes = tuple(_flag(ids_in("e.id", ids), flag) for ids, flag in ((before, False), (after, True)) if ids)
    return FlagsRefresh(
        Moved(
            before=ids_in("e.id", before) if before else ("FALSE", []),
            after=ids_in("e.id", after) if after else ("FALSE", []),
            rows=len(found),
        ),
        writes,
    )
