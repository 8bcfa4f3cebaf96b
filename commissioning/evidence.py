"""Evidence files (QAF actions and assessments, notices): which files are kept, how each is checked
before it is kept, and what is kept with it.

A file is kept only when, in this order:
1. its extension is one of EVIDENCE_TYPES;
2. it is neither empty nor over MAX_EVIDENCE_BYTES (its size is read, not its content);
3. its content is what its extension says: a PDF, PNG or JPEG starts with that format's signature;
   a DOCX or XLSX is a zip holding the package's content types and its main document, and no macros
   (those are .docm and .xlsm); a CSV or TXT is UTF-8 text with no binary bytes;
4. ClamAV finds nothing in it (``accounts.virus_scanner``). An infected file is refused and written to
   the audit log of the body whose record it was sent to, and of the sender's organisation.
Every check reads the file in chunks, so a file is never held whole in memory.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models
from django.utils import timezone

from accounts.access import Acting
from accounts.audit import audit_record
from accounts.models import Organisation
from accounts.upload_limits import UploadLimit, megabytes
from accounts.virus_scanner import ScannerUnavailable, file_scan

logger = logging.getLogger("commissioning.evidence")

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
EVIDENCE_ADVICE = (
    "Make the file smaller (for example, scan at a lower resolution, or split a long document into "
    "parts) and upload it again."
)
# An officer's or a provider's evidence file: one per upload.
EVIDENCE_UPLOAD = UploadLimit(
    subject="An evidence file", file_bytes=MAX_EVIDENCE_BYTES, files=1, advice=EVIDENCE_ADVICE
)

ContentCheck = Callable[[File], "str | None"]  # the problem with the content, or None


@dataclass(frozen=True)
class EvidenceType:
    label: str  # as people know the type
    content_type: str
    content_problem: ContentCheck


def _starts_with(signature: bytes, label: str) -> ContentCheck:
    def problem(file: File) -> str | None:
        file.seek(0)
        if file.read(len(signature)) == signature:
            return None
        return (
            f"file is not a real {label} file: its content is another kind of file. "
            f"Save it as {label} and upload it again."
        )

    return problem


def _office_document(main_part: str, label: str, application: str) -> ContentCheck:
    """An Office Open XML package: a zip with [Content_Types].xml and the main document; reading the
    zip's directory only, never unpacking it."""

    def problem(file: File) -> str | None:
        not_real = (
            f"file is not a real {label} file: its content is another kind of file. "
            f"Save it from {application} as {label} and upload it again."
        )
        file.seek(0)
        if file.read(4) != b"PK\x03\x04":
            return not_real
        try:
            with zipfile.ZipFile(file) as package:
                names = package.namelist()
        except (zipfile.BadZipFile, EOFError, OSError, ValueError):
            return not_real
        if "[Content_Types].xml" not in names or main_part not in names:
            return not_real
        if any(name.lower().endswith("vbaproject.bin") for name in names):
            return (
                f"file contains macros. Save it from {application} as a {label} file without macros "
                "and upload it again."
            )
        return None

    return problem


# Control bytes other than tab, line feed, form feed and carriage return: binary content. (In UTF-8
# these bytes only ever stand for themselves, so the raw bytes are searched.)
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _utf8_text(file: File) -> str | None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in file.chunks():
            if _BINARY.search(chunk):
                return "file is not a text file: it holds binary data. Save it as text (UTF-8) and upload it again."
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return (
            "text file must be saved as UTF-8. In Excel choose CSV UTF-8 when saving; then upload it again."
        )
    return None


WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EVIDENCE_TYPES = {
    ".pdf": EvidenceType("PDF", "application/pdf", _starts_with(b"%PDF-", "PDF")),
    ".docx": EvidenceType("Word (.docx)", WORD, _office_document("word/document.xml", "DOCX", "Word")),
    ".xlsx": EvidenceType("Excel (.xlsx)", EXCEL, _office_document("xl/workbook.xml", "XLSX", "Excel")),
    ".png": EvidenceType("PNG", "image/png", _starts_with(b"\x89PNG\r\n\x1a\n", "PNG")),
    ".jpg": EvidenceType("JPEG", "image/jpeg", _starts_with(b"\xff\xd8\xff", "JPEG")),
    ".jpeg": EvidenceType("JPEG", "image/jpeg", _starts_with(b"\xff\xd8\xff", "JPEG")),
    ".csv": EvidenceType("CSV", "text/csv", _utf8_text),
    ".txt": EvidenceType("text (.txt)", "text/plain", _utf8_text),
}
# "PDF, Word (.docx), Excel (.xlsx), PNG, JPEG, CSV or text (.txt)"
_LABELS = list(dict.fromkeys(kind.label for kind in EVIDENCE_TYPES.values()))
EVIDENCE_TYPES_TEXT = ", ".join(_LABELS[:-1]) + " or " + _LABELS[-1]


@dataclass(frozen=True)
class CheckedEvidence:
    """An evidence file that passed every check, with what is kept about it."""

    file: File
    name: str
    content_type: str
    size: int
    sha256: str


def _sha256(file: File) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def _infected_record(
    acting: Acting, name: str, signature: str, about: models.Model, owner: Organisation
) -> None:
    """The audit entries of a refused infected file: the owner's, and the sender's organisation's."""
    details = {"file": name, "found": signature, "sent_by_provider": acting.is_provider}
    for organisation in {owner.pk: owner, acting.organisation.pk: acting.organisation}.values():
        audit_record(
            actor=acting.user,
            action="evidence.infected",
            obj=about,
            organisation=organisation,
            details=details,
        )


def evidence_check(
    *, acting: Acting, file: File, about: models.Model, owner: Organisation, named: bool = False
) -> CheckedEvidence:
    """Check one evidence file sent by ``acting`` for ``about`` (an assessment or a notice of
    ``owner``), as the module docstring says; ValidationError on ``file`` saying what to fix,
    prefixed with the file's name when ``named``."""
    name = (file.name or "").rsplit("/", 1)[-1]
    prefix = f"{name}: the" if named else "The"

    def refuse(text: str) -> ValidationError:
        return ValidationError({"file": f"{prefix} {text}"})

    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = EVIDENCE_TYPES.get(extension)
    if kind is None:
        raise refuse(
            f"file must be one of these types: {EVIDENCE_TYPES_TEXT}. Save it as one and upload it again."
        )
    size = file.size or 0
    if size == 0:
        raise refuse("file is empty. Choose the file with the evidence in it.")
    if size > MAX_EVIDENCE_BYTES:
        raise refuse(
            f"file is {megabytes(size)}; a file can be at most {EVIDENCE_UPLOAD.size_text}. {EVIDENCE_ADVICE}"
        )
    problem = kind.content_problem(file)
    if problem:
        raise refuse(problem)
    try:
        verdict = file_scan(file)
    except ScannerUnavailable:
        raise refuse(
            "file cannot be checked for viruses right now, so it was not uploaded. Try again later."
        ) from None
    if verdict.infected:
        _infected_record(acting, name, verdict.signature, about, owner)
        raise refuse(
            f"file contains a virus ({verdict.signature}), so it was not uploaded. Check the computer it "
            "came from with up-to-date antivirus software, then upload a clean copy."
        )
    if not verdict.scanned:
        logger.warning("%s was kept without a virus scan: CLAMAV_URL is not set.", name)
    return CheckedEvidence(
        file=file, name=name, content_type=kind.content_type, size=size, sha256=_sha256(file)
    )


class EvidenceFileBase(models.Model):
    """What is kept of every evidence file, whatever it is attached to: as sent, with its checksum."""

    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    description = models.CharField(max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_by_label = models.CharField(max_length=255)
    uploaded_by_provider = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name
