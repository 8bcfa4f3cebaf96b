"""A framework version's standards as a CSV file: one row per standard with its domain, code,
title, what good looks like and weight. The download and the upload use the same format, so an
officer can download the current version, change it in Excel and upload it as the next version.

Pure Python apart from reading a stored version: parsing returns the domains (in order of first
appearance, standards in file order) or every problem found, with its row as a spreadsheet shows
it (the header is row 1), its column and how to fix it. Nothing is stored here.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from accounts.downloads import FORMULA_STARTS, csv_bytes
from accounts.upload_limits import UploadLimit
from commissioning.qaf.frameworks import DomainInput, StandardInput
from commissioning.qaf.models import QafDomain, QafFrameworkVersion, QafStandard

MAX_BYTES = 1024 * 1024
FRAMEWORK_UPLOAD = UploadLimit(
    subject="A file of standards",
    file_bytes=MAX_BYTES,
    files=1,
    advice="Keep only the five columns of standards, save it from Excel as CSV UTF-8 and upload it again.",
)
COLUMNS = ("domain", "code", "title", "looks_like", "weight")
COLUMN_LABELS = {
    "domain": "Domain",
    "code": "Code",
    "title": "Title",
    "looks_like": "What good looks like",
    "weight": "Weight",
}
REQUIRED_COLUMNS = ("domain", "code", "title", "looks_like")
# Spellings accepted for each column, compared after lower-casing and turning "_", "-" and runs of
# spaces into one space (so "LOOKS_LIKE" and "What good looks like" both match).
HEADER_SPELLINGS = {
    "domain": {"domain", "domain name"},
    "code": {"code", "standard code"},
    "title": {"title", "standard", "standard title"},
    "looks_like": {"looks like", "what good looks like", "good looks like"},
    "weight": {"weight", "weighting"},
}
# The model's limits, said in words where a cell breaks them.
MAX_LENGTHS = {"domain": 200, "code": 10, "title": 200}
MAX_WEIGHT = Decimal("99.99")
DEFAULT_WEIGHT = Decimal("1")


@dataclass(frozen=True)
class FrameworkCsvProblem:
    """One thing wrong with an uploaded file: the row as a spreadsheet shows it (1 is the header;
    None for the whole file), the column's label, the value found and how to fix it."""

    row: int | None
    column: str
    value: str | None
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}" if self.row else "The file"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


@dataclass
class ParsedFramework:
    """What a file holds: its domains and standards, or the problems that stop it being used."""

    filename: str
    domains: list[DomainInput] = field(default_factory=list)
    problems: list[FrameworkCsvProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def standard_count(self) -> int:
        return sum(len(domain.standards) for domain in self.domains)


# --- Writing -------------------------------------------------------------------------------------


def weight_text(weight: Decimal) -> str:
    """``1`` for 1.00, ``1.5`` for 1.50: the weight as an officer would type it."""
    text = f"{weight:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def version_domains(version: QafFrameworkVersion) -> list[QafDomain]:
    """The version's domains in order, each with its standards (``domain.standards.all()``) in order."""
    return list(QafDomain.objects.filter(version=version).order_by("position").prefetch_related("standards"))


def framework_csv_text(version: QafFrameworkVersion) -> str:
    """The version's standards in the upload format: a header row, then one row per standard."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([COLUMN_LABELS[key] for key in COLUMNS])
    for domain in version_domains(version):
        standard: QafStandard
        for standard in domain.standards.all():
            writer.writerow(
                [
                    domain.name,
                    standard.code,
                    standard.title,
                    standard.looks_like,
                    weight_text(standard.weight),
                ]
            )
    return out.getvalue()


def framework_csv_bytes(version: QafFrameworkVersion) -> bytes:
    """The version's standards as a download: UTF-8 with a byte-order mark, and every cell
    formula-safe (``accounts.downloads``): a cell a spreadsheet would run as a formula gets a leading
    quote, which reading the file back takes off again."""
    rows = list(csv.reader(io.StringIO(framework_csv_text(version), newline="")))
    return csv_bytes(rows[0], rows[1:])


# --- Reading -------------------------------------------------------------------------------------


def _unquoted(text: str) -> str:
    """A cell as downloaded formula-safe ("'=x" for "=x") read back as it was typed."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def _normalise(text: str) -> str:
    return " ".join(re.sub(r"[_\-./]+", " ", text.strip().lower()).split())


def _decode(file_bytes: bytes) -> tuple[str | None, FrameworkCsvProblem | None]:
    def whole_file(message: str) -> tuple[None, FrameworkCsvProblem]:
        return None, FrameworkCsvProblem(None, "", None, message)

    if not file_bytes.strip():
        return whole_file(
            "The file is empty. Download the current standards, change them and upload that file."
        )
    if len(file_bytes) > MAX_BYTES:
        return whole_file(f"The file must be smaller than {MAX_BYTES // 1024 // 1024} MB.")
    if file_bytes.startswith(b"PK\x03\x04"):
        return whole_file(
            "This is an Excel workbook, not a CSV file. In Excel choose File, Save As, "
            "CSV UTF-8 (Comma delimited), then upload that file."
        )
    try:
        text = file_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        return whole_file(
            "The file is not saved as UTF-8. In Excel choose File, Save As, CSV UTF-8 (Comma delimited), "
            "then upload that file."
        )
    if "\x00" in text:
        return whole_file(
            "The file is not a CSV file. Save it as CSV UTF-8 (Comma delimited) and upload it again."
        )
    return text, None


def _columns(header: list[str]) -> tuple[dict[str, int], list[FrameworkCsvProblem]]:
    """Which position holds each column; problems for missing or repeated columns."""
    found: dict[str, int] = {}
    problems = []
    for position, name in enumerate(header):
        key = next((k for k, names in HEADER_SPELLINGS.items() if _normalise(name) in names), None)
        if key is None:
            continue  # other columns are ignored, as the page says
        if key in found:
            problems.append(
                FrameworkCsvProblem(
                    1,
                    COLUMN_LABELS[key],
                    name,
                    f"The {COLUMN_LABELS[key]} column appears twice. Delete one of them.",
                )
            )
            continue
        found[key] = position
    for key in REQUIRED_COLUMNS:
        if key not in found:
            spellings = " or ".join(f'"{s}"' for s in sorted(HEADER_SPELLINGS[key]))
            problems.append(
                FrameworkCsvProblem(
                    1,
                    COLUMN_LABELS[key],
                    None,
                    f"The header has no {COLUMN_LABELS[key]} column. Add a column headed {spellings}.",
                )
            )
    return found, problems


def _weight(text: str) -> Decimal | None:
    """The weight in a cell (blank → 1), or None when it is not a usable weight."""
    if not text:
        return DEFAULT_WEIGHT
    try:
        weight = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    if not weight.is_finite() or weight <= 0 or weight > MAX_WEIGHT or weight != round(weight, 2):
        return None
    return weight


def _row_problems(values: dict[str, str], codes: dict[str, int]) -> list[tuple[str, str]]:
    """(column key, what to fix) for each problem of one row; ``codes`` maps the codes of earlier
    rows (case-insensitively) to their row numbers."""
    problems = []
    if not values["domain"]:
        problems.append(
            ("domain", "Enter the domain this standard belongs to, like Safeguarding and safety.")
        )
    if not values["code"]:
        problems.append(("code", "Enter the standard's code, like 3.2."))
    elif values["code"].casefold() in codes:
        problems.append(
            (
                "code",
                f"Code {values['code']} is also used on row {codes[values['code'].casefold()]}. "
                "Give each standard its own code.",
            )
        )
    if not values["title"]:
        problems.append(("title", "Enter the standard's title, like Safeguarding adults."))
    for key, limit in MAX_LENGTHS.items():
        if len(values[key]) > limit:
            problems.append(
                (key, f"Shorten this to {limit} characters or fewer (it has {len(values[key])}).")
            )
    if _weight(values["weight"]) is None:
        problems.append(
            (
                "weight",
                f"Enter the weight as a number above 0 and at most {weight_text(MAX_WEIGHT)}, with up to two "
                "decimal places, like 1 or 1.5; or leave it blank for 1.",
            )
        )
    return problems


def framework_csv_parse(file_bytes: bytes, filename: str = "standards.csv") -> ParsedFramework:
    """Read an uploaded file of standards (UTF-8, with or without a byte-order mark). All or
    nothing: either every row is usable and ``domains`` holds them, or ``problems`` lists each
    problem and ``domains`` is empty."""
    parsed = ParsedFramework(filename=filename)
    text, problem = _decode(file_bytes)
    if problem is not None:
        parsed.problems = [problem]
        return parsed
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        parsed.problems = [
            FrameworkCsvProblem(
                None, "", None, f"The file cannot be read as CSV ({error}). Save it from Excel as CSV UTF-8."
            )
        ]
        return parsed
    numbered = [
        (number, cells) for number, cells in enumerate(records, start=1) if any(c.strip() for c in cells)
    ]
    if not numbered:
        parsed.problems = [
            FrameworkCsvProblem(None, "", None, "The file is empty. Add a header row and the standards.")
        ]
        return parsed
    header_number, header = numbered[0]
    if header_number != 1:
        parsed.problems = [
            FrameworkCsvProblem(
                None, "", None, "The first row must name the columns. Delete the blank rows above it."
            )
        ]
        return parsed
    columns, problems = _columns(header)
    if problems:
        parsed.problems = problems
        return parsed

    domains: dict[str, tuple[str, list[StandardInput]]] = {}
    codes: dict[str, int] = {}
    for number, cells in numbered[1:]:
        values = {
            key: _unquoted(cells[position].strip())
            if (position := columns.get(key)) is not None and position < len(cells)
            else ""
            for key in COLUMNS
        }
        row_problems = [
            FrameworkCsvProblem(number, COLUMN_LABELS[key], values[key], message)
            for key, message in _row_problems(values, codes)
        ]
        weight = _weight(values["weight"])
        code_key = values["code"].casefold()
        if code_key and code_key not in codes:
            codes[code_key] = number
        if row_problems or weight is None:
            parsed.problems.extend(row_problems)
            continue
        # Spellings of one domain that differ only in case or spacing are the same domain.
        domain_key = " ".join(values["domain"].casefold().split())
        name, standards = domains.setdefault(domain_key, (values["domain"], []))
        standards.append(StandardInput(values["code"], values["title"], values["looks_like"], weight))
    if not parsed.problems and not domains:
        parsed.problems = [
            FrameworkCsvProblem(
                None, "", None, "The file has a header but no standards. Add one row per standard."
            )
        ]
    if not parsed.problems:
        parsed.domains = [DomainInput(name, standards) for name, standards in domains.values()]
    return parsed
