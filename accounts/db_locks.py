"""Locks held in PostgreSQL, for work that must not run twice at once on several workers.

- ``xact_lock(name)`` waits for, and holds to the end of the current transaction, a lock on a name
  (``qaf-status:3:7``): for work on something that has no row of its own to lock.
- ``session_lock(name)`` tries for a lock held until the block ends (or the session does: a worker
  killed part-way lets go of it with its connection), and says whether it got it: for a whole task,
  which commits in several steps and so cannot hold a transaction open.

Both are PostgreSQL advisory locks, keyed by a 64-bit hash of the name. On SQLite (the embedded
mode, one process) there is nothing to share, so every lock is simply granted.

Session locks need the worker's own database session: through PgBouncer, workers connect in
session pooling mode (or directly). With ``DATABASE_TRANSACTION_POOLING`` (web processes behind a
transaction pooler) no lock is taken, and only the row locks and constraints guard the work.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection
from django.db.transaction import TransactionManagementError


def lock_key(name: str) -> int:
    """The signed 64-bit key of a name, as PostgreSQL's advisory lock functions take it."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def _shared() -> bool:
    """Whether locks are taken: on PostgreSQL, unless through a transaction pooler (where a session
    lock could be left on a server connection another process then uses, and never let go)."""
    return connection.vendor == "postgresql" and not connection.settings_dict.get("TRANSACTION_POOLING")


def xact_lock(name: str) -> None:
    """Wait for the lock on ``name`` and hold it until the current transaction ends."""
    assert connection.in_atomic_block, "xact_lock is held to the end of a transaction: open one"
    if _shared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])


@contextmanager
def session_lock(name: str) -> Iterator[bool]:
    """Try for the lock on ``name`` without waiting: yields True (held until the block ends) or False
    (another session holds it)."""
    if not _shared():
        yield True
        return
    key = lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        (held,) = cursor.fetchone()
    backend = id(connection.connection)
    try:
        yield bool(held)
    finally:
        # Not if the connection was replaced meanwhile (a reconnect after an error): the old session
        # let go of the lock when it ended.
        if held and connection.connection is not None and id(connection.connection) == backend:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
            except (DatabaseError, TransactionManagementError):
                pass  # the session is gone, and its lock with it
