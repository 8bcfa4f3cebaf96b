"""The QAF final report PDF (templates/pdf/qaf_report.html, rendered by commissioning.qaf.reports): an assessment
built through the services, its PDF read back as text with pdftotext, its checksum, and the task
being safe to run twice."""

from __future__ import annotations

import hashlib
import re
import subprocess
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.access import acting_for
from commissioning.qaf import services
from commissioning.qaf.models import Assessment, DelayReason, FinalReport, StandardRating
from commissioning.qaf.reports import qaf_report_context, qaf_report_generate
from tests.factories import contract

pytestmark = pytest.mark.django_db

COMMENT = "Staff numbers were 42 on the day of the visit, not 40."
RESPONSE = "Agreed: the report now says 42."
SUMMARY = "Visited twice; twelve care records sampled. Medicines records need urgent work."


def _acting(user):
    found = acting_for(user, None)
    assert found is not None
    return found


@pytest.fixture
def finalised(world, settings, tmp_path) -> Assessment:
    """An initial evaluation of Acme Homecare that took 100 days (delay recorded), with 2.4
    Medication rated Poor (so non-compliant), a provider comment with a response, and one action."""
    settings.MEDIA_ROOT = tmp_path / "media"
    deal = contract(world.council, world.provider_a, reference="QAF-PDF-1", title="Homecare, North")
    officer = _acting(world.users["quality_officer"])
    approver = _acting(world.users["a_approver"])
    today = timezone.localdate()
    assessment = services.assessment_schedule(
        acting=officer, provider=world.provider_a, scheduled_for=today - timedelta(days=110), contract=deal
    )
    services.assessment_start(acting=officer, assessment=assessment, started_on=today - timedelta(days=100))
    services.delay_record(
        acting=officer,
        assessment=assessment,
        reason=DelayReason.PROVIDER_EVIDENCE,
        note="Training records arrived six weeks late",
    )
    ratings = {}
    for rating in assessment.ratings.select_related("standard"):
        code = rating.standard.code
        value = StandardRating.POOR if code == "2.4" else StandardRating.GOOD
        evidence = "MAR charts incomplete for 5 of 12 people" if code == "2.4" else f"Seen on visit ({code})"
        ratings[rating.standard_id] = (value, evidence)
    services.ratings_record(acting=officer, assessment=assessment, ratings=ratings)
    services.draft_share(acting=officer, assessment=assessment)
    medication = assessment.ratings.get(standard__code="2.4").standard
    comment = services.comment_add(
        acting=approver, assessment=assessment, text=COMMENT, standard_id=medication.pk
    )
    services.comment_respond(acting=officer, comment=comment, response=RESPONSE)
    services.assessment_finalise(acting=officer, assessment=assessment, finalised_on=today, summary=SUMMARY)
    services.action_add(
        acting=officer,
        assessment=assessment,
        standard_id=medication.pk,
        description="Audit every MAR chart weekly and retrain the staff concerned",
        owner="Registered manager",
        due_on=today + timedelta(days=28),
    )
    return Assessment.objects.get(pk=assessment.pk)


def _text(content: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    # -raw keeps each table cell's lines together (the default reading order interleaves columns)
    done = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, timeout=60)
    return " ".join(done.stdout.decode("utf-8").split())


def test_the_final_report_pdf_holds_the_assessment(finalised, tmp_path):
    report = FinalReport.objects.get(assessment=finalised)
    assert report.generated_at is None  # queued after commit; generated here by hand

    assert qaf_report_generate(report.pk) == "done"

    report.refresh_from_db()
    assert report.error == ""
    with report.file.open("rb") as stored:
        content = stored.read()
    assert content.startswith(b"%PDF-")
    assert report.sha256 == hashlib.sha256(content).hexdigest()
    assert report.size == len(content)
    text = _text(content, tmp_path)
    for expected in (
        "Quality Assurance Framework: final report",
        "Acme Homecare Ltd",
        "Riverton City Council",
        "QAF-PDF-1 Homecare, North",
        "Homecare Quality Assurance Framework, version 1",
        "Initial evaluation",
        "Outcome: Non-compliant",
        "Overall judgement",
        "2.4",
        "Medication",
        "Poor",
        "MAR charts incomplete for 5 of 12 people",
        COMMENT,
        RESPONSE,
        SUMMARY,
        "Audit every MAR chart weekly and retrain the staff concerned",
        "Registered manager",
        "Waiting for evidence from the provider",
        "Training records arrived six weeks late",
        "100 days from start to completion",
        "more than 13 weeks",
        "Page 1 of",
        "Generated",
    ):
        assert expected in text, f"{expected!r} is not in the PDF"
    pages = re.search(r"Page 1 of (\d+)", text)
    assert pages and int(pages.group(1)) >= 2
    assert f"Page {pages.group(1)} of {pages.group(1)}" in text


def test_the_rating_of_a_standard_sits_in_its_row(finalised):
    html = render_to_string("pdf/qaf_report.html", qaf_report_context(finalised))
    row = re.search(r"<tr>\s*<td class=\"nowrap\">2\.4</td>(.*?)</tr>", html, re.S)
    assert row is not None
    assert "Medication" in row.group(1)
    assert "Poor" in row.group(1)
    assert "MAR charts incomplete" in row.group(1)


def test_generating_twice_does_not_regenerate(finalised):
    report = FinalReport.objects.get(assessment=finalised)
    qaf_report_generate(report.pk)
    report.refresh_from_db()
    first = (report.file.name, report.sha256, report.generated_at)

    assert qaf_report_generate(report.pk) == "done"

    report.refresh_from_db()
    assert (report.file.name, report.sha256, report.generated_at) == first
    assert FinalReport.objects.filter(assessment=finalised).count() == 1


def test_a_compliant_report_without_comments_says_so(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    contract(world.council, world.provider_a, reference="QAF-PDF-2")
    officer = _acting(world.users["quality_officer"])
    approver = _acting(world.users["a_approver"])
    today = timezone.localdate()
    assessment = services.assessment_schedule(acting=officer, provider=world.provider_a, scheduled_for=None)
    services.assessment_start(acting=officer, assessment=assessment, started_on=today - timedelta(days=30))
    services.ratings_record(
        acting=officer,
        assessment=assessment,
        ratings={r.standard_id: (StandardRating.GOOD, "") for r in assessment.ratings.all()},
    )
    services.draft_share(acting=officer, assessment=assessment)
    services.comment_add(acting=approver, assessment=assessment, text="No corrections.")
    services.assessment_finalise(
        acting=officer, assessment=assessment, finalised_on=today, summary="All good."
    )
    report = FinalReport.objects.get(assessment=assessment)

    qaf_report_generate(report.pk)

    report.refresh_from_db()
    with report.file.open("rb") as stored:
        text = _text(stored.read(), tmp_path)
    assert "Outcome: Compliant" in text
    assert "Not limited to one contract" in text
    assert "30 days from start to completion" in text
    assert "within the target" in text
    assert "None: the provider was found compliant." in text
    assert "The whole report" in text  # the comment was on the whole report


def test_a_report_that_failed_every_try_is_made_again_by_the_officers_try_again(
    finalised, client, world, django_capture_on_commit_callbacks
):
    """When the report's job runs out of tries, the page says so and the officer's "Try again" makes it."""
    from accounts.jobs import job_fail, job_for
    from commissioning.qaf.services import report_subject

    report = FinalReport.objects.get(assessment=finalised)
    job = job_for(report_subject(report.pk))
    assert job is not None
    FinalReport.objects.filter(pk=report.pk).update(generated_at=None, sha256="", error="")
    job.status, job.tries = "queued", 5
    job.save(update_fields=["status", "tries"])
    assert job_fail(job.pk, "Not finished after 5 tries.")
    report.refresh_from_db()
    assert report.error == "It could not be done after 5 tries."
    client.force_login(world.users["a_approver"])
    page = client.get(f"/qaf/assessments/{finalised.pk}/").content.decode()
    assert "The PDF report could not be made" in page and "Ask the quality officer to try again" in page
    assert client.post(f"/qaf/assessments/{finalised.pk}/report.pdf").status_code == 403
    client.force_login(world.users["quality_officer"])
    assert "Try again</button>" in client.get(f"/qaf/assessments/{finalised.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/qaf/assessments/{finalised.pk}/report.pdf")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.generated_at is not None and report.error == ""
    assert client.get(f"/qaf/assessments/{finalised.pk}/report.pdf")["Content-Type"] == "application/pdf"
