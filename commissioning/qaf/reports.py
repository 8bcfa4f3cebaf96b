"""Final-report PDFs of finalised QAF assessments: rendered with WeasyPrint (no network access:
only files under static/), stored with their checksum by a background task."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import timezone

from commissioning.qaf.models import Assessment, FinalReport


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


def qaf_report_context(assessment: Assessment) -> dict:
    from commissioning.qaf.selectors import assessment_sections

    return {
        "assessment": assessment,
        "sections": assessment_sections(assessment),
        "comments": list(assessment.comments.select_related("standard")),
        "actions": list(assessment.actions.select_related("standard")),
        "generated_at": timezone.localtime(),
    }


def qaf_report_render(assessment: Assessment) -> bytes:
    """The final report as PDF bytes."""
    from weasyprint import HTML

    fetcher, static_dir = _local_only_fetcher()
    html = render_to_string("pdf/qaf_report.html", qaf_report_context(assessment))
    return HTML(string=html, base_url=f"file://{static_dir}/", url_fetcher=fetcher).write_pdf()


def qaf_report_generate(report_id: int) -> str:
    """Generate and store a final report's PDF with its checksum; safe to run twice."""
    report = FinalReport.objects.select_related("assessment").filter(pk=report_id).first()
    if report is None:
        return "missing"
    if report.generated_at is not None:
        return "done"
    try:
        content = qaf_report_render(report.assessment)
    except Exception as error:  # logged with its traceback; the page says the PDF could not be made
        logging.getLogger(__name__).exception("Final report %s could not be rendered", report.pk)
        report.error = f"{type(error).__name__}: {error}"[:500]
        report.save(update_fields=["error"])
        return "failed"
    report.sha256 = hashlib.sha256(content).hexdigest()
    report.size = len(content)
    report.file.save(f"report-{report.assessment_id}.pdf", ContentFile(content), save=False)
    report.generated_at, report.error = timezone.now(), ""
    report.save(update_fields=["file", "sha256", "size", "generated_at", "error"])
    return "done"
