"""`manage.py verify_audit` and the nightly check: "N entries, chain intact", or the first break and
a non-zero exit status; the nightly task logs a break as an ERROR and mails ADMINS."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.audit import audit_record
from accounts.audit_guard import TABLE
from accounts.tasks import audit_log_verify
from tests.factories import CouncilFactory
from tests.fixtures.audit import tamper, trigger_off


@pytest.fixture
def entries(db):
    council = CouncilFactory(name="Riverton City Council")
    return [
        audit_record(
            actor=None, action="test.step", obj=council, organisation=council, details={"step": step}
        )
        for step in range(3)
    ]


def _verify(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out)
    except SystemExit as ended:
        return int(ended.code), out.getvalue()
    return 0, out.getvalue()


def test_an_intact_log_says_so_and_exits_zero(entries):
    status, out = _verify()
    assert status == 0
    assert out.splitlines() == [
        "3 entries, chain intact",
        f"Newest entry: {entries[-1].pk}, hash {entries[-1].hash}",
    ]


def test_a_break_is_named_and_exits_one(entries):
    tamper(f"UPDATE {TABLE} SET details = '{{}}' WHERE id = %s", [entries[1].pk])
    status, out = _verify()
    assert status == 1
    assert out.startswith(f"3 entries, chain broken at entry {entries[1].pk}: its content no longer matches")


def test_json_gives_the_break_and_the_newest_entry(entries):
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [entries[1].pk])
    status, out = _verify("--json")
    found = json.loads(out)
    assert status == 1
    assert found["passed"] is False and found["intact"] is False and found["entries"] == 2
    assert found["first_break"]["entry_id"] == entries[2].pk and found["first_break"]["kind"] == "deleted"
    assert found["head"] == {"id": entries[2].pk, "hash": entries[2].hash}
    assert found["guard_problem"] is None


def test_a_disabled_trigger_fails_the_check_even_with_the_chain_intact(entries):
    with trigger_off():
        status, out = _verify()
    assert status == 1
    assert "The database no longer refuses changes to audit entries: the trigger" in out
    assert "3 entries, chain intact" in out


def test_the_nightly_check_of_an_intact_log_mails_no_one(entries, settings):
    settings.ADMINS = [("On call", "oncall@council.example")]
    assert audit_log_verify() is True
    assert mail.outbox == []


def test_the_nightly_check_logs_a_break_as_an_error_and_mails_admins(entries, settings, caplog):
    settings.ADMINS = [("On call", "oncall@council.example")]
    tamper(f"DELETE FROM {TABLE} WHERE id = %s", [entries[0].pk])
    with caplog.at_level(logging.ERROR, logger="accounts.audit_check"):
        assert audit_log_verify() is False
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert f"chain broken at entry {entries[1].pk}" in record.getMessage()
    (message,) = mail.outbox
    assert message.to == ["oncall@council.example"]
    assert message.subject.endswith("The audit log check failed")
    assert "the entries before it were deleted" in message.body and "verify_audit" in message.body


def test_the_nightly_check_is_on_the_beat_schedule(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "accounts.tasks.audit_log_verify" in scheduled
