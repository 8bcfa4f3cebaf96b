"""Meeting record pages: record the meeting (minutes, decisions, who attended), agree RAG overrides,
add actions; and the action tracker across contracts, its CSV export and action updates.

Access (outcomes.reviews.selectors): anything outside the meeting's reach is 404. Recording,
overrides and adding actions are for the lead body's commissioners and contract officers
(Capability.MANAGE_REVIEWS); an override also needs Capability.OVERRIDE_RESULTS (commissioners).
The lead body's managers update any action; the reviewed provider's submitters and approvers
(Capability.WRITE_COMMENTARY) update the provider's own. Anyone else in reach reads, and gets 403
for a change. A GET on an address that only takes a form goes to the page with the form.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.access import Acting, Capability, organisation_required
from accounts.dates import day_label
from accounts.downloads import csv_response
from accounts.govuk_forms import apply_service_errors
from commissioning.models import Target
from outcomes.measures import MEASURES
from outcomes.results.selectors import RAG_LABELS
from outcomes.reviews import access, record, selectors
from outcomes.reviews.forms_record import (
    ActionAddForm,
    ActionFilterForm,
    ActionUpdateForm,
    MeetingRecordForm,
    OverrideAgreeForm,
)
from outcomes.reviews.models import ReviewAction, ReviewMeeting
from outcomes.reviews.reach import WHOLE

PAGE_SIZE = 50

# --- The record page ------------------------------------------------------------------------------


def _manager_meeting(acting: Acting, meeting_id: int) -> ReviewMeeting:
    """A meeting in reach (else 404) that the acting person runs (else 403)."""
    meeting = selectors.meeting_get_for(acting, meeting_id)
    access.require_manager(acting, meeting)
    return meeting


def _back(request: HttpRequest, meeting: ReviewMeeting, anchor: str) -> str:
    """Back to the record page when the form was posted from it, else to the meeting page."""
    name = "reviews:record" if request.POST.get("next") == "record" else "reviews:detail"
    return f"{reverse(name, kwargs={'meeting_id': meeting.pk})}#{anchor}"


def _record_render(
    request: HttpRequest, meeting: ReviewMeeting, bound: dict | None = None, anchor: str = ""
) -> HttpResponse:
    bound = bound or {}
    panel = record.panel_context(request.acting, meeting, bound)
    record_form = bound.get("minutes")
    if record_form is None and panel["can_record"]:
        attendees = panel["attendees"]
        record_form = MeetingRecordForm(
            initial=MeetingRecordForm.initial_from(meeting, attendees), attendees=attendees
        )
    error_form = next((form for form in bound.values() if form.errors), None)
    return render(
        request,
        "outcomes/reviews/record.html",
        {
            "meeting": meeting,
            "meeting_record": panel,
            "record_form": record_form,
            "error_form": error_form,
            "anchor": anchor,
        },
        status=400 if error_form else 200,
    )


def _close_check(request: HttpRequest, meeting: ReviewMeeting, form: MeetingRecordForm) -> HttpResponse:
    """The check before the first record closes the meeting: the record as typed (carried in the
    form, as nothing is saved until it is confirmed), who will read it and what becomes fixed."""
    if problem := record.record_problem(meeting):
        messages.error(request, problem)
        return redirect(reverse("reviews:detail", kwargs={"meeting_id": meeting.pk}))
    attended = form.attendance()
    attendees = list(meeting.attendees.all())
    return render(
        request,
        "outcomes/reviews/record_check.html",
        {
            "meeting": meeting,
            "form": form,
            "minutes": form.cleaned_data["minutes"],
            "decisions": form.cleaned_data["decisions"],
            "present": [a for a in attendees if attended.get(a.pk)],
            "absent": [a for a in attendees if not attended.get(a.pk)],
            "ticked": [str(pk) for pk, there in attended.items() if there],
            "pack_issued": meeting.packs.filter(issued_at__isnull=False).first(),
            "partial_parties": [
                {
                    "organisation": organisation,
                    "contracts": [c.reference for c in selectors.meeting_contracts(meeting, reach)],
                }
                for organisation, reach in selectors.meeting_partial_parties(meeting)
            ],
        },
    )


@organisation_required
def meeting_record(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Record the minutes, decisions and who attended, or correct them later. The first record
    closes the meeting, so it is checked first: a POST without ``confirm=close`` shows the check
    page (writing nothing), and ``change`` goes back to the form with what was typed."""
    acting = request.acting
    meeting = _manager_meeting(acting, meeting_id)
    if request.method != "POST":
        return _record_render(request, meeting)
    attendees = list(meeting.attendees.all())
    form = MeetingRecordForm(request.POST, attendees=attendees)
    if form.is_valid():
        first = meeting.recorded_at is None
        if first and request.POST.get("confirm") != "close":
            if request.POST.get("change"):
                return _record_render(request, meeting, {"minutes": form}, anchor="minutes")
            return _close_check(request, meeting, form)
        try:
            record.meeting_record(
                acting=acting,
                meeting=meeting,
                minutes=form.cleaned_data["minutes"],
                decisions=form.cleaned_data["decisions"],
                attended=form.attendance(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                "The meeting is recorded. Everyone who can see the meeting can now read the minutes."
                if first
                else "The record is corrected. The change is kept in the audit log.",
            )
            return redirect(f"{reverse('reviews:detail', kwargs={'meeting_id': meeting.pk})}#record")
    return _record_render(request, meeting, {"minutes": form}, anchor="minutes")


@organisation_required
def override_agree(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Override a target's RAG for the meeting's quarter, as the meeting agreed, with the reason."""
    acting = request.acting
    meeting = _manager_meeting(acting, meeting_id)
    acting.require(Capability.OVERRIDE_RESULTS)
    if request.method != "POST":
        return redirect(f"{reverse('reviews:record', kwargs={'meeting_id': meeting.pk})}#override")
    form = OverrideAgreeForm(request.POST, targets=selectors.override_choices(meeting))
    if form.is_valid():
        target = Target.objects.get(pk=form.cleaned_data["target"])
        try:
            override = record.override_agree(
                acting=acting,
                meeting=meeting,
                target=target,
                rag=form.cleaned_data["rag"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"The scorecard now shows {selectors.target_label(target)} for {meeting.quarter} as "
                f"{RAG_LABELS[override.rag]} (computed {RAG_LABELS.get(override.computed_rag, '')}).",
            )
            return redirect(_back(request, meeting, "overrides"))
    return _record_render(request, meeting, {"override": form}, anchor="override")


@organisation_required
def action_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Add an action the meeting agreed."""
    acting = request.acting
    meeting = _manager_meeting(acting, meeting_id)
    if request.method != "POST":
        return redirect(f"{reverse('reviews:record', kwargs={'meeting_id': meeting.pk})}#add-action")
    contracts = selectors.meeting_contracts(meeting, WHOLE)
    form = ActionAddForm(request.POST, contracts=contracts, targets=selectors.target_choices(meeting))
    if form.is_valid():
        data = form.cleaned_data
        by_pk = {c.pk: c for c in contracts}
        try:
            action = record.action_add(
                acting=acting,
                meeting=meeting,
                description=data["description"],
                owner_kind=data["owner_kind"],
                owner_organisation=data["owner_organisation"],
                owner_name=data["owner_name"],
                due_on=data["due_on"],
                contract=by_pk.get(data.get("contract")),
                target=Target.objects.filter(pk=data["target"]).first() if data["target"] else None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Action added for {action.owner_organisation} ({action.owner_name}), due "
                f"{day_label(action.due_on)}. It is carried into every later pack until it is done.",
            )
            return redirect(_back(request, meeting, "actions"))
    return _record_render(request, meeting, {"action": form}, anchor="add-action")


# --- The action tracker ---------------------------------------------------------------------------


def _scope(acting: Acting) -> QuerySet[ReviewAction]:
    if acting.is_commissioner:
        acting.require(Capability.VIEW_PORTFOLIO)
    return selectors.actions_for(acting)


def _filter_form(request: HttpRequest, acting: Acting, actions: QuerySet[ReviewAction]) -> ActionFilterForm:
    data = request.GET.copy()
    data.pop("page", None)
    return ActionFilterForm(
        data or None,
        providers=selectors.action_providers(actions),
        quarters=selectors.action_quarters(actions),
        for_provider=acting.is_provider,
    )


def _tracker_render(request: HttpRequest, bound: tuple[int, django_forms.Form] | None = None) -> HttpResponse:
    acting = request.acting
    actions = _scope(acting)
    form = _filter_form(request, acting, actions)
    filters = form.filters()
    today = timezone.localdate()
    page = Paginator(selectors.actions_filter(actions, filters, today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for action in selectors.with_measure_names(list(page.object_list)):
        update_form = None
        if bound and bound[0] == action.pk:
            update_form = bound[1]
        elif access.can_update_action(acting, action):
            update_form = ActionUpdateForm(
                action=action, for_provider=not access.is_manager(acting, action.meeting)
            )
        rows.append(
            {"action": action, "overdue": action.is_open and action.due_on < today, "form": update_form}
        )
    query = request.GET.copy()
    query.pop("page", None)
    error_form = bound[1] if bound else None
    return render(
        request,
        "outcomes/reviews/actions.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "here": request.GET.urlencode(),
            "filtered": bool(form.is_bound and filters),
            "has_any": actions.exists(),
            "is_provider": acting.is_provider,
            "error_form": error_form,
            "anchor": f"action-{bound[0]}" if bound else "",
            "today": today,
        },
        status=400 if error_form else 200,
    )


@organisation_required
def action_tracker(request: HttpRequest) -> HttpResponse:
    """Every action of the meetings in reach, across contracts; with no filters, the open ones."""
    return _tracker_render(request)


CSV_COLUMNS = (
    "Action",
    "What will be done",
    "Owned by",
    "Owner's organisation",
    "Owner",
    "Due",
    "Overdue",
    "Status",
    "Latest note",
    "Updated",
    "Updated by",
    "Provider",
    "Commissioner",
    "Raised at review of",
    "Meeting date",
    "Contract reference",
    "Measure",
)


def _csv_rows(actions: QuerySet[ReviewAction], today: date) -> Iterator[list[object]]:
    for action in actions:
        meeting = action.meeting
        yield [
            action.pk,
            action.description,
            action.get_owner_kind_display(),
            action.owner_organisation,
            action.owner_name,
            action.due_on.isoformat(),
            "Yes" if action.is_open and action.due_on < today else "No",
            action.get_status_display(),
            action.status_note,
            timezone.localdate(action.updated_at).isoformat(),
            action.updated_by_label or action.created_by_label,
            meeting.provider.name,
            meeting.commissioner.name,
            meeting.quarter,
            meeting.held_on.isoformat(),
            action.contract.reference if action.contract else "",
            MEASURES[action.target.measure].name if action.target else "",
        ]


@organisation_required
def action_tracker_csv(request: HttpRequest) -> HttpResponse:
    """The tracker as CSV with the same filters; bad filters go back to the page, which explains them."""
    acting = request.acting
    actions = _scope(acting)
    form = _filter_form(request, acting, actions)
    filters = form.filters()
    if form.errors:
        return redirect(f"{reverse('reviews:actions')}?{request.GET.urlencode()}")
    today = timezone.localdate()
    rows = _csv_rows(selectors.actions_filter(actions, filters, today), today)
    return csv_response(CSV_COLUMNS, rows, f"review-actions-{today:%Y-%m-%d}.csv")


@organisation_required
def action_update(request: HttpRequest, action_id: int) -> HttpResponse:
    """A new status for an action (or a note on progress), back to the tracker with its filters."""
    acting = request.acting
    action = selectors.action_get_for(acting, action_id)
    access.require_action_updater(acting, action)
    back = f"{reverse('reviews:actions')}{'?' + request.GET.urlencode() if request.GET else ''}"
    if request.method != "POST":
        return redirect(back)
    form = ActionUpdateForm(
        request.POST, action=action, for_provider=not access.is_manager(acting, action.meeting)
    )
    if form.is_valid():
        try:
            updated = record.action_update(
                acting=acting,
                action=action,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"Action {updated.pk} is now {updated.get_status_display().lower()}: “{updated.description[:60]}”.",
            )
            return redirect(f"{back}#action-{updated.pk}")
    return _tracker_render(request, (action.pk, form))
