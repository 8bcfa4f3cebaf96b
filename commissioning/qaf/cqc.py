"""CQC ratings recorded by a commissioning body: by hand for one provider, or imported from a CSV
file for many. Ratings are append-only (providers.models.CqcRatingRecord); the provider's current
rating follows the record with the latest rating date (a later record of the same date wins).

Who: a commissioning body's quality officers (Capability.ASSESS_QUALITY) or commissioners
(Capability.MANAGE_CONTRACTS), for providers that are the prime provider of a contract the body
leads. An import is all-or-nothing: any bad row and nothing is stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from accounts.upload_limits import UploadLimit
from commissioning.models import CommissioningBody, Contract
from commissioning.selectors import providers_led_by
from providers.models import CqcRating, CqcRatingRecord, Provider

CQC_CAPABILITIES = (Capability.ASSESS_QUALITY, Capability.MANAGE_CONTRACTS)
MAX_IMPORT_BYTES = 2 * 1024 * 1024
CQC_IMPORT_UPLOAD = UploadLimit(
    subject="A file of CQC ratings",
    file_bytes=MAX_IMPORT_BYTES,
    files=1,
    advice="Keep only the columns of ratings, save it from Excel as CSV UTF-8, or split it into two files.",
)
LOCATION_ID = re.compile(r"^1-\d{6,11}$")

# Spellings accepted for each column, compared after lower-casing and turning "_", "-" and runs of
# spaces into one space. "name" is optional; the other three must be present.
HEADER_SPELLINGS = {
    "location_id": {"location id", "locationid", "cqc location id", "location"},
    "location_name": {"location name", "name", "provider name", "cqc location name"},
    "rating": {"rating", "overall rating", "cqc rating", "latest rating", "location latest overall rating"},
    "rating_date": {
        "rating date",
        "date",
        "date of rating",
        "publication date",
        "rating publication date",
        "location latest overall rating date",
    },
}
REQUIRED_COLUMNS = ("location_id", "rating", "rating_date")
COLUMN_LABELS = {
    "location_id": "Location ID",
    "location_name": "Location name",
    "rating": "Rating",
    "rating_date": "Rating date",
}
RATING_SPELLINGS = {
    "outstanding": CqcRating.OUTSTANDING,
    "good": CqcRating.GOOD,
    "requires improvement": CqcRating.REQUIRES_IMPROVEMENT,
    "inadequate": CqcRating.INADEQUATE,
    "not yet inspected": CqcRating.NOT_YET_INSPECTED,
    "not inspected": CqcRating.NOT_YET_INSPECTED,
    "not yet rated": CqcRating.NOT_YET_INSPECTED,
    "not rated": CqcRating.NOT_YET_INSPECTED,
}
RATINGS_ACCEPTED = "Outstanding, Good, Requires improvement, Inadequate or Not yet inspected"
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


# --- Access and reads ----------------------------------------------------------------------------


def cqc_require(acting: Acting) -> None:
    """A commissioning body's quality officer or commissioner; PermissionDenied (403) otherwise."""
    if not acting.is_commissioner:
        raise PermissionDenied("Only a commissioning body records CQC ratings.")
    if not any(acting.can(capability) for capability in CQC_CAPABILITIES):
        raise PermissionDenied(
            f"Your role in {acting.organisation.name} ({acting.membership.role_label.lower()}) does not let "
            "you record CQC ratings: that needs the quality officer or commissioner role. Ask an admin of "
            "your organisation if you need it."
        )


def cqc_providers_for(acting: Acting) -> QuerySet[Provider]:
    """Providers whose CQC ratings the body may record: the prime providers of contracts it leads."""
    return providers_led_by(acting)


def _tell_other_bodies(acting: Acting, provider: Provider, previous: str, record: CqcRatingRecord) -> None:
    """A provider's current CQC rating is one for every body that contracts it: when one body's
    record changes it, each other body (lead or partner on any of the provider's contracts) gets an
    entry in its own audit log saying who changed it, from what, to what."""
    contracts = Contract.objects.filter(provider=provider)
    bodies = CommissioningBody.objects.filter(
        Q(pk__in=contracts.values("lead_commissioner_id"))
        | Q(pk__in=contracts.values("partner_commissioners"))
    ).exclude(pk=acting.organisation.pk)
    for body in bodies:
        audit_record(
            actor=acting.user,
            action="cqc.changed_by_another_body",
            obj=record,
            organisation=body,
            actor_organisation=acting.organisation,
            actor_label=f"{acting.user} ({acting.organisation.name})",
            details={
                "provider": provider.name,
                "recorded_by": acting.organisation.name,
                "previous": previous,
                "now": rating_text(provider.cqc_rating, provider.cqc_rating_date),
            },
        )


def cqc_provider_get_for(acting: Acting, provider_id: int) -> Provider:
    """One provider the body contracts as lead commissioner; 404 for anything else."""
    provider = cqc_providers_for(acting).filter(pk=provider_id).first()
    if provider is None:
        raise Http404("No provider your organisation contracts has this id.")
    return provider


def cqc_history(provider: Provider) -> list[CqcRatingRecord]:
    """The provider's recorded CQC ratings, newest rating date first (undated ones last)."""
    return sorted(provider.cqc_ratings.all(), key=_record_key, reverse=True)


# --- Which rating is current ---------------------------------------------------------------------


def _date_key(day: date | None) -> date:
    # An undated record ("not yet inspected") ranks before any dated one.
    return day or date.min


def _record_key(record: CqcRatingRecord) -> tuple:
    return (_date_key(record.rating_date), record.recorded_at, record.pk)


def _apply_if_newest(provider: Provider, record: CqcRatingRecord) -> bool:
    """Make the record the provider's current rating when it is at least as recent as the current one."""
    if _date_key(record.rating_date) < _date_key(provider.cqc_rating_date):
        return False
    provider.cqc_rating, provider.cqc_rating_date = record.rating, record.rating_date
    return True


def rating_text(rating: str, day: date | None) -> str:
    """``Good (2 November 2024)``; the label alone when undated."""
    label = CqcRating(rating).label
    return f"{label} ({day.day} {day:%B %Y})" if day else label


# --- Recording one rating ------------------------------------------------------------------------


@dataclass(frozen=True)
class CqcRecorded:
    """What recording a rating did: the record, and whether it became the current rating."""

    record: CqcRatingRecord
    became_current: bool
    previous: str  # the current rating before, as text


def cqc_rating_record(
    *,
    acting: Acting,
    provider: Provider,
    rating: str,
    rating_date: date | None,
    location_id: str = "",
    location_name: str = "",
) -> CqcRecorded:
    """Append a CQC rating for a provider the body contracts; it becomes the provider's current
    rating when its rating date is the latest. "Not yet inspected" needs no date."""
    cqc_require(acting)
    if not cqc_providers_for(acting).filter(pk=provider.pk).exists():
        raise PermissionDenied(
            f"{provider.name} is not the prime provider of a contract your organisation leads."
        )
    problems: dict[str, str] = {}
    location_id = location_id.strip()
    if rating not in CqcRating.values:
        problems["rating"] = f"Choose the CQC rating: {RATINGS_ACCEPTED}"
    elif rating_date is None and rating != CqcRating.NOT_YET_INSPECTED:
        problems["rating_date"] = "Enter the date of the rating, as shown on the CQC report"
    if rating_date is not None and rating_date > timezone.localdate():
        problems["rating_date"] = "The rating date cannot be in the future"
    if location_id and not LOCATION_ID.match(location_id):
        problems["location_id"] = "Enter a CQC location ID like 1-000000001, or leave it blank"
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = Provider.objects.select_for_update().get(pk=provider.pk)
        previous = rating_text(locked.cqc_rating, locked.cqc_rating_date)
        record = CqcRatingRecord.objects.create(
            provider=locked,
            location_id=location_id or (locked.cqc_location_id or ""),
            location_name=location_name.strip()[:200],
            rating=rating,
            rating_date=rating_date,
            source=CqcRatingRecord.Source.MANUAL,
            recorded_by=acting.user,
            recorded_by_label=str(acting.user),
            recorded_by_organisation=acting.organisation,
        )
        became_current = _apply_if_newest(locked, record)
        if became_current:
            locked.save(update_fields=["cqc_rating", "cqc_rating_date"])
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="cqc.record",
            obj=record,
            organisation=acting.organisation,
            details={
                "provider": locked.name,
                "rating": rating,
                "rating_date": str(rating_date) if rating_date else "",
                "became_current": became_current,
                "previous": previous,
            },
        )
        if became_current:
            _tell_other_bodies(acting, locked, previous, record)
    provider.cqc_rating, provider.cqc_rating_date = locked.cqc_rating, locked.cqc_rating_date
    return CqcRecorded(record=record, became_current=became_current, previous=previous)


# --- Importing a CSV file ------------------------------------------------------------------------


@dataclass(frozen=True)
class CqcImportProblem:
    """One thing wrong with an import file: the row as a spreadsheet shows it (1 is the header;
    None for the whole file), the column, the value found and how to fix it."""

    row: int | None
    column: str
    value: str | None
    message: str


@dataclass(frozen=True)
class CqcRatingChange:
    provider: Provider
    before: str
    after: str


@dataclass
class CqcImportSummary:
    """The outcome of an import: either problems (and nothing stored) or what was stored."""

    filename: str
    rows: int = 0
    problems: list[CqcImportProblem] = field(default_factory=list)
    added: int = 0
    already_recorded: int = 0
    changed: list[CqcRatingChange] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Row:
    number: int
    provider: Provider
    location_id: str
    location_name: str
    rating: str
    rating_date: date | None


def _normalise_header(text: str) -> str:
    return " ".join(re.sub(r"[_\-./]+", " ", text.strip().lower()).split())


def _parse_date(text: str) -> date:
    """YYYY-MM-DD or DD/MM/YYYY; ValueError for anything else (or a date that does not exist)."""
    if match := ISO_DATE.match(text):
        return date(int(match[1]), int(match[2]), int(match[3]))
    if match := UK_DATE.match(text):
        return date(int(match[3]), int(match[2]), int(match[1]))
    raise ValueError(text)


def _read_columns(header: list[str]) -> tuple[dict[str, int], list[CqcImportProblem]]:
    columns: dict[str, int] = {}
    problems = []
    for index, text in enumerate(header):
        name = _normalise_header(text)
        key = next((key for key, spellings in HEADER_SPELLINGS.items() if name in spellings), None)
        if key is None:
            continue
        if key in columns:
            problems.append(
                CqcImportProblem(
                    1,
                    text.strip(),
                    text.strip(),
                    f"Two columns are both read as {COLUMN_LABELS[key]!r} (columns {columns[key] + 1} and "
                    f"{index + 1}). Delete or rename one of them.",
                )
            )
            continue
        columns[key] = index
    for key in REQUIRED_COLUMNS:
        if key not in columns:
            spellings = ", ".join(f'"{s}"' for s in sorted(HEADER_SPELLINGS[key]))
            problems.append(
                CqcImportProblem(
                    1,
                    COLUMN_LABELS[key],
                    None,
                    f"The first row has no {COLUMN_LABELS[key]!r} column. Add one headed {spellings} "
                    "(upper or lower case).",
                )
            )
    return columns, problems


def _check_file(file_bytes: bytes, filename: str) -> tuple[list[list[str]] | None, list[CqcImportProblem]]:
    def whole(message: str) -> tuple[None, list[CqcImportProblem]]:
        return None, [CqcImportProblem(None, "", None, message)]

    if not filename.lower().endswith(".csv"):
        return whole(
            "The file must be a CSV file. In Excel, choose File > Save as > CSV UTF-8 (Comma delimited), "
            "then upload that file."
        )
    if not file_bytes.strip():
        return whole("The file is empty. Add a header row and one row per CQC location.")
    if len(file_bytes) > MAX_IMPORT_BYTES:
        return whole(f"The file must be smaller than {MAX_IMPORT_BYTES // (1024 * 1024)} MB.")
    try:
        text = file_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        return whole("The file is not saved as UTF-8. In Excel, save it as CSV UTF-8 (Comma delimited).")
    try:
        return list(csv.reader(io.StringIO(text, newline=""))), []
    except csv.Error as error:
        return whole(f"The file could not be read as CSV ({error}). Check its quotes and commas.")


def _read_rows(
    lines: list[list[str]], columns: dict[str, int], providers: dict[str, Provider]
) -> tuple[list[_Row], list[CqcImportProblem]]:
    rows: list[_Row] = []
    problems: list[CqcImportProblem] = []
    header = lines[0]
    label = {key: header[index].strip() for key, index in columns.items()}
    seen: dict[tuple, tuple[int, str]] = {}
    today = timezone.localdate()
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines (Excel often leaves some at the end)

        def cell(key: str, cells=cells) -> str:
            index = columns.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        location_id, name, rating_cell, date_text = (
            cell("location_id"),
            cell("location_name"),
            cell("rating"),
            cell("rating_date"),
        )
        found = len(problems)
        provider = None
        if not location_id:
            problems.append(
                CqcImportProblem(
                    number, label["location_id"], "", "Enter the CQC location ID, like 1-000000001."
                )
            )
        else:
            provider = providers.get(location_id.upper())
            if provider is None:
                problems.append(
                    CqcImportProblem(
                        number,
                        label["location_id"],
                        location_id,
                        "No provider your organisation contracts has this CQC location ID. Check the ID "
                        "against the CQC website, or record it on the provider first; otherwise delete "
                        "the row.",
                    )
                )
        rating = RATING_SPELLINGS.get(" ".join(rating_cell.lower().split()))
        if rating is None:
            problems.append(
                CqcImportProblem(
                    number,
                    label["rating"],
                    rating_cell,
                    f"Enter the rating as {RATINGS_ACCEPTED}."
                    if rating_cell
                    else f"The rating is blank. Enter {RATINGS_ACCEPTED}.",
                )
            )
        rating_date = None
        if date_text:
            try:
                rating_date = _parse_date(date_text)
            except ValueError:
                problems.append(
                    CqcImportProblem(
                        number,
                        label["rating_date"],
                        date_text,
                        "Enter the rating date as a real date, like 2024-11-02 or 02/11/2024.",
                    )
                )
            else:
                if rating_date > today:
                    problems.append(
                        CqcImportProblem(
                            number,
                            label["rating_date"],
                            date_text,
                            "The rating date is in the future. Enter the date the CQC published the rating.",
                        )
                    )
        elif rating is not None and rating != CqcRating.NOT_YET_INSPECTED:
            problems.append(
                CqcImportProblem(
                    number,
                    label["rating_date"],
                    "",
                    "Enter the date of the rating, like 2024-11-02. Only 'Not yet inspected' may have no date.",
                )
            )
        if len(problems) > found or provider is None or rating is None:
            continue
        key = (provider.pk, rating_date)
        if key in seen:
            earlier, earlier_rating = seen[key]
            problems.append(
                CqcImportProblem(
                    number,
                    label["location_id"] if earlier_rating == rating else label["rating"],
                    location_id if earlier_rating == rating else rating_cell,
                    f"This row repeats row {earlier} (same location, rating and date). Delete one of them."
                    if earlier_rating == rating
                    else f"Row {earlier} gives this location a different rating on the same date. "
                    "Keep the row with the right rating and delete the other.",
                )
            )
            continue
        seen[key] = (number, rating)
        rows.append(_Row(number, provider, location_id, name, rating, rating_date))
    return rows, problems


def cqc_ratings_import(*, acting: Acting, file_bytes: bytes, filename: str) -> CqcImportSummary:
    """Import CQC ratings from a CSV file (location ID, name, rating, date), matching the body's
    contracted providers by CQC location ID. All-or-nothing: any problem and nothing is stored.
    A row the provider already has (same rating and date) is skipped, so a file can be sent twice."""
    cqc_require(acting)
    summary = CqcImportSummary(filename=filename)
    lines, problems = _check_file(file_bytes, filename)
    if lines is not None:
        while lines and not any(cell.strip() for cell in lines[0]):
            lines.pop(0)  # leading blank lines are not the header
        if not lines:
            problems = [CqcImportProblem(None, "", None, "The file is empty. Add a header row.")]
    if lines is None or problems:  # no lines always comes with a problem
        summary.problems = problems
        return summary
    columns, problems = _read_columns(lines[0])
    if problems:
        summary.problems = problems
        return summary
    providers = {
        p.cqc_location_id.upper(): p
        for p in cqc_providers_for(acting).exclude(cqc_location_id=None)
        if p.cqc_location_id is not None  # as excluded above
    }
    rows, problems = _read_rows(lines, columns, providers)
    summary.rows = len(rows) + len({p.row for p in problems})
    if not rows and not problems:
        problems = [
            CqcImportProblem(
                None, "", None, "The file has a header but no ratings. Add one row per location."
            )
        ]
    if problems:
        summary.problems = problems
        return summary
    with transaction.atomic():
        locked = {
            p.pk: p
            for p in Provider.objects.select_for_update()
            .filter(pk__in={row.provider.pk for row in rows})
            .order_by("pk")
        }
        before = {pk: (p.cqc_rating, p.cqc_rating_date) for pk, p in locked.items()}
        existing = set(
            CqcRatingRecord.objects.filter(provider_id__in=locked).values_list(
                "provider_id", "rating", "rating_date"
            )
        )
        created = []
        for row in sorted(rows, key=lambda r: (_date_key(r.rating_date), r.number)):
            provider = locked[row.provider.pk]
            if (provider.pk, row.rating, row.rating_date) in existing:
                summary.already_recorded += 1
                continue
            record = CqcRatingRecord.objects.create(
                provider=provider,
                location_id=row.location_id,
                location_name=row.location_name[:200],
                rating=row.rating,
                rating_date=row.rating_date,
                source=CqcRatingRecord.Source.IMPORT,
                recorded_by=acting.user,
                recorded_by_label=str(acting.user),
                recorded_by_organisation=acting.organisation,
            )
            created.append(record)
            _apply_if_newest(provider, record)
        for pk, provider in locked.items():
            if (provider.cqc_rating, provider.cqc_rating_date) != before[pk]:
                provider.save(update_fields=["cqc_rating", "cqc_rating_date"])
                newest = max(
                    (r for r in created if r.provider_id == pk),
                    key=lambda r: (_date_key(r.rating_date), r.pk),
                )
                _tell_other_bodies(acting, provider, rating_text(*before[pk]), newest)
                if provider.cqc_rating != before[pk][0]:
                    summary.changed.append(
                        CqcRatingChange(
                            provider,
                            rating_text(*before[pk]),
                            rating_text(provider.cqc_rating, provider.cqc_rating_date),
                        )
                    )
        summary.added = len(created)
        summary.changed.sort(key=lambda change: change.provider.name)
        audit_record(
            actor=acting.user,
            actor_organisation=acting.organisation,
            action="cqc.import",
            obj=CommissioningBody.objects.get(pk=acting.organisation.pk),
            organisation=acting.organisation,
            details={
                "filename": filename,
                "sha256": hashlib.sha256(file_bytes).hexdigest(),
                "rows": summary.rows,
                "added": summary.added,
                "already_recorded": summary.already_recorded,
                "records": [record.pk for record in created],
                "changed": {c.provider.name: [c.before, c.after] for c in summary.changed},
            },
        )
    return summary
