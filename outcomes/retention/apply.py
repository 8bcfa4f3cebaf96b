"""Retention: a contract's person-level data is deleted its lead body's retention period after the
contract ends (``CommissioningBody.retention_years``, 6 unless the body sets another); its figures
are kept.

Deleted, for each contract whose end date is at least that many years ago:
- the episode rows of its returns (each person's reference, dates, hours and outcomes);
- the stored return and survey files, and the validation reports, which quote the files' cells;
- the files attached to its notices and the evidence files of QAF assessments made on it.

Kept: each month's return history (who submitted and signed off, when, the counts), the survey
figures, the stored results and their overrides, notices and their letters, review packs (figures
only) and the audit trail. The contract is marked (``person_data_deleted_on``); from then on its
results are never computed again, since nothing is left to compute them from: the stored figures
are final. Each contract is one transaction, recorded in the lead body's audit log with what went;
stored files are removed once it has committed.

``python manage.py apply_retention`` runs it (nightly too); ``--dry-run`` lists what is due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import audit_record
from commissioning.models import Contract
from commissioning.notices.models import NoticeFile
from commissioning.qaf.models import EvidenceFile
from commissioning.retention import retention_due_on
from outcomes.models import CheckedReturn, EpisodeRecord, ReturnAttempt


def contracts_due(today: date | None = None) -> list[Contract]:
    """The contracts whose person-level data is due to go by ``today`` and is still held."""
    today = today or timezone.localdate()
    candidates = (
        Contract.objects.filter(person_data_deleted_on__isnull=True, end_date__lt=today)
        .select_related("lead_commissioner")
        .order_by("end_date", "pk")
    )
    return [contract for contract in candidates if retention_due_on(contract) <= today]


@dataclass
class Deleted:
    """What went for one contract."""

    contract: Contract
    episodes: int = 0
    return_files: int = 0
    reports: int = 0
    notice_files: int = 0
    evidence_files: int = 0
    stored_files: list = field(default_factory=list)  # (storage, name) removed after the commit

    def details(self) -> dict:
        return {
            "contract": self.contract.reference,
            "ended": self.contract.end_date.isoformat(),
            "retention_years": self.contract.lead_commissioner.retention_years,
            "episodes": self.episodes,
            "return_files": self.return_files,
            "validation_reports": self.reports,
            "notice_files": self.notice_files,
            "evidence_files": self.evidence_files,
        }


def _attempts(contract: Contract):
    return ReturnAttempt.objects.filter(monthly_return__contract=contract)


def _count(contract: Contract) -> Deleted:
    attempts = _attempts(contract)
    return Deleted(
        contract=contract,
        episodes=EpisodeRecord.objects.filter(contract=contract).count(),
        return_files=attempts.exclude(file="").count() + attempts.exclude(survey_file="").count(),
        reports=attempts.exclude(errors=[], warnings=[]).count(),
        notice_files=NoticeFile.objects.filter(notice__contract=contract).count(),
        evidence_files=EvidenceFile.objects.filter(assessment__contract=contract).count(),
    )


def _delete(contract: Contract, today: date) -> Deleted:
    with transaction.atomic():
        contract = (
            Contract.objects.select_for_update(of=("self",))
            .select_related("lead_commissioner")
            .get(pk=contract.pk)
        )
        if contract.person_data_deleted_on is not None:
            return Deleted(contract=contract)
        deleted = _count(contract)
        EpisodeRecord.objects.filter(contract=contract).delete()
        # The rows kept from checking attempts never signed off hold the same person-level data.
        CheckedReturn.objects.filter(attempt__monthly_return__contract=contract).delete()
        for attempt in _attempts(contract).filter(~Q(file="") | ~Q(survey_file="")):
            for stored in (attempt.file, attempt.survey_file):
                if stored:
                    deleted.stored_files.append((stored.storage, stored.name))
        _attempts(contract).update(file="", survey_file="", errors=[], warnings=[])
        for model, rows in (
            (NoticeFile, NoticeFile.objects.filter(notice__contract=contract)),
            (EvidenceFile, EvidenceFile.objects.filter(assessment__contract=contract)),
        ):
            for row in rows.only("pk", "file"):
                deleted.stored_files.append((row.file.storage, row.file.name))
            model.objects.filter(pk__in=rows.values("pk")).delete()
        contract.person_data_deleted_on = today
        contract.save(update_fields=["person_data_deleted_on"])
        audit_record(
            actor=None,
            action="retention.applied",
            obj=contract,
            organisation=contract.lead_commissioner,
            actor_label="Retention",
            details=deleted.details(),
        )
        files = list(deleted.stored_files)
        transaction.on_commit(lambda: _remove_files(files))
    return deleted


def _remove_files(files: list) -> None:
    for storage, name in files:
        storage.delete(name)


def retention_apply(*, today: date | None = None, dry_run: bool = False) -> list[Deleted]:
    """Delete the person-level data of every contract due (or, ``dry_run``, count what would go)."""
    today = today or timezone.localdate()
    due = contracts_due(today)
    if dry_run:
        return [_count(contract) for contract in due]
    return [_delete(contract, today) for contract in due]
