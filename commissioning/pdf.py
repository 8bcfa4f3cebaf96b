"""PDF documents (QAF final reports, notice letters): rendered with WeasyPrint from a template with
no network access (only files under static/), and stored once, with their checksum."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger(__name__)


class StoredDocument(Protocol):
    """A document record whose PDF pdf_store keeps (the report, letter and pack models)."""

    file: FieldFile
    sha256: str
    size: int
    generated_at: datetime | None
    error: str

    @property
    def pk(self) -> Any: ...

    def save(self, *, update_fields: Iterable[str] | None = ...) -> None: ...

    def refresh_from_db(self, *, fields: Iterable[str] | None = ...) -> None: ...


STORED_FIELDS = ["file", "sha256", "size", "generated_at", "error"]


def _local_only_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_dir = Path(settings.BASE_DIR, "static").resolve()

    class LocalOnly(URLFetcher):
        """Fetches nothing from the network: only data: URLs and files under static/."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = Path(url.removeprefix("file://")).resolve()
            if not url.startswith("file://") or static_dir not in path.parents:
                raise ValueError(f"blocked: {url}")
            return URLFetcherResponse(url, path.read_bytes(), {}, 200)

    return LocalOnly(), static_dir


@cache
def pdf_fonts():
    """The system's fonts, found once per process and kept with their measurements (the templates
    use installed fonts only, no @font-face): every PDF after the first starts from them."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def pdf_render_counted(template: str, context: dict) -> tuple[bytes, int]:
    """A template rendered to PDF bytes, with its number of pages."""
    from weasyprint import HTML

    fetcher, static_dir = _local_only_fetcher()
    html = render_to_string(template, context)
    document = HTML(string=html, base_url=f"file://{static_dir}/", url_fetcher=fetcher).render(
        font_config=pdf_fonts()
    )
    return document.write_pdf(), len(document.pages)


def pdf_render(template: str, context: dict) -> bytes:
    """A template rendered to PDF bytes."""
    return pdf_render_counted(template, context)[0]


def pdf_store(record: StoredDocument, render: Callable[[], bytes], filename: str) -> str:
    """Render and store a document record's PDF (fields file, sha256, size, generated_at, error).

    Safe to run twice, and on two workers at once: a stored PDF is left as it is. The PDF is rendered
    without a lock (it takes seconds), then stored under the record's row lock, by the first run only:
    a second run that rendered meanwhile keeps what the first stored, so a document is stored once
    with one checksum. A failure is logged with its traceback and recorded on the record, not raised.
    Returns "done" or "failed".
    """
    if record.generated_at is not None:
        return "done"
    model: Any = type(record)
    try:
        content = render()
    except (OperationalError, InterfaceError):
        raise  # the database is away: the task tries again, the document has not failed
    except Exception as error:
        logger.exception("%s %s could not be rendered", type(record).__name__, record.pk)
        record.error = f"{type(error).__name__}: {error}"[:500]
        model._default_manager.filter(pk=record.pk, generated_at__isnull=True).update(error=record.error)
        return "failed"
    with transaction.atomic():
        locked = model._default_manager.select_for_update().filter(pk=record.pk)
        if locked.values_list("generated_at", flat=True).first() is not None:
            record.refresh_from_db(fields=STORED_FIELDS)
            return "done"
        record.sha256 = hashlib.sha256(content).hexdigest()
        record.size = len(content)
        record.file.save(filename, ContentFile(content), save=False)
        record.generated_at, record.error = timezone.now(), ""
        record.save(update_fields=STORED_FIELDS)
    return "done"
