"""Final-report PDFs of finalised QAF assessments: rendered with WeasyPrint (no network access:
only files under static/), stored with their checksum by a background task."""

from __future__ import annotations

from django.utils import timezone

from commissioning.pdf import pdf_render, pdf_store
from commissioning.qaf.models import Assessment, FinalReport
from commissioning.qaf.selectors import assessment_sections


def qaf_report_context(assessment: Assessment) -> dict:
    """What the final report shows: the ratings by domain, the provider's comments and the actions."""
    return {
        "assessment": assessment,
        "sections": assessment_sections(assessment),
        "comments": list(assessment.comments.select_related("standard")),
        "actions": list(assessment.actions.select_related("standard")),
        "generated_at": timezone.localtime(),
    }


def qaf_report_render(assessment: Assessment) -> bytes:
    """The final report as PDF bytes."""
    return pdf_render("pdf/qaf_report.html", qaf_report_context(assessment))


def qaf_report_generate(report_id: int) -> str:
    """Generate and store a final report's PDF with its checksum; safe to run twice."""
    report = FinalReport.objects.select_related("assessment").filter(pk=report_id).first()
    if report is None:
        return "missing"
    return pdf_store(
        report, lambda: qaf_report_render(report.assessment), f"report-{report.assessment_id}.pdf"
    )
