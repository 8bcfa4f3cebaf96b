"""The audit log cannot be rewritten: the database refuses changes to entries, each entry is chained
to the one before by its hash, and walking the chain finds an entry edited, deleted, slipped in or
moved around the database's refusal."""

from __future__ import annotations

import importlib
import sqlite3
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import ProtectedError

from accounts.audit import audit_record
from accounts.audit_chain import GENESIS, HASHED_FIELDS, chain_verify, entry_hash
from accounts.audit_guard import SQLITE_CREATE, TABLE, guard_problem
from accounts.models import AuditEntry
from tests.factories import CouncilFactory, UserFactory
from tests.fixtures.audit import tamper, trigger_off


@pytest.fixture
def council(db):
    return CouncilFactory(name="Riverton City Council")


def _entries(council, count: int = 3) -> list[AuditEntry]:
    """Entries with details of every kind JSON has (whole-number floats and tuples included)."""
    return [
        audit_record(
            actor=None,
            action="test.step",
            obj=council,
            organisation=council,
            details={"step": step, "ratio": 0.5, "whole": 2.0, "pair": (1, 2), "name": "Zoë", "none": None},
        )
        for step in range(count)
    ]


def _forged(after: AuditEntry, **fields) -> AuditEntry:
    """An entry made as a forger with the database's rights would: chained to ``after``, hashed right."""
    forged = AuditEntry(
        actor_label="Someone else",
        organisation_id=after.organisation_id,
        action="membership.update",
        object_type="accounts.Membership",
        object_id="1",
        object_repr="Made an admin",
        details={"is_admin": True},
        previous_hash=after.hash,
        **fields,
    )
    forged.hash = entry_hash({name: getattr(forged, name) for name in HASHED_FIELDS}, after.hash)
    forged.save(force_insert=True)
    return forged


# --- The chain --------------------------------------------------------------------------------------


def test_each_entry_is_chained_to_the_one_before(council):
    first, second, third = _entries(council)
    assert first.previous_hash == GENESIS
    assert (second.previous_hash, third.previous_hash) == (first.hash, second.hash)
    assert len({first.hash, second.hash, third.hash}) == 3

    report = chain_verify()
    assert report.intact and report.summary() == "3 entries, chain intact"
    assert (report.head_id, report.head_hash) == (third.pk, third.hash)


def test_an_entry_read_back_hashes_as_it_was_written(council):
    (written,) = _entries(council, 1)
    stored = AuditEntry.objects.get(pk=written.pk)
    assert stored.details["pair"] == [1, 2]
    assert (
        entry_hash({name: getattr(stored, name) for name in HASHED_FIELDS}, stored.previous_hash)
        == stored.hash
    )


def test_an_empty_log_is_intact(db):
    report = chain_verify()
    assert report.intact and report.summary() == "0 entries, chain intact"
    assert report.as_dict()["head"] == {"id": None, "hash": GENESIS}


# --- The database refuses -----------------------------------------------------------------------


@pytest.mark.parametrize("statement", [f"UPDATE {TABLE} SET action = 'x.y'", f"DELETE FROM {TABLE}"])
def test_the_database_refuses_to_change_or_delete_an_entry(council, statement):
    _entries(council, 1)
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEntry.objects.get().action == "test.step"


def test_the_model_refuses_to_change_or_delete_an_entry(council):
    (entry,) = _entries(council, 1)
    entry.action = "x.y"
    for attempt in (entry.save, entry.delete, AuditEntry.objects.all().delete):
        with pytest.raises(IntegrityError, match="append-only"):
            attempt()
    with pytest.raises(IntegrityError, match="append-only"):
        AuditEntry.objects.update(action="x.y")


def test_an_organisation_or_a_person_in_the_log_cannot_be_deleted(council):
    person = UserFactory()
    audit_record(
        actor=person, action="test.step", obj=council, organisation=council, actor_organisation=council
    )
    for record in (council, person):
        with pytest.raises(ProtectedError), transaction.atomic():
            record.delete()


def test_the_guard_is_in_force_and_a_disabled_or_missing_trigger_is_reported(db):
    assert guard_problem() is None
    with trigger_off():
        assert "disabled" in guard_problem()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER accounts_auditentry_append_only ON {TABLE}")
        assert "missing" in guard_problem()
        transaction.set_rollback(True)
    assert guard_problem() is None


def test_the_embedded_databases_triggers_refuse_changes_too():
    database = sqlite3.connect(":memory:")
    database.execute(f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, action TEXT)")
    database.execute(f"INSERT INTO {TABLE} (action) VALUES ('test.step')")
    for statement in SQLITE_CREATE:
        database.execute(statement)
    for change in (f"UPDATE {TABLE} SET action = 'x.y'", f"DELETE FROM {TABLE}"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            database.execute(change)
    assert database.execute(f"SELECT action FROM {TABLE}").fetchall() == [("test.step",)]


# --- What a walk of the chain finds -------------------------------------------------------------


def test_an_edited_detail_is_found(council):
    first, second, _third = _entries(council)
    tamper(f"UPDATE {TABLE} SET details = %s WHERE id = %s", ['{"step": 99}', second.pk])
    report = chain_verify()
    assert not report.intact
    assert (report.first_break.entry_id, report.first_break.kind) == (second.pk, "edited")
    assert report.summary().startswith(f"3 entries, chain broken at entry {second.pk}: its content no longer")


def test_an_edit_with_its_hash_recomputed_breaks_the_link_to_the_next_entry(council):
    _first, second, third = _entries(council)
    second.details = {"step": 99}
    rehashed = entry_hash({name: getattr(second, name) for name in HASHED_FIELDS}, second.previous_hash)
    tamper(f"UPDATE {TABLE} SET details = %s, hash = %s WHERE id = %s", ['{"step": 99}', rehashed, second.pk])
    found = chain_verify().first_break
    assert (found.entry_id, found.kind) == (third.pk, "deleted")
    assert f"entry {second.pk} was replaced" in found.message


def test_a_deleted_entry_is_found(council):
    first, second, third = _entries(council)
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [second.pk])
    report = chain_verify()
    assert (report.first_break.entry_id, report.first_break.kind) == (third.pk, "deleted")
    assert report.entries == 2
    assert f"not entry {first.pk}" in report.first_break.message


def test_deleting_the_first_entries_is_found(council):
    first, second, _third = _entries(council)
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [first.pk])
    found = chain_verify().first_break
    assert (found.entry_id, found.kind) == (second.pk, "deleted")
    assert "the entries before it were deleted" in found.message


def test_an_inserted_forged_entry_is_found(council):
    first, second = _entries(council, 2)
    with connection.cursor() as cursor:  # ids are left free after the second entry
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'), %s)", [second.pk + 10])
    (third,) = _entries(council, 1)
    forged = _forged(second, id=second.pk + 5, at=second.at)
    report = chain_verify()
    assert (report.first_break.entry_id, report.first_break.kind) == (forged.pk, "inserted")
    assert f"entry {third.pk} follows entry {second.pk} directly" in report.first_break.message


def test_a_forged_entry_added_without_its_hash_is_found(council):
    (first,) = _entries(council, 1)
    forged = AuditEntry(
        actor_label="Someone else",
        action="membership.update",
        object_type="accounts.Membership",
        object_id="1",
        object_repr="Made an admin",
        previous_hash=first.hash,
        hash="f" * 64,
    )
    forged.save(force_insert=True)
    found = chain_verify().first_break
    assert (found.entry_id, found.kind) == (forged.pk, "edited")


def test_entries_moved_out_of_order_are_found(council):
    first, second, _third = _entries(council)
    tamper(f"UPDATE {TABLE} SET id = %s WHERE id = %s", [first.pk + 100, first.pk])
    found = chain_verify().first_break
    assert (found.entry_id, found.kind) == (second.pk, "reordered")


# --- Writers at the same moment -------------------------------------------------------------------


def _waiting_on_the_chain() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_the_same_moment_never_fork_the_chain():
    council = CouncilFactory(name="Riverton City Council")
    first_written, carry_on = threading.Event(), threading.Event()

    def first_writer():
        with transaction.atomic():
            audit_record(actor=None, action="test.first", obj=council, organisation=council)
            first_written.set()
            carry_on.wait(10)  # the transaction is still open: the second writer must wait for it
        connection.close()

    def second_writer():
        first_written.wait(10)
        audit_record(actor=None, action="test.second", obj=council, organisation=council)
        connection.close()

    writers = [threading.Thread(target=first_writer), threading.Thread(target=second_writer)]
    for writer in writers:
        writer.start()
    deadline = time.monotonic() + 10
    while _waiting_on_the_chain() == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _waiting_on_the_chain() == 1
    carry_on.set()
    for writer in writers:
        writer.join(10)
    first, second = AuditEntry.objects.order_by("id")
    assert (first.action, second.action) == ("test.first", "test.second")
    assert second.previous_hash == first.hash
    assert chain_verify().intact


# --- Entries written before the chain -------------------------------------------------------------


def test_the_migration_chains_the_entries_written_before_the_chain(council):
    _entries(council)
    tamper(f"UPDATE {TABLE} SET previous_hash = '', hash = 'not chained yet'")
    assert chain_verify().first_break.kind == "deleted"
    migration = importlib.import_module("accounts.migrations.0007_audit_chain_existing")
    state = MigrationExecutor(connection).loader.project_state(("accounts", "0007_audit_chain_existing"))
    with trigger_off():
        migration.chain_existing(state.apps, None)
    assert chain_verify().summary() == "3 entries, chain intact"
