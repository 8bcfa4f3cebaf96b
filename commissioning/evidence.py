"""Evidence files (QAF actions, notices): which files are accepted, checked by content and size."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
# What evidence may be: by extension, with the content the file must start with (None: plain text).
EVIDENCE_TYPES = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".csv": ("text/csv", None),
    ".txt": ("text/plain", None),
}


def evidence_content_type(name: str, content: bytes, *, named: bool = False) -> str:
    """The content type of an acceptable evidence file; ValidationError on ``file`` saying what to fix
    (prefixed with the file's name when ``named``)."""
    prefix = f"{name}: the" if named else "The"

    def refuse(text: str) -> ValidationError:
        return ValidationError({"file": f"{prefix} {text}"})

    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EVIDENCE_TYPES:
        allowed = ", ".join(sorted(e.lstrip(".").upper() for e in EVIDENCE_TYPES))
        raise refuse(f"file must be one of: {allowed}.")
    if not content:
        raise refuse("file is empty.")
    if len(content) > MAX_EVIDENCE_BYTES:
        raise refuse(f"file must be smaller than {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB.")
    content_type, magic = EVIDENCE_TYPES[extension]
    if magic is not None and not content.startswith(magic):
        raise refuse(f"file is not a real {extension.lstrip('.').upper()} file.")
    if magic is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise refuse("text file must be saved as UTF-8.") from None
    return content_type


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
