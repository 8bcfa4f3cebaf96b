"""Everything the service holds about one organisation, as a zip of CSV files (one per kind of
record) with a README and a manifest: for a subject access request, an auditor, or handing the
records back when a contract or the service ends.

``python manage.py export_organisation <organisation id> <file.zip>`` builds it (service operators).

What is in it: the organisation and its people (never a password, key or token secret), its
invitations and API tokens, the audit entries its admins read, the sign-ins and failed sign-ins
of its people, and the records of the contracts it is party to, as far as its role reaches:
- a provider: its contracts (a subcontracted one without the prime's terms), and for those it
  holds as prime provider the monthly returns, their episodes, survey figures and results; the
  notices to it, the QAF assessments of it, its review meetings with their commentary and actions,
  its CQC ratings;
- a commissioning body: the contracts it leads or is a partner in, their targets, returns,
  episodes, survey figures and results; the notices, QAF assessments and review meetings it leads.

Every cell is formula-safe (``accounts.downloads.spreadsheet_safe``); rows are written as they are
read, so a large organisation's episodes never sit in memory.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from axes.models import AccessFailureLog, AccessLog
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from accounts.downloads import spreadsheet_safe
from accounts.models import ApiToken, AuditEntry, Invitation, Membership, Organisation, User
from commissioning.models import CommissioningBody, Contract, Target, TargetVersion
from commissioning.notices.models import Notice, NoticeEvent
from commissioning.qaf.models import Assessment, Comment, Rating, RemedialAction
from outcomes.models import ComplianceResult, EpisodeRecord, MonthlyReturn, ReturnAttempt, SurveyFigure
from outcomes.reviews.models import ReviewAction, ReviewCommentary, ReviewMeeting
from providers.models import CqcRatingRecord, Provider

# Never exported: secrets, and the prime's terms for a subcontractor (added per table below).
SECRET_FIELDS = {"password", "key_hash", "key", "token", "secret"}
CHUNK = 2000


@dataclass(frozen=True)
class Table:
    name: str
    rows: QuerySet
    leave_out: frozenset[str] = frozenset()


def _columns(model: type[Model], leave_out: frozenset[str]) -> list[str]:
    return [
        field.attname
        for field in model._meta.concrete_fields
        if field.name not in SECRET_FIELDS and field.name not in leave_out
    ]


def _tables(organisation: Organisation) -> list[Table]:
    people = Membership.objects.filter(organisation=organisation)
    emails = [email.lower() for email in people.values_list("user__email", flat=True)]
    tables = [
        Table("organisation", Organisation.objects.filter(pk=organisation.pk)),
        Table("people", User.objects.filter(memberships__organisation=organisation)),
        Table("memberships", people),
        Table("invitations", Invitation.objects.filter(organisation=organisation)),
        Table("api_tokens", ApiToken.objects.filter(organisation=organisation)),
        Table(
            "audit_log",
            AuditEntry.objects.filter(Q(organisation=organisation) | Q(actor_organisation=organisation)),
        ),
        Table("sign_ins", AccessLog.objects.filter(username__in=emails)),
        Table("failed_sign_ins", AccessFailureLog.objects.filter(username__in=emails)),
    ]
    if organisation.is_provider:
        return tables + _provider_tables(Provider.objects.get(pk=organisation.pk))
    return tables + _body_tables(CommissioningBody.objects.get(pk=organisation.pk))


def _contract_records(held: QuerySet[Contract]) -> list[Table]:
    """The returns, episodes, survey figures and results of the contracts held."""
    return [
        Table("targets", Target.objects.filter(contract__in=held)),
        Table("target_versions", TargetVersion.objects.filter(target__contract__in=held)),
        Table("monthly_returns", MonthlyReturn.objects.filter(contract__in=held)),
        Table("return_attempts", ReturnAttempt.objects.filter(monthly_return__contract__in=held)),
        Table("episodes", EpisodeRecord.objects.filter(contract__in=held)),
        Table("survey_figures", SurveyFigure.objects.filter(contract__in=held)),
        Table("results", ComplianceResult.objects.filter(contract__in=held)),
    ]


def _provider_tables(provider: Provider) -> list[Table]:
    prime = Contract.objects.filter(provider=provider)
    assessments = Assessment.objects.filter(provider=provider)
    meetings = ReviewMeeting.objects.filter(provider=provider)
    notices = Notice.objects.filter(provider=provider).exclude(status="draft")
    return [
        Table("contracts", prime),
        Table(
            "contracts_subcontracted",
            Contract.objects.filter(subcontractors=provider),
            frozenset({"annual_value", "hourly_rate"}),
        ),
        *_contract_records(prime),
        Table("notices", notices),
        Table("notice_events", NoticeEvent.objects.filter(notice__in=notices)),
        *_qaf_tables(assessments),
        *_review_tables(meetings),
        Table("cqc_ratings", CqcRatingRecord.objects.filter(provider=provider)),
    ]


def _body_tables(body: CommissioningBody) -> list[Table]:
    contracts = Contract.objects.filter(Q(lead_commissioner=body) | Q(partner_commissioners=body)).distinct()
    notices = Notice.objects.filter(commissioner=body)
    return [
        Table("contracts", contracts),
        *_contract_records(Contract.objects.filter(pk__in=contracts.values("pk"))),
        Table("notices", notices),
        Table("notice_events", NoticeEvent.objects.filter(notice__in=notices)),
        *_qaf_tables(Assessment.objects.filter(commissioner=body)),
        *_review_tables(ReviewMeeting.objects.filter(commissioner=body)),
    ]


def _qaf_tables(assessments: QuerySet[Assessment]) -> list[Table]:
    return [
        Table("qaf_assessments", assessments),
        Table("qaf_ratings", Rating.objects.filter(assessment__in=assessments)),
        Table("qaf_comments", Comment.objects.filter(assessment__in=assessments)),
        Table("qaf_actions", RemedialAction.objects.filter(assessment__in=assessments)),
    ]


def _review_tables(meetings: QuerySet[ReviewMeeting]) -> list[Table]:
    return [
        Table("review_meetings", meetings),
        Table("review_commentary", ReviewCommentary.objects.filter(meeting__in=meetings)),
        Table("review_actions", ReviewAction.objects.filter(meeting__in=meetings)),
    ]


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return spreadsheet_safe(json.dumps(value, default=str, sort_keys=True))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return spreadsheet_safe(value)


def _write(archive: zipfile.ZipFile, table: Table) -> int:
    columns = _columns(table.rows.model, table.leave_out)
    count = 0
    with (
        archive.open(f"{table.name}.csv", "w") as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as out,
    ):
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for row in table.rows.order_by("pk").values_list(*columns).iterator(chunk_size=CHUNK):
            writer.writerow([_cell(value) for value in row])
            count += 1
    return count


def organisation_export(organisation: Organisation, path: Path) -> dict[str, int]:
    """Write the organisation's export to ``path`` (a zip); returns the rows in each file."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in _tables(organisation):
            counts[f"{table.name}.csv"] = _write(archive, table)
        manifest = {
            "organisation": {"id": organisation.pk, "name": organisation.name, "kind": organisation.kind},
            "made_at": timezone.now().isoformat(),
            "files": counts,
        }
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, sort_keys=True))
        archive.writestr("README.txt", _readme(organisation, counts))
    return counts


def _readme(organisation: Organisation, counts: dict[str, int]) -> str:
    lines: Iterable[str] = (
        f"Everything held about {organisation.name}, made {timezone.localtime():%d/%m/%Y %H:%M}.",
        "",
        "One CSV file per kind of record (UTF-8; the first row names the columns; a column ending _id",
        "is the id of a record in another file; dates and times are ISO 8601, times in UTC). A cell",
        "that a spreadsheet would run as a formula starts with a quote. Passwords, API token secrets",
        "and two-step verification secrets are never exported.",
        "",
        *(f"{name}: {rows} row{'s' if rows != 1 else ''}" for name, rows in counts.items()),
    )
    return "\n".join(lines) + "\n"
