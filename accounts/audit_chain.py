"""The audit log's hash chain: each entry's hash covers its own fields and the hash of the entry
before it, so an entry changed, removed, moved or slipped in afterwards breaks the chain there.

Entries are chained in insertion order (id order) across the whole table. Appending takes a
transaction-level lock on PostgreSQL, so two writers never chain to the same entry; SQLite runs
one writing transaction at a time anyway. The lock is held until the writer's transaction ends,
which is one more reason services write their audit entry last.

The hash is SHA-256, in hex, of the canonical JSON (keys sorted, no spaces, ASCII) of
``HASHED_FIELDS`` plus ``previous_hash``, with ``at`` in UTC to the microsecond. The first entry's
previous hash is ``GENESIS``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction

from accounts.models import AuditEntry

GENESIS = "0" * 64
# Any fixed number: pg_advisory_xact_lock(CHAIN_LOCK) lets one transaction at a time append.
CHAIN_LOCK = 0x61756469745F6C6F >> 1  # "audit_lo", within PostgreSQL's bigint
HASHED_FIELDS = (
    "at",
    "actor_id",
    "actor_label",
    "actor_organisation_id",
    "organisation_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "details",
)
WALK_CHUNK = 2000


def _plain(value: Any) -> Any:
    """A JSON value as the database gives it back: a whole-number float is read back as an integer
    (PostgreSQL's jsonb keeps numbers as decimals), so it is hashed as one."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def canonical_json(value: Any) -> str:
    """The one text form of a value that is hashed: keys sorted, no spaces, ASCII only."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), allow_nan=False)


def entry_hash(fields: Mapping[str, Any], previous_hash: str) -> str:
    """SHA-256 (hex) of an entry's hashed fields and the hash of the entry before it."""
    record = {name: fields[name] for name in HASHED_FIELDS}
    at = record["at"]
    record["at"] = at.astimezone(UTC).isoformat(timespec="microseconds") if isinstance(at, datetime) else at
    record["previous_hash"] = previous_hash
    return hashlib.sha256(canonical_json(record).encode("ascii")).hexdigest()


def stored_details(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Details as they will be read back from the database (tuples become lists, keys strings), so
    that the hash made when writing is the hash found when verifying."""
    return json.loads(json.dumps(details or {}, allow_nan=False))


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


def entry_append(entry: AuditEntry) -> AuditEntry:
    """Chain an unsaved entry to the newest one and save it (one INSERT, under the chain's lock)."""
    entry.details = stored_details(entry.details)
    with transaction.atomic():
        _lock()
        head = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
        entry.previous_hash = head or GENESIS
        entry.hash = entry_hash({name: getattr(entry, name) for name in HASHED_FIELDS}, entry.previous_hash)
        entry.save(force_insert=True)
    return entry


# --- Verifying ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainBreak:
    """The first place the chain does not hold: which entry, what kind of break, and in words."""

    entry_id: int
    kind: str  # "edited", "deleted", "inserted" or "reordered"
    message: str


@dataclass(frozen=True)
class ChainReport:
    """What walking the chain found: how many entries, the newest (its id and hash, worth keeping
    elsewhere: an entry added after it is then noticed), and the first break, if any."""

    entries: int
    head_id: int | None
    head_hash: str
    first_break: ChainBreak | None

    @property
    def intact(self) -> bool:
        return self.first_break is None

    def summary(self) -> str:
        """One line for people: "N entries, chain intact", or where and how it breaks."""
        counted = f"{self.entries} entr{'y' if self.entries == 1 else 'ies'}"
        if self.first_break is None:
            return f"{counted}, chain intact"
        return f"{counted}, chain broken at entry {self.first_break.entry_id}: {self.first_break.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "entries": self.entries,
            "intact": self.intact,
            "head": {"id": self.head_id, "hash": self.head_hash},
            "first_break": asdict(self.first_break) if self.first_break else None,
        }


def _rows() -> Iterable[dict[str, Any]]:
    return (
        AuditEntry.objects.order_by("id")
        .values("id", "hash", "previous_hash", *HASHED_FIELDS)
        .iterator(chunk_size=WALK_CHUNK)
    )


def _link_break(row: dict[str, Any], before: dict[str, Any] | None) -> ChainBreak:
    """Why an entry does not follow the one before it: the entry it names as its predecessor is
    missing, comes after it, or comes earlier with other entries slipped in between."""
    entry_id = row["id"]
    before_text = f"entry {before['id']}" if before else "the start of the log"
    named = AuditEntry.objects.filter(hash=row["previous_hash"]).order_by("id").values_list("id", flat=True)
    named_id = named.first()
    if named_id is None and before is None:
        message = "it follows an entry no longer in the log: the entries before it were deleted"
        return ChainBreak(entry_id, "deleted", message)
    if named_id is None:
        message = (
            f"it follows an entry no longer in the log, not {before_text}: an entry between them was "
            f"deleted (or {before_text} was replaced by a copy with its hash recomputed)"
        )
        return ChainBreak(entry_id, "deleted", message)
    if named_id > entry_id:
        message = (
            f"it follows entry {named_id}, which comes after it: entries were moved out of the order "
            "they were written in"
        )
        return ChainBreak(entry_id, "reordered", message)
    first_slipped_in = (
        AuditEntry.objects.filter(id__gt=named_id, id__lt=entry_id)
        .order_by("id")
        .values_list("id", flat=True)
    ).first()
    message = (
        f"entry {entry_id} follows entry {named_id} directly, so the entries between them (from entry "
        f"{first_slipped_in}) were inserted afterwards: they are not part of the chain"
    )
    return ChainBreak(first_slipped_in or entry_id, "inserted", message)


def _entry_break(row: dict[str, Any], before: dict[str, Any] | None) -> ChainBreak | None:
    """How an entry breaks the chain, if it does: its link to the entry before, then its own hash."""
    if row["previous_hash"] != (before["hash"] if before else GENESIS):
        return _link_break(row, before)
    if entry_hash(row, row["previous_hash"]) != row["hash"]:
        message = (
            "its content no longer matches its hash: it was changed after it was written, or added "
            "without going through the audit log"
        )
        return ChainBreak(row["id"], "edited", message)
    return None


def chain_verify() -> ChainReport:
    """Walk the whole log in id order, checking each entry's link to the entry before it and its hash
    against its content; the report names the first break."""
    walked, before = 0, None
    for row in _rows():
        found = _entry_break(row, before)
        if found is not None:
            newest = AuditEntry.objects.order_by("-id").values_list("id", "hash").first() or (row["id"], "")
            return ChainReport(AuditEntry.objects.count(), newest[0], newest[1], found)
        walked, before = walked + 1, row
    if before is None:
        return ChainReport(0, None, GENESIS, None)
    return ChainReport(walked, before["id"], before["hash"], None)
