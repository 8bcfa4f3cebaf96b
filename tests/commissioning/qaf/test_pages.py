"""The QAF pages: the tracker (commissioner and provider), a provider's QAF page, an assessment
through its whole lifecycle, comments, evidence files, the final report and the action plan.

Outside your organisation's reach → 404 (the selectors); inside it without the capability → 403.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from commissioning.qaf import services
from commissioning.qaf.models import (
    ActionStatus,
    Assessment,
    AssessmentKind,
    AssessmentStatus,
    Comment,
    EvidenceFile,
    FinalReport,
    QafStatus,
    RemedialAction,
    StandardRating,
)
from commissioning.qaf.status import qaf_status_store_all
from providers.models import CqcRating
from tests.factories import PASSWORD, acting, contract
from tests.factories import contract as make_contract
from tests.pages import error_summary, page_text

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
POOR_CODE = "3.1"


def client_for(user) -> Client:
    """A client signed in through the real sign-in form."""
    client = Client()
    response = client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def iso(day) -> str:
    return f"{day:%Y-%m-%d}"


class Setup:
    def __init__(self, world):
        self.world = world
        self.today = timezone.localdate()
        self.deal = contract(world.council, world.provider_a, reference="QAF-1", title="Homecare, North")
        self.deal_b = contract(world.council, world.provider_b, reference="QAF-2", title="Homecare, South")
        self.officer = acting(world.users["quality_officer"])
        self.approver = acting(world.users["a_approver"])

    def scheduled(self) -> Assessment:
        return services.assessment_schedule(
            acting=self.officer, provider=self.world.provider_a, scheduled_for=self.today, contract=self.deal
        )

    def started(self, days_ago: int = 20) -> Assessment:
        assessment = self.scheduled()
        return services.assessment_start(
            acting=self.officer, assessment=assessment, started_on=self.today - timedelta(days=days_ago)
        )

    def rate(self, assessment: Assessment) -> None:
        """Every standard Good, except 3.1 Safeguarding rated Poor (so the outcome is non-compliant)."""
        services.ratings_record(
            acting=self.officer,
            assessment=assessment,
            ratings={
                row.standard_id: (
                    StandardRating.POOR if row.standard.code == POOR_CODE else StandardRating.GOOD,
                    f"Seen on visit ({row.standard.code})",
                )
                for row in assessment.ratings.select_related("standard")
            },
        )

    def shared(self, days_ago: int = 20) -> Assessment:
        assessment = self.started(days_ago)
        self.rate(assessment)
        return services.draft_share(acting=self.officer, assessment=assessment)

    def finalised(self, days_ago: int = 20, finalised_days_ago: int = 0) -> Assessment:
        assessment = self.shared(days_ago)
        services.comment_add(
            acting=self.approver, assessment=assessment, text="Staff numbers were 42, not 40."
        )
        return services.assessment_finalise(
            acting=self.officer,
            assessment=assessment,
            finalised_on=self.today - timedelta(days=finalised_days_ago),
            summary="Safeguarding training out of date.",
        )

    def action(self, assessment: Assessment) -> RemedialAction:
        return services.action_add(
            acting=self.officer,
            assessment=assessment,
            standard_id=self.poor_standard(assessment).pk,
            description="Train every care worker in safeguarding adults level 2.",
            owner="Registered manager",
            due_on=self.today + timedelta(days=14),
        )

    @staticmethod
    def poor_standard(assessment: Assessment):
        return assessment.ratings.get(standard__code=POOR_CODE).standard


@pytest.fixture
def qaf(world, settings, tmp_path) -> Setup:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Setup(world)


def ratings_data(assessment: Assessment, poor: str = POOR_CODE) -> dict:
    data = {}
    for row in assessment.ratings.select_related("standard"):
        code = row.standard.code
        data[f"rating_{row.standard_id}"] = StandardRating.POOR if code == poor else StandardRating.GOOD
        data[f"evidence_{row.standard_id}"] = f"Records sampled for {code}"
    return data


def flash(response) -> str:
    return page_text(response)


# --- The tracker ---------------------------------------------------------------------------------


def test_the_council_tracker_lists_its_providers_with_qaf_status_and_cqc_rating(
    qaf, world, django_capture_on_commit_callbacks
):
    world.provider_b.cqc_rating = CqcRating.REQUIRES_IMPROVEMENT
    world.provider_b.save()
    # Acme: found non-compliant 100 days ago, so past the 12-week window; its statuses are stored
    # once the change commits.
    with django_capture_on_commit_callbacks(execute=True):
        qaf.finalised(days_ago=130, finalised_days_ago=100)
    assert QafStatus.objects.filter(provider=world.provider_a).exists()
    # Brookside's contract was written straight to the database: its status is the nightly run's.
    assert not QafStatus.objects.filter(provider=world.provider_b).exists()
    qaf_status_store_all()

    response = client_for(world.users["c_viewer"]).get("/qaf/")
    assert response.status_code == 200
    text = page_text(response)
    assert '<caption class="govuk-table__caption govuk-table__caption--m">2 providers' in text
    acme = re.search(rf'data-testid="tracker-row-{world.provider_a.pk}".*?</tr>', text, re.S).group(0)
    assert "Non-compliant — past the compliance window" in acme
    assert "compliance window ended on" in acme
    assert "Past window" in acme
    assert f"{qaf.today - timedelta(days=100):%-d %B %Y}" in acme  # last completed
    brookside = re.search(rf'data-testid="tracker-row-{world.provider_b.pk}".*?</tr>', text, re.S).group(0)
    assert "Not yet assessed" in brookside
    assert "CQC: Requires improvement" in brookside and 'data-testid="cqc-priority"' in brookside
    assert 'data-testid="cqc-priority"' not in acme
    assert "1 provider rated Requires improvement or Inadequate by the CQC" in text
    assert QafStatus.objects.filter(commissioner=world.council, contract__isnull=True).count() == 2

    filtered = client_for(world.users["commissioner"]).get("/qaf/", {"cqc_rating": "requires_improvement"})
    assert "Brookside Care Services" in page_text(filtered) and "Acme Homecare Ltd" not in page_text(filtered)
    by_status = client_for(world.users["commissioner"]).get("/qaf/", {"status": "non_compliant_past_window"})
    assert "Acme Homecare Ltd" in page_text(by_status) and "Brookside" not in page_text(by_status)


def test_an_icb_leading_no_contract_sees_an_empty_tracker(qaf, world):
    response = client_for(world.users["icb_admin"]).get("/qaf/")
    assert response.status_code == 200
    assert "Your organisation leads no contracts yet." in page_text(response)
    assert "Acme Homecare Ltd" not in page_text(response)


def test_the_provider_tracker_lists_only_its_shared_and_finalised_assessments(qaf, world):
    qaf.scheduled()  # the officers' work in progress: not shown to the provider
    finalised = qaf.finalised()
    qaf.action(finalised)
    response = client_for(world.users["a_viewer"]).get("/qaf/")
    assert response.status_code == 200
    text = page_text(response)
    assert f'href="/qaf/assessments/{finalised.pk}/"' in text
    assert re.findall(r'href="/qaf/assessments/(\d+)/"', text) == [str(finalised.pk)]
    assert f'href="/qaf/assessments/{finalised.pk}/actions/"' in text
    assert "1 of 1 action open" in text
    assert ">Quality<" in text  # in the service navigation

    other = client_for(world.users["b_admin"]).get("/qaf/")
    assert "No assessment has been shared with you yet." in page_text(other)


# --- The provider page ------------------------------------------------------------------------------


def test_the_provider_page_shows_status_by_contract_cqc_and_assessments(
    qaf, world, django_capture_on_commit_callbacks
):
    second = contract(world.council, world.provider_a, reference="QAF-3", qaf_compliance_window_weeks=4)
    with django_capture_on_commit_callbacks(execute=True):
        assessment = qaf.finalised()
    officer = client_for(world.users["quality_officer"])
    response = officer.get(f"/qaf/providers/{world.provider_a.pk}/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Non-compliant — within the compliance window" in text
    assert "The 12-week compliance window ends on" in text
    assert "CQC: Good" in text
    table = re.search(r'data-testid="status-by-contract".*?</table>', text, re.S).group(0)
    assert "QAF-1" in table and "QAF-3" in table and "window 4 weeks" in table
    assert "No assessment has been completed." in table  # QAF-3: the assessment was scoped to QAF-1
    assert f'href="/qaf/assessments/{assessment.pk}/"' in text
    assert "Schedule an assessment" in text
    assert second.pk

    viewer = client_for(world.users["c_viewer"]).get(f"/qaf/providers/{world.provider_a.pk}/")
    assert viewer.status_code == 200 and "Schedule an assessment" not in page_text(viewer)
    for role in ("a_admin", "b_admin", "icb_admin"):
        assert client_for(world.users[role]).get(f"/qaf/providers/{world.provider_a.pk}/").status_code == 404


def test_scheduling_shows_errors_on_the_form(qaf, world):
    officer = client_for(world.users["quality_officer"])
    response = officer.post(
        f"/qaf/providers/{world.provider_a.pk}/schedule/", {"scheduled_for": "not a date"}
    )
    assert response.status_code == 200
    assert error_summary(response) == [
        ("schedule-scheduled_for", "Enter the planned start date as a real date, like 31/03/2026")
    ]
    assert response.context["form"]["scheduled_for"].errors
    assert not Assessment.objects.exists()
    assert officer.get(f"/qaf/providers/{world.provider_a.pk}/schedule/").status_code == 302
    commissioner = client_for(world.users["commissioner"])
    assert (
        commissioner.post(
            f"/qaf/providers/{world.provider_a.pk}/schedule/", {"scheduled_for": iso(qaf.today)}
        ).status_code
        == 403
    )


# --- The whole lifecycle through the pages --------------------------------------------------------


def test_the_whole_lifecycle_through_the_pages(qaf, world, django_capture_on_commit_callbacks):
    officer = client_for(world.users["quality_officer"])
    approver = client_for(world.users["a_approver"])
    provider_page = f"/qaf/providers/{world.provider_a.pk}/"

    # Schedule.
    response = officer.post(
        f"{provider_page}schedule/", {"scheduled_for": iso(qaf.today), "contract": qaf.deal.pk}
    )
    assessment = Assessment.objects.get()
    url = f"/qaf/assessments/{assessment.pk}/"
    assert response.status_code == 302 and response["Location"] == url
    assert assessment.contract == qaf.deal and assessment.kind == AssessmentKind.INITIAL
    page = officer.get(url)
    assert "is scheduled for" in flash(page) and "Start the assessment" in page_text(page)
    assert approver.get(url).status_code == 404  # not shared yet

    # Start, twenty days ago.
    response = officer.post(f"{url}start/", {"started_on": iso(qaf.today - timedelta(days=20))})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.STARTED and assessment.ratings.count() == 16
    page = officer.get(url)
    assert "Day 20 of the 91-day (13-week) target" in page_text(page)
    assert "Reason for the delay" not in page_text(page)

    # Ratings: every standard Good except 3.1 Poor.
    response = officer.post(f"{url}ratings/", ratings_data(assessment))
    assert response.status_code == 302
    assert "Ratings saved: 16 standards changed." in flash(officer.get(url))
    assert assessment.ratings.get(standard__code=POOR_CODE).rating == StandardRating.POOR

    # Share the draft; the provider sees it and comments on a standard.
    assert officer.post(f"{url}share/").status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.DRAFT_SHARED
    page = approver.get(url)
    assert page.status_code == 200
    assert "Comment on the factual accuracy" in page_text(page)
    assert "Save the ratings" not in page_text(page)
    assert "Records sampled for 3.1" in page_text(page)

    # Finalising too early: the provider still has time to comment.
    early = officer.post(f"{url}finalise/", {"finalised_on": iso(qaf.today), "summary": "Done"})
    assert early.status_code == 200
    [(anchor, message)] = error_summary(early)
    assert anchor == "finalise" and message.startswith("The provider has until")
    assert Assessment.objects.get().status == AssessmentStatus.DRAFT_SHARED

    poor = qaf.poor_standard(assessment)
    response = approver.post(
        f"{url}comments/", {"standard": poor.pk, "text": "Two of the staff had refresher training in May."}
    )
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.standard == poor and comment.author == world.users["a_approver"]
    response = officer.post(f"/qaf/comments/{comment.pk}/respond/", {"response": "Noted; still out of date."})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.response == "Noted; still out of date."

    # Finalise: non-compliant; the PDF is made after commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(
            f"{url}finalise/", {"finalised_on": iso(qaf.today), "summary": "Safeguarding training lapsed."}
        )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.outcome) == (AssessmentStatus.FINALISED, "non_compliant")
    page = officer.get(url)
    assert "The assessment is finalised: non-compliant" in flash(page)
    assert "Download the final report (PDF" in page_text(page)
    assert "Schedule a reassessment" in page_text(page)
    report = approver.get(f"{url}report.pdf")
    assert report.status_code == 200 and report["Content-Type"] == "application/pdf"
    assert "attachment" in report["Content-Disposition"]
    assert b"".join(report.streaming_content).startswith(b"%PDF-")
    assert QafStatus.objects.get(provider=world.provider_a, contract__isnull=True).status == (
        "non_compliant_in_window"
    )

    # The officer adds an action.
    response = officer.post(
        f"{url}actions/add/",
        {
            "standard": poor.pk,
            "description": "Train every care worker in safeguarding adults level 2.",
            "owner": "Registered manager",
            "due_on": iso(qaf.today + timedelta(days=14)),
        },
    )
    action = RemedialAction.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{url}actions/#action-{action.pk}"

    # The provider's approver sends evidence and marks the action done.
    plan = approver.get(f"{url}actions/")
    assert "Upload evidence" in page_text(plan) and "Mark action 1 done" in page_text(plan)
    response = approver.post(
        f"{url}files/",
        {
            "action": action.pk,
            "description": "Training certificates",
            "file": SimpleUploadedFile("certificates.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert (
        evidence.action == action
        and evidence.uploaded_by_provider
        and evidence.original_name == "certificates.pdf"
    )
    response = approver.post(f"/qaf/actions/{action.pk}/done/", {"note": "All 23 care workers trained."})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE

    # The officer downloads the evidence and verifies the action.
    download = officer.get(f"/qaf/files/{evidence.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="certificates.pdf"'
    assert b"".join(download.streaming_content) == PDF
    plan = officer.get(f"{url}actions/")
    assert "certificates.pdf" in page_text(plan) and "All 23 care workers trained." in page_text(plan)
    response = officer.post(
        f"/qaf/actions/{action.pk}/review/",
        {f"review-{action.pk}-decision": "verify", f"review-{action.pk}-note": ""},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.VERIFIED

    # And a reassessment is scheduled.
    response = officer.post(f"{url}reassess/", {"scheduled_for": iso(qaf.today + timedelta(days=30))})
    follow_up = Assessment.objects.get(reassessment_of=assessment)
    assert response.status_code == 302 and response["Location"] == f"/qaf/assessments/{follow_up.pk}/"
    assert follow_up.kind == AssessmentKind.REASSESSMENT and follow_up.contract == qaf.deal


def test_finalising_after_the_comment_window_ended_without_comments(qaf, world):
    assessment = qaf.shared(days_ago=40)
    Assessment.objects.filter(pk=assessment.pk).update(comments_due_on=qaf.today - timedelta(days=1))
    assessment.refresh_from_db()
    officer = client_for(world.users["quality_officer"])
    url = f"/qaf/assessments/{assessment.pk}/"
    assert "You can finalise after that day" not in page_text(officer.get(url))
    # The provider can no longer comment.
    page = client_for(world.users["a_approver"]).get(url)
    assert "The time for comments ended on" in page_text(page)
    assert f'action="/qaf/assessments/{assessment.pk}/comments/"' not in page_text(page)
    refused = client_for(world.users["a_approver"]).post(f"{url}comments/", {"text": "Late"})
    assert error_summary(refused) == [
        (
            "comment",
            f"The time for comments ended on {assessment.comments_due_on:%-d %B %Y}. Contact the quality officer if something in the report is wrong.",
        )
    ]
    response = officer.post(f"{url}finalise/", {"finalised_on": iso(qaf.today), "summary": "Findings"})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.outcome == "non_compliant" and assessment.judgement == StandardRating.GOOD
    # The PDF task has not run (no commit in this test): the page says so and the link is 404.
    assert FinalReport.objects.get(assessment=assessment).generated_at is None
    assert "The PDF report is being prepared" in page_text(officer.get(url))
    assert officer.get(f"{url}report.pdf").status_code == 404


def test_past_13_weeks_the_page_asks_for_the_reason_for_the_delay(qaf, world):
    assessment = qaf.shared(days_ago=100)
    Assessment.objects.filter(pk=assessment.pk).update(comments_due_on=qaf.today - timedelta(days=1))
    officer = client_for(world.users["quality_officer"])
    url = f"/qaf/assessments/{assessment.pk}/"
    page = officer.get(url)
    assert "Over 13 weeks" in page_text(page) and "Save the reason" in page_text(page)
    response = officer.post(f"{url}finalise/", {"finalised_on": iso(qaf.today), "summary": "Findings"})
    assert response.status_code == 200
    assert (
        "finalise",
        "This evaluation took more than 13 weeks: record the reason for the delay first.",
    ) in (error_summary(response))
    response = officer.post(f"{url}delay/", {"delay_reason": "other", "delay_note": ""})
    assert response.status_code == 200
    assert error_summary(response) == [("delay-delay_note", "Say what the reason is")]
    response = officer.post(f"{url}delay/", {"delay_reason": "officer_capacity", "delay_note": ""})
    assert response.status_code == 302
    response = officer.post(f"{url}finalise/", {"finalised_on": iso(qaf.today), "summary": "Findings"})
    assert response.status_code == 302
    assert "Reason for the delay: Officer capacity" in page_text(officer.get(url))


def test_form_errors_are_summarised_and_link_to_their_fields(qaf, world):
    assessment = qaf.shared()
    officer = client_for(world.users["quality_officer"])
    url = f"/qaf/assessments/{assessment.pk}/"
    response = officer.post(f"{url}finalise/", {"finalised_on": "", "summary": ""})
    assert response.status_code == 200
    assert error_summary(response) == [
        ("finalise-finalised_on", "Enter the completion date"),
        ("finalise-summary", "Enter a summary of the findings"),
    ]
    assert page_text(response).count('<div class="govuk-error-summary"') == 1
    assert "<title>Error: " in page_text(response)
    data = ratings_data(assessment)
    first = next(key for key in data if key.startswith("rating_"))
    data[first] = "splendid"
    response = officer.post(f"{url}ratings/", data)
    assert response.status_code == 200
    [(anchor, message)] = error_summary(response)
    assert anchor == f"id_{first}_1" and message.startswith("Choose a rating for standard")
    comment = client_for(world.users["a_approver"]).post(f"{url}comments/", {"text": "  "})
    assert error_summary(comment) == [("comment-text", "Enter your comment")]


def test_get_on_a_form_address_returns_to_its_page(qaf, world):
    assessment = qaf.finalised()
    action = qaf.action(assessment)
    officer = client_for(world.users["quality_officer"])
    url = f"/qaf/assessments/{assessment.pk}/"
    for path in ("start/", "ratings/", "delay/", "share/", "finalise/", "reassess/", "files/"):
        response = officer.get(f"{url}{path}")
        assert response.status_code == 302 and response["Location"].startswith(url), path
    assert officer.get(f"{url}actions/add/")["Location"] == f"{url}actions/"
    assert officer.get(f"/qaf/actions/{action.pk}/review/")["Location"].startswith(f"{url}actions/")
    approver = client_for(world.users["a_approver"])
    assert approver.get(f"/qaf/actions/{action.pk}/done/")["Location"].startswith(f"{url}actions/")
    assert approver.get(f"{url}comments/")["Location"].startswith(url)


# --- Who may do what -------------------------------------------------------------------------------


def test_another_provider_gets_404_on_the_assessment_its_actions_and_files(
    qaf, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assessment = qaf.finalised()
    action = qaf.action(assessment)
    evidence = services.evidence_upload(
        acting=qaf.approver, assessment=assessment, action=action, file=ContentFile(PDF, name="x.pdf")
    )
    comment = Comment.objects.get()
    url = f"/qaf/assessments/{assessment.pk}/"
    for role in ("b_admin", "icb_admin"):
        other = client_for(world.users[role])
        for path in (url, f"{url}actions/", f"{url}report.pdf", f"/qaf/files/{evidence.pk}/"):
            assert other.get(path).status_code == 404, (role, path)
        assert other.post(f"/qaf/actions/{action.pk}/done/", {"note": "x"}).status_code == 404
        review = {f"review-{action.pk}-decision": "verify"}
        assert other.post(f"/qaf/actions/{action.pk}/review/", review).status_code == 404
        assert other.post(f"{url}comments/", {"text": "x"}).status_code == 404
        assert other.post(f"/qaf/comments/{comment.pk}/respond/", {"response": "x"}).status_code == 404
        upload = other.post(f"{url}files/", {"action": action.pk, "file": SimpleUploadedFile("y.pdf", PDF)})
        assert upload.status_code == 404
    assert EvidenceFile.objects.count() == 1
    # The provider's own people all see the work once shared.
    for role in ("a_viewer", "a_submitter", "a_approver", "a_admin"):
        mine = client_for(world.users[role])
        assert mine.get(url).status_code == 200
        assert mine.get(f"/qaf/files/{evidence.pk}/").status_code == 200


def test_only_the_providers_approvers_mark_actions_done(qaf, world):
    assessment = qaf.finalised()
    action = qaf.action(assessment)
    for role in ("a_viewer", "a_submitter"):
        user = client_for(world.users[role])
        assert user.post(f"/qaf/actions/{action.pk}/done/", {"note": "Done"}).status_code == 403
        upload = user.post(
            f"/qaf/assessments/{assessment.pk}/files/",
            {"action": action.pk, "file": SimpleUploadedFile("x.pdf", PDF)},
        )
        assert upload.status_code == 403
        page = user.get(f"/qaf/assessments/{assessment.pk}/actions/")
        assert page.status_code == 200 and "Upload evidence" not in page_text(page)
    # Officers review; they do not mark the provider's actions done.
    assert (
        client_for(world.users["quality_officer"])
        .post(f"/qaf/actions/{action.pk}/done/", {"note": "x"})
        .status_code
        == 403
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_commissioners_without_the_quality_capability_get_403(qaf, world):
    scheduled = qaf.scheduled()
    started = qaf.started()
    for role in ("commissioner", "contract_officer", "c_viewer", "c_admin"):
        user = client_for(world.users[role])
        assert user.get(f"/qaf/assessments/{started.pk}/").status_code == 200
        assert (
            user.post(f"/qaf/assessments/{scheduled.pk}/start/", {"started_on": iso(qaf.today)}).status_code
            == 403
        )
        assert user.post(f"/qaf/assessments/{started.pk}/ratings/", ratings_data(started)).status_code == 403
        assert user.post(f"/qaf/assessments/{started.pk}/share/").status_code == 403
        page = user.get(f"/qaf/assessments/{started.pk}/")
        assert "Save the ratings" not in page_text(page)
    scheduled.refresh_from_db()
    assert scheduled.status == AssessmentStatus.SCHEDULED
    assert not started.ratings.exclude(rating=StandardRating.NOT_ASSESSED).exists()
    # Provider people reach a shared draft but cannot rate it.
    shared = services.draft_share(acting=qaf.officer, assessment=_rated(qaf, started))
    approver = client_for(world.users["a_approver"])
    assert approver.post(f"/qaf/assessments/{shared.pk}/ratings/", ratings_data(shared)).status_code == 403
    assert approver.post(f"/qaf/assessments/{shared.pk}/finalise/", {}).status_code == 403


def _rated(qaf, assessment):
    qaf.rate(assessment)
    return assessment


# --- Evidence checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "payload.exe",
            b"MZ\x90\x00",
            "The file must be one of these types: PDF, Word (.docx), Excel (.xlsx), PNG, JPEG, CSV or "
            "text (.txt). Save it as one and upload it again.",
        ),
        (
            "report.pdf",
            b"<html>not a pdf</html>",
            "The file is not a real PDF file: its content is another kind of file. Save it as PDF and "
            "upload it again.",
        ),
    ],
)
def test_a_bad_upload_is_refused_and_nothing_is_stored(qaf, world, name, content, message):
    assessment = qaf.finalised()
    action = qaf.action(assessment)
    approver = client_for(world.users["a_approver"])
    response = approver.post(
        f"/qaf/assessments/{assessment.pk}/files/",
        {"action": action.pk, "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    assert error_summary(response) == [(f"evidence-{action.pk}-file", message)]
    assert "govuk-form-group--error" in page_text(response)
    assert not EvidenceFile.objects.exists()
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_an_officer_attaches_a_file_to_the_assessment(qaf, world):
    assessment = qaf.started()
    officer = client_for(world.users["quality_officer"])
    url = f"/qaf/assessments/{assessment.pk}/"
    response = officer.post(
        f"{url}files/", {"file": SimpleUploadedFile("visit notes.txt", b"Visited 3 homes")}
    )
    assert response.status_code == 302 and response["Location"] == f"{url}#files"
    evidence = EvidenceFile.objects.get()
    assert not evidence.uploaded_by_provider and evidence.action is None
    assert "visit notes.txt" in page_text(officer.get(url))
    empty = officer.post(f"{url}files/", {})
    assert error_summary(empty) == [("evidence-file", "Choose the file to upload")]


def test_the_tracker_downloads_as_csv_with_its_filters(client, world):
    """The list an assurance team keeps, as a spreadsheet: one row per provider, the same filters."""
    import csv
    import io

    make_contract(world.council, world.provider_a, reference="CSV-1")
    make_contract(world.council, world.provider_b, reference="CSV-2")
    world.provider_b.cqc_rating = "requires_improvement"
    world.provider_b.save()
    client.force_login(world.users["c_viewer"])
    unknown = client.get("/qaf/tracker.csv")  # contracts written straight to the database: no status yet
    rows = list(csv.reader(io.StringIO(unknown.content.decode("utf-8-sig"))))
    assert all(row[4] == "Not yet computed" for row in rows[1:])
    assert not QafStatus.objects.exists()  # reading computed nothing
    qaf_status_store_all()  # the nightly run
    response = client.get("/qaf/tracker.csv")
    assert response["Content-Disposition"].startswith('attachment; filename="qaf-tracker-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Provider", "CQC location ID", "CQC rating", "CQC rating date", "QAF status"]
    assert {row[0] for row in rows[1:]} == {"Acme Homecare Ltd", "Brookside Care Services"}
    assert all(row[4] == "Not yet assessed" for row in rows[1:])
    filtered = client.get("/qaf/tracker.csv", {"cqc_rating": "requires_improvement"})
    rows = list(csv.reader(io.StringIO(filtered.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["Brookside Care Services"]
    client.force_login(world.users["a_approver"])
    assert client.get("/qaf/tracker.csv").status_code == 404
