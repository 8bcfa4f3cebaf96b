"""QAF pages, continued: evidence files, the final report's PDF and the remedial action plan.

Access as in commissioning.qaf.views: the selectors give 404 outside your reach; quality officers
add and review actions; the provider's approvers send evidence and mark actions done.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import Capability, organisation_required
from accounts.audit import audit_view
from accounts.downloads import stored_file_response
from accounts.govuk_forms import apply_service_errors, int_or_none
from accounts.upload_limits import upload_limit
from commissioning.evidence import EVIDENCE_UPLOAD
from commissioning.qaf import selectors, services
from commissioning.qaf.access import (
    is_assessed_provider,
    is_assessment_owner,
    require_assessed_provider,
    require_assessment_owner,
)
from commissioning.qaf.forms import (
    VERIFY,
    ActionDoneForm,
    ActionForm,
    ActionReviewForm,
    EvidenceForm,
)
from commissioning.qaf.models import (
    ActionStatus,
    Assessment,
    RemedialAction,
    StandardRating,
)
from commissioning.qaf.views import (
    actions_url,
    assessment_render,
    assessment_url,
    officer_assessment,
)
from outcomes.periods import day_label

# --- Files and the report -------------------------------------------------------------------------


@upload_limit(EVIDENCE_UPLOAD)
@organisation_required
def evidence_upload(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """An officer's file on the assessment, or the provider's evidence for one of its actions."""
    acting = request.acting
    assessment = selectors.assessment_get_for(acting, assessment_id)
    if acting.is_provider:
        require_assessed_provider(acting, assessment)
    else:
        require_assessment_owner(acting, assessment)
    action_id = int_or_none(request.POST.get("action") or request.GET.get("action"))
    action = selectors.action_get_for(acting, action_id) if action_id else None
    if action is not None and action.assessment_id != assessment.pk:
        raise Http404("That action belongs to another assessment.")
    if request.method != "POST":
        if action is not None:
            return redirect(actions_url(assessment.pk, f"action-{action.pk}"))
        return redirect(assessment_url(assessment, "files"))
    form = EvidenceForm(request.POST, request.FILES, action_id=action.pk if action else None)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            evidence = services.evidence_upload(
                acting=acting,
                assessment=assessment,
                file=upload,
                description=form.cleaned_data["description"],
                action=action,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{evidence.original_name} is uploaded.")
            if action is not None:
                return redirect(actions_url(assessment.pk, f"action-{action.pk}"))
            return redirect(assessment_url(assessment, "files"))
    if action is not None:
        return _actions_render(
            request, assessment, {("upload", action.pk): form}, anchor=f"action-{action.pk}"
        )
    return assessment_render(request, assessment, evidence=form, anchor="files")


@organisation_required
def file_download(request: HttpRequest, file_id: int) -> FileResponse:
    """An evidence file (training records, care plans: person-level data); each download is audited
    as the assessing body's record."""
    evidence = selectors.evidence_get_for(request.acting, file_id)
    response = stored_file_response(evidence.file, evidence.original_name, evidence.content_type)
    audit_view(request, evidence, "qaf_evidence", organisation=evidence.assessment.commissioner)
    return response


@organisation_required
def report_download(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """The final report's PDF; 404 until the task has generated it. POST: the officer's "Try again"
    on a report whose PDF could not be made."""
    assessment = selectors.assessment_get_for(request.acting, assessment_id)
    if request.method == "POST":
        try:
            services.report_make_again(acting=request.acting, assessment=assessment)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Making the PDF report again. Refresh this page in a minute.")
        return redirect("qaf:assessment", assessment.pk)
    report = selectors.assessment_report(assessment)
    if report is None or report.generated_at is None or not report.file:
        raise Http404("The report is being prepared.")
    filename = f"QAF report {assessment.provider.name} {assessment.finalised_on:%Y-%m-%d}.pdf"
    return stored_file_response(report.file, filename, "application/pdf")


# --- The action plan -------------------------------------------------------------------------------


@dataclass
class ActionRow:
    action: RemedialAction
    done_form: ActionDoneForm | None
    upload_form: EvidenceForm | None
    review_form: ActionReviewForm | None


def _actions_render(
    request: HttpRequest, assessment: Assessment, bound: dict | None = None, anchor: str = ""
) -> HttpResponse:
    acting = request.acting
    bound = bound or {}
    officer, responder = is_assessment_owner(acting, assessment), is_assessed_provider(acting, assessment)
    rows = []
    for action in selectors.action_plan_for(assessment):
        status = action.status
        done = bound.get(("done", action.pk)) or (
            ActionDoneForm(action_id=action.pk)
            if responder and status in (ActionStatus.OPEN, ActionStatus.REOPENED)
            else None
        )
        upload = bound.get(("upload", action.pk)) or (
            EvidenceForm(action_id=action.pk) if responder and status != ActionStatus.VERIFIED else None
        )
        review = bound.get(("review", action.pk)) or (
            ActionReviewForm(action_id=action.pk) if officer and status == ActionStatus.DONE else None
        )
        rows.append(ActionRow(action, done, upload, review))
    add_form = bound.get("add")
    if add_form is None and officer and assessment.is_finalised:
        add_form = _action_form(assessment)
    error_form = next((form for form in bound.values() if form.errors), None)
    return render(
        request,
        "commissioning/qaf/actions.html",
        {
            "assessment": assessment,
            "rows": rows,
            "add_form": add_form,
            "is_officer": officer,
            "is_responder": responder,
            "error_form": error_form,
            "error_anchor": anchor,
            "today": timezone.localdate(),
        },
    )


def _action_form(assessment: Assessment, data=None) -> ActionForm:
    """The add-action form; standards rated below Good say so in the list."""
    weak = {
        row.standard_id: row.get_rating_display().lower()
        for section in selectors.assessment_sections(assessment)
        for row in section.ratings
        if row.rating in (StandardRating.POOR, StandardRating.REQUIRES_IMPROVEMENT)
    }
    return ActionForm(data, standards=selectors.assessment_standards(assessment), ratings=weak)


@organisation_required
def action_plan(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = selectors.assessment_get_for(request.acting, assessment_id)
    return _actions_render(request, assessment)


@organisation_required
def action_add(request: HttpRequest, assessment_id: int) -> HttpResponse:
    acting = request.acting
    assessment = officer_assessment(acting, assessment_id)
    if request.method != "POST":
        return redirect(actions_url(assessment.pk))
    form = _action_form(assessment, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            action = services.action_add(
                acting=acting,
                assessment=assessment,
                standard_id=data["standard"].pk,
                description=data["description"],
                owner=data["owner"],
                due_on=data["due_on"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, f"Action added for standard {action.standard.code}, due {day_label(action.due_on)}."
            )
            return redirect(actions_url(assessment.pk, f"action-{action.pk}"))
    return _actions_render(request, assessment, {"add": form}, anchor="add-action")


@organisation_required
def action_done(request: HttpRequest, action_id: int) -> HttpResponse:
    """The provider's approver marks an action done, with a note (or evidence already attached)."""
    acting = request.acting
    action = selectors.action_get_for(acting, action_id)
    require_assessed_provider(acting, action.assessment)
    if request.method != "POST":
        return redirect(actions_url(action.assessment_id, f"action-{action.pk}"))
    form = ActionDoneForm(request.POST, action_id=action.pk)
    if form.is_valid():
        try:
            services.action_mark_done(acting=acting, action=action, note=form.cleaned_data["note"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Action {action.standard.code} is marked done. The quality officer will verify it.",
            )
            return redirect(actions_url(action.assessment_id, f"action-{action.pk}"))
    return _actions_render(
        request, action.assessment, {("done", action.pk): form}, anchor=f"action-{action.pk}"
    )


@organisation_required
def action_review(request: HttpRequest, action_id: int) -> HttpResponse:
    """The officer verifies a done action, or reopens it saying what is still needed."""
    acting = request.acting
    action = selectors.action_get_for(acting, action_id)
    acting.require(Capability.ASSESS_QUALITY)
    if request.method != "POST":
        return redirect(actions_url(action.assessment_id, f"action-{action.pk}"))
    form = ActionReviewForm(request.POST, action_id=action.pk)
    if form.is_valid():
        verified = form.cleaned_data["decision"] == VERIFY
        try:
            services.action_review(
                acting=acting, action=action, verified=verified, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Action {action.standard.code} is "
                + ("verified." if verified else "reopened: the provider can see your note."),
            )
            return redirect(actions_url(action.assessment_id, f"action-{action.pk}"))
    return _actions_render(
        request, action.assessment, {("review", action.pk): form}, anchor=f"action-{action.pk}"
    )
