"""Retention (outcomes.retention.apply, commissioning.retention): a contract's person-level data goes
its lead body's retention period after it ends; figures stay, and are final from then on."""

from __future__ import annotations

import os
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import AuditEntry
from commissioning.notices.models import NoticeFile
from commissioning.qaf.models import EvidenceFile
from outcomes.models import ComplianceResult, EpisodeRecord, ReturnAttempt
from outcomes.periods import parse_period
from outcomes.results.compute import results_check_all, results_compute
from outcomes.retention.apply import contracts_due, retention_apply
from outcomes.returns import files as templates_files
from outcomes.returns import services
from tests.factories import contract, target
from tests.fixtures import matrix as make

pytestmark = pytest.mark.django_db
DAY = date(2032, 1, 1)  # six years and more after the contract below ends


@pytest.fixture
def ended(world, settings, tmp_path):
    """A contract that ended on 30 September 2025 with an accepted June return, results, a notice's
    file and a QAF assessment's evidence; and one still running."""
    settings.MEDIA_ROOT = tmp_path
    deal = contract(world.council, world.provider_a, reference="OLD-1", end_date=date(2025, 9, 30))
    target(deal)
    services.return_import(
        contract=deal,
        period=templates_files.EXAMPLE_PERIOD,
        file_bytes=templates_files.example_csv(),
        filename="june.csv",
        accept=True,
    )
    results_compute(contract=deal, period=parse_period("2025-26-Q1"))
    world.contracts = {"joint": deal}
    make.notice_file(world)
    evidence = EvidenceFile.objects.get(pk=make.qaf_file(world))
    evidence.assessment.contract = deal
    evidence.assessment.save(update_fields=["contract"])
    world.running = contract(world.council, world.provider_b, reference="NEW-1", end_date=date(2031, 3, 31))
    return deal


def test_only_contracts_past_their_period_are_due(ended, world):
    assert contracts_due(date(2031, 9, 29)) == []
    assert contracts_due(date(2031, 9, 30)) == [ended]
    world.council.retention_years = 3
    world.council.save()
    assert set(contracts_due(date(2028, 10, 1))) == {ended}


def test_person_level_data_goes_and_the_figures_stay(ended, world, django_capture_on_commit_callbacks):
    attempt = ReturnAttempt.objects.get(monthly_return__contract=ended)
    stored = attempt.file.path
    results = list(ComplianceResult.objects.filter(contract=ended).values("id", "value", "rag", "numerator"))
    assert EpisodeRecord.objects.filter(contract=ended).exists() and results

    with django_capture_on_commit_callbacks(execute=True):  # stored files go once it has committed
        (done,) = retention_apply(today=DAY)

    assert (
        done.episodes > 0 and done.return_files == 1 and done.notice_files == 1 and done.evidence_files == 1
    )
    assert not EpisodeRecord.objects.filter(contract=ended).exists()
    attempt.refresh_from_db()
    assert not attempt.file and attempt.errors == [] and attempt.warnings == []
    assert not os.path.exists(stored)
    assert not NoticeFile.objects.filter(notice__contract=ended).exists()
    assert not EvidenceFile.objects.filter(assessment__contract=ended).exists()
    ended.refresh_from_db()
    assert ended.person_data_deleted_on == DAY
    entry = AuditEntry.objects.get(action="retention.applied")
    assert entry.organisation_id == world.council.pk and entry.details["episodes"] == done.episodes
    # The figures are kept and final: the nightly check leaves them as they are.
    check = results_check_all()
    assert check.contracts == 0 and check.drifted == []
    after = list(ComplianceResult.objects.filter(contract=ended).values("id", "value", "rag", "numerator"))
    assert after == results
    # Nothing more is due, and a second run changes nothing.
    assert retention_apply(today=DAY) == []


def test_the_command_lists_what_is_due_without_deleting(ended):
    out = StringIO()
    call_command("apply_retention", "--dry-run", "--today", "2032-01-01", stdout=out)
    assert "Due: OLD-1 (ended 2025-09-30, kept 6 years)" in out.getvalue()
    assert EpisodeRecord.objects.filter(contract=ended).exists()
    call_command("apply_retention", "--today", "2032-01-01", stdout=out)
    assert "1 contract done; their figures are kept." in out.getvalue()
    assert not EpisodeRecord.objects.filter(contract=ended).exists()


def test_the_body_sets_its_period_and_sees_when_data_goes(ended, world, client):
    client.force_login(world.users["c_viewer"])
    page = client.get("/contracts/retention/").content.decode()
    assert "OLD-1" in page and "Kept until 30 September 2031" in page and "NEW-1" not in page
    assert client.post("/contracts/retention/", {"years": "8"}).status_code == 403
    client.force_login(world.users["commissioner"])
    bad = client.post("/contracts/retention/", {"years": "40"})
    assert bad.status_code == 400 and "from 1 to 25" in bad.content.decode()
    assert client.post("/contracts/retention/", {"years": "8"}).status_code == 302
    world.council.refresh_from_db()
    assert world.council.retention_years == 8
    assert AuditEntry.objects.filter(action="retention.period_set", details__after=8).exists()
    retention_apply(today=date(2034, 1, 1))
    assert 'data-testid="person-data-deleted"' in client.get(f"/contracts/{ended.pk}/").content.decode()
