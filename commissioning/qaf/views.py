"""QAF pages: the tracker, a provider's QAF page, an assessment through its lifecycle and the
provider's comments (evidence, the report and the action plan: commissioning.qaf.views_actions).

Who sees what (commissioning.qaf.selectors): a commissioning body sees its own assessments and the
providers it leads contracts with; the assessed provider sees its assessments once the draft report
is shared. Anything else is 404. Inside that reach, quality officers (Capability.ASSESS_QUALITY)
change assessments and the provider's approvers (Capability.RESPOND_TO_NOTICES) comment on drafts,
send evidence and mark actions done; anyone else gets 403. A GET on an address that only takes a
form returns to the page the form is on.
"""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.access import Acting, Capability, organisation_required
from accounts.downloads import csv_response
from accounts.govuk_forms import apply_service_errors
from accounts.jobs import job_for, job_state
from commissioning.qaf import cqc, selectors, services
from commissioning.qaf.access import (
    is_assessed_provider,
    is_assessment_owner,
    is_quality_officer,
    require_assessed_provider,
    require_assessment_owner,
)
from commissioning.qaf.forms import (
    CommentForm,
    CommentResponseForm,
    DelayForm,
    EvidenceForm,
    FinaliseForm,
    RatingsForm,
    ReassessForm,
    ScheduleForm,
    ShareForm,
    StartForm,
    TrackerFilterForm,
)
from commissioning.qaf.models import (
    EVALUATION_TARGET_DAYS,
    Assessment,
    AssessmentStatus,
    Outcome,
)
from commissioning.qaf.tracker import TRACKER_COLUMNS, tracker_filters, tracker_rows
from outcomes.periods import day_label

EDITABLE = (AssessmentStatus.STARTED, AssessmentStatus.DRAFT_SHARED)


# --- Access ----------------------------------------------------------------------------------------


def officer_assessment(acting: Acting, assessment_id: int) -> Assessment:
    """An assessment in reach (else 404) that the acting person may change (else 403)."""
    assessment = selectors.assessment_get_for(acting, assessment_id)
    require_assessment_owner(acting, assessment)
    return assessment


def assessment_url(assessment: Assessment, anchor: str = "") -> str:
    url = reverse("qaf:assessment", kwargs={"assessment_id": assessment.pk})
    return f"{url}#{anchor}" if anchor else url


def actions_url(assessment_id: int, anchor: str = "") -> str:
    url = reverse("qaf:actions", kwargs={"assessment_id": assessment_id})
    return f"{url}#{anchor}" if anchor else url


# --- Tracker and provider page -------------------------------------------------------------------


@organisation_required
def tracker(request: HttpRequest) -> HttpResponse:
    """Commissioners: every provider they lead a contract with, by QAF status and CQC rating.
    Providers: their own assessments (shared or finalised) and action plans."""
    acting = request.acting
    if acting.is_provider:
        return render(
            request,
            "commissioning/qaf/tracker_provider.html",
            {"assessments": selectors.assessment_list_for(acting)},
        )
    acting.require(Capability.VIEW_PORTFOLIO)
    form = TrackerFilterForm(request.GET or None)
    status = cqc_rating = ""
    if form.is_bound and form.is_valid():
        status, cqc_rating = form.cleaned_data["status"], form.cleaned_data["cqc_rating"]
    rows = selectors.tracker_rows_for(acting, status=status, cqc_rating=cqc_rating)
    return render(
        request,
        "commissioning/qaf/tracker.html",
        {
            "form": form,
            "rows": rows,
            "filtered": bool(status or cqc_rating),
            "priority_count": sum(1 for row in rows if row.cqc_priority),
            "highlighted_count": sum(1 for row in rows if row.highlighted),
            "today": timezone.localdate(),
        },
    )


@organisation_required
def tracker_csv(request: HttpRequest) -> HttpResponse:
    """The tracker as CSV, with the same filters (commissioning bodies only)."""
    acting = request.acting
    if not acting.is_commissioner:
        raise Http404("The QAF tracker is for commissioning bodies.")
    acting.require(Capability.VIEW_PORTFOLIO)
    status, cqc_rating = tracker_filters(request.GET)
    rows = tracker_rows(acting, status=status, cqc_rating=cqc_rating)
    return csv_response(TRACKER_COLUMNS, rows, f"qaf-tracker-{timezone.localdate():%Y-%m-%d}.csv")


def _provider_render(request: HttpRequest, provider, form: ScheduleForm | None = None) -> HttpResponse:
    acting = request.acting
    page = selectors.provider_qaf_for(acting, provider)
    can_schedule = is_quality_officer(acting)
    if can_schedule and form is None:
        form = ScheduleForm(contracts=selectors.contracts_with(acting, provider))
    return render(
        request,
        "commissioning/qaf/provider.html",
        {
            "page": page,
            "provider": provider,
            "can_schedule": can_schedule,
            "form": form,
            "cqc_records": cqc.cqc_history(provider),
            "can_record_cqc": any(acting.can(capability) for capability in cqc.CQC_CAPABILITIES),
        },
    )


@organisation_required
def provider_page(request: HttpRequest, provider_id: int) -> HttpResponse:
    """A provider's QAF status (overall and per contract, with reasons), CQC rating and assessments."""
    provider = selectors.qaf_provider_get_for(request.acting, provider_id)
    return _provider_render(request, provider)


@organisation_required
def schedule(request: HttpRequest, provider_id: int) -> HttpResponse:
    acting = request.acting
    provider = selectors.qaf_provider_get_for(acting, provider_id)
    acting.require(Capability.ASSESS_QUALITY)
    if request.method != "POST":
        return redirect("qaf:provider", provider_id=provider.pk)
    form = ScheduleForm(request.POST, contracts=selectors.contracts_with(acting, provider))
    if form.is_valid():
        try:
            assessment = services.assessment_schedule(
                acting=acting,
                provider=provider,
                scheduled_for=form.cleaned_data["scheduled_for"],
                contract=form.cleaned_data["contract"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"An assessment of {provider.name} is scheduled for {day_label(assessment.scheduled_for)}.",
            )
            return redirect("qaf:assessment", assessment_id=assessment.pk)
    return _provider_render(request, provider, form)


# --- An assessment ------------------------------------------------------------------------------


def _assessment_context(request: HttpRequest, assessment: Assessment, bound: dict) -> dict:
    """Everything the assessment page shows; ``bound`` holds a posted form (by key) with its errors."""
    acting = request.acting
    today = timezone.localdate()
    officer, responder = is_assessment_owner(acting, assessment), is_assessed_provider(acting, assessment)
    status = assessment.status
    days_taken = assessment.days_taken(today)
    over_target = days_taken is not None and days_taken > EVALUATION_TARGET_DAYS
    window_open = status == AssessmentStatus.DRAFT_SHARED and today <= assessment.comments_due_on
    comments = selectors.assessment_comments(assessment)

    def form(key: str, wanted: bool, build):
        if key in bound:
            return bound[key]
        return build() if wanted else None

    sections = selectors.assessment_sections(assessment)
    delay_wanted = (
        officer
        and status in EDITABLE
        and (over_target or bool(assessment.delay_reason) or bound.get("show_delay", False))
    )
    report = selectors.assessment_report(assessment) if assessment.is_finalised else None
    context = {
        "assessment": assessment,
        "sections": sections,
        "today": today,
        "days_taken": days_taken,
        "target_days": EVALUATION_TARGET_DAYS,
        "over_target": over_target,
        "window_open": window_open,
        "waiting_for_comments": window_open and not comments,
        "comments": [
            {
                "comment": comment,
                "form": form(
                    f"response-{comment.pk}",
                    officer,
                    lambda c=comment: CommentResponseForm(comment_id=c.pk, initial={"response": c.response}),
                ),
            }
            for comment in comments
        ],
        "files": selectors.assessment_files(assessment),
        "report": report,
        "report_making": job_state(job_for(services.report_subject(report.pk)))
        if report and report.generated_at is None and not report.error
        else None,
        "reassessments": list(selectors.reassessments_of(acting, assessment)),
        "is_officer": officer,
        "is_responder": responder,
        "start_form": form(
            "start",
            officer and status == AssessmentStatus.SCHEDULED,
            lambda: StartForm(initial={"started_on": today}),
        ),
        "ratings_form": form(
            "ratings", officer and status in EDITABLE, lambda: RatingsForm(sections=sections)
        ),
        "share_form": form("share", officer and status == AssessmentStatus.STARTED, ShareForm),
        "delay_form": form(
            "delay",
            delay_wanted,
            lambda: DelayForm(
                initial={"delay_reason": assessment.delay_reason, "delay_note": assessment.delay_note}
            ),
        ),
        "finalise_form": form(
            "finalise",
            officer and status == AssessmentStatus.DRAFT_SHARED,
            lambda: FinaliseForm(initial={"finalised_on": today}),
        ),
        "reassess_form": form(
            "reassess",
            officer and assessment.is_finalised and assessment.outcome == Outcome.NON_COMPLIANT,
            ReassessForm,
        ),
        "evidence_form": form("evidence", officer, EvidenceForm),
        "comment_form": form(
            "comment",
            responder and window_open,
            lambda: CommentForm(standards=selectors.assessment_standards(assessment)),
        ),
    }
    error_form = next(
        (value for value in bound.values() if isinstance(value, django_forms.Form) and value.errors), None
    )
    context["error_form"] = error_form
    context["error_anchor"] = bound.get("anchor", "")
    return context


def assessment_render(request: HttpRequest, assessment: Assessment, **bound) -> HttpResponse:
    return render(
        request, "commissioning/qaf/assessment.html", _assessment_context(request, assessment, bound)
    )


@organisation_required
def assessment_page(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get_for(request.acting, assessment_id)
    return assessment_render(request, assessment)


def _assessment_post(
    request: HttpRequest,
    assessment: Assessment,
    form: django_forms.Form,
    key: str,
    call,
    success,
    anchor: str = "",
) -> HttpResponse:
    """Validate the form, call the service; on success a flash message and back to the page,
    else the page again with the form's errors (``anchor``: where its general errors point)."""
    extra = {}
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
            if hasattr(error, "error_dict") and "delay_reason" in error.error_dict:
                extra["show_delay"] = True
        else:
            messages.success(request, success(result))
            return redirect(result if isinstance(result, str) else assessment_url(assessment))
    return assessment_render(request, assessment, anchor=anchor or key, **{key: form}, **extra)


@organisation_required
def start(request: HttpRequest, assessment_id: int) -> HttpResponse:
    acting = request.acting
    assessment = officer_assessment(acting, assessment_id)
    if request.method != "POST":
        return redirect(assessment_url(assessment))

    def call(data):
        return services.assessment_start(acting=acting, assessment=assessment, started_on=data["started_on"])

    return _assessment_post(
        request,
        assessment,
        StartForm(request.POST),
        "start",
        call,
        lambda a: (
            f"The assessment started on {day_label(a.started_on)}. Record the ratings as the evidence comes in."
        ),
    )


@organisation_required
def ratings(request: HttpRequest, assessment_id: int) -> HttpResponse:
    acting = request.acting
    assessment = officer_assessment(acting, assessment_id)
    if request.method != "POST":
        return redirect(assessment_url(assessment, "ratings"))
    form = RatingsForm(request.POST, sections=selectors.assessment_sections(assessment))

    def call(data):
        return services.ratings_record(acting=acting, assessment=assessment, ratings=form.ratings())

    def success(changed: int) -> str:
        if not changed:
            return "No rating changed."
        return f"Ratings saved: {changed} standard{'s' if changed != 1 else ''} changed."

    return _assessment_post(request, assessment, form, "ratings", call, success)


@organisation_required
def delay(request: HttpRequest, assessment_id: int) -> HttpResponse:
    acting = request.acting
    assessment = officer_assessment(acting, assessment_id)
    if request.method != "POST":
        return redirect(assessment_url(assessment))

    def call(data):
        return services.delay_record(
            acting=acting, assessment=assessment, reason=data["delay_reason"], note=data["delay_note"]
        )

    return _assessment_post(
        request,
        assessment,
        DelayForm(request.POST),
        "delay",
        call,
        lambda a: f"Reason for the delay recorded: {a.get_delay_reason_display()}.",
    )


@organisation_required
def share(request: HttpRequest, assessment_id: int) -> HttpResponse:
    acting = request.acting
    assessment = officer_assessment(acting, assessment_id)
    if request.method != "POST":
        return redirect(assessment_url(assessment))

    def call(data):
        return services.draft_share(acting=acting, assessment=assessment)

    return _assessment_post(
        request,
        assessment,
        ShareForm(request.POST),
        "share",
        call,
        lambda a: (
            f"The draft report is shared with {a.provider.name}. They can comment on its factual "
            f"accuracy until {day_label(a.comments_due_on)}."
        ),
    )


@organisation_required
def finalise(request: HttpRequest, assessment_id: int) -> HttpResponse:
    acting = request.acting
    assessment = officer_assessment(acting, assessment_id)
    if request.method != "POST":
        return redirect(assessment_url(assessment))

    def call(data):
        return services.assessment_finalise(
            acting=acting,
            assessment=assessment,
            finalised_on=data["finalised_on"],
            summary=data["summary"],
        )

    def success(a: Assessment) -> str:
        text = (
            f"The assessment is finalised: {a.get_outcome_display().lower()} "
            f"(overall {a.get_judgement_display().lower()}, score {a.score}). The PDF report is being prepared."
        )
        if a.outcome == Outcome.NON_COMPLIANT:
            text += " Add the remedial actions to the action plan."
        return text

    return _assessment_post(request, assessment, FinaliseForm(request.POST), "finalise", call, success)


@organisation_required
def reassess(request: HttpRequest, assessment_id: int) -> HttpResponse:
    acting = request.acting
    assessment = officer_assessment(acting, assessment_id)
    if request.method != "POST":
        return redirect(assessment_url(assessment))

    def call(data) -> str:
        follow_up = services.assessment_schedule(
            acting=acting,
            provider=assessment.provider,
            scheduled_for=data["scheduled_for"],
            reassessment_of=assessment,
        )
        return assessment_url(follow_up)

    return _assessment_post(
        request,
        assessment,
        ReassessForm(request.POST),
        "reassess",
        call,
        lambda url: f"A reassessment of {assessment.provider.name} is scheduled.",
    )


@organisation_required
def comment_add(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The provider's factual-accuracy comment on the draft report."""
    acting = request.acting
    assessment = selectors.assessment_get_for(acting, assessment_id)
    require_assessed_provider(acting, assessment)
    if request.method != "POST":
        return redirect(assessment_url(assessment, "comments"))

    def call(data):
        return services.comment_add(
            acting=acting,
            assessment=assessment,
            text=data["text"],
            standard_id=data["standard"].pk if data["standard"] else None,
        )

    return _assessment_post(
        request,
        assessment,
        CommentForm(request.POST, standards=selectors.assessment_standards(assessment)),
        "comment",
        call,
        lambda c: "Your comment is sent to the quality officer.",
    )


@organisation_required
def comment_respond(request: HttpRequest, comment_id: int) -> HttpResponse:
    acting = request.acting
    comment = selectors.comment_get_for(acting, comment_id)
    acting.require(Capability.ASSESS_QUALITY)
    assessment = comment.assessment
    if request.method != "POST":
        return redirect(assessment_url(assessment, f"comment-{comment.pk}"))
    key = f"response-{comment.pk}"

    def call(data):
        return services.comment_respond(acting=acting, comment=comment, response=data["response"])

    return _assessment_post(
        request,
        assessment,
        CommentResponseForm(request.POST, comment_id=comment.pk),
        key,
        call,
        lambda c: f"Your response to {c.author_label}'s comment is saved.",
        anchor=f"comment-{comment.pk}",
    )
