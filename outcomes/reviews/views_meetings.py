"""Review meeting pages: the list, planning and changing a meeting, cancelling it, its attendees, and
the commentary written before it. (The record and actions: views_record; packs: views_packs.)

Access (outcomes.reviews.selectors): a meeting outside your reach is 404 (another provider, another
council); inside it, the lead body's commissioners and contract officers plan and change meetings
and write review notes, the reviewed provider's submitters and approvers write the DATA / REVIEW /
ACTION commentary, and anyone else reads (a change they try is 403). Planning a new meeting is for
commissioning bodies only: providers get 404. A GET on an address that only takes a form returns to
the meeting page.
"""

from __future__ import annotations

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.access import Acting, Capability, organisation_required
from accounts.govuk_forms import apply_service_errors
from accounts.models import User
from commissioning.qaf.portfolio import quarter_label
from commissioning.selectors import contract_visible_to
from outcomes.measures import MEASURES, target_measure_name
from outcomes.periods import latest_ended_quarter, parse_period
from outcomes.reviews import meetings as services
from outcomes.reviews.access import is_commentator, is_manager, require_commentator, require_manager
from outcomes.reviews.commentary import (
    CommentaryInput,
    commentary_progress,
    commentary_save_all,
    commentary_sections,
)
from outcomes.reviews.forms_meetings import (
    AttendeeExternalForm,
    AttendeeUserForm,
    CancelForm,
    CommentaryForm,
    MeetingFilterForm,
    MeetingForm,
    commentary_field_name,
)
from outcomes.reviews.models import (
    PROVIDER_PARTS,
    CommentaryPart,
    MeetingStatus,
    ReviewAttendee,
    ReviewMeeting,
)
from outcomes.reviews.packs import packs_context
from outcomes.reviews.record import record_context
from outcomes.reviews.selectors import (
    attendee_candidates,
    commentary_current,
    meeting_contracts,
    meeting_get_for,
    meeting_partial_parties,
    meeting_quarter_targets,
    meeting_reach,
    meetings_for,
)

PAGE_SIZE = 50
CHANGEABLE = services.CHANGEABLE
CLOSED_WORDS = {MeetingStatus.RECORDED: "has been held and recorded", MeetingStatus.CANCELLED: "is cancelled"}


def _meeting_url(meeting: ReviewMeeting | int, anchor: str = "") -> str:
    url = reverse("reviews:detail", kwargs={"meeting_id": getattr(meeting, "pk", meeting)})
    return f"{url}#{anchor}" if anchor else url


def _posted(request: HttpRequest):
    """The posted data on a POST (even an empty one, so it shows what is missing), else None."""
    return request.POST if request.method == "POST" else None


def _manager_meeting(acting: Acting, meeting_id: int) -> ReviewMeeting:
    """A meeting in reach (else 404) that the acting person runs (else 403)."""
    meeting = meeting_get_for(acting, meeting_id)
    require_manager(acting, meeting)
    return meeting


def _writable_parts(acting: Acting, meeting: ReviewMeeting) -> list[str]:
    if is_commentator(acting, meeting):
        return list(PROVIDER_PARTS)
    if is_manager(acting, meeting):
        return [CommentaryPart.COMMISSIONER]
    return []


# --- The list ------------------------------------------------------------------------------------


def _ordered(meetings: QuerySet[ReviewMeeting], filters: dict, today) -> QuerySet[ReviewMeeting]:
    """Upcoming meetings first (soonest first), then past ones (latest first); meetings on the same day
    by start time (those with none after)."""
    if provider := filters.get("provider"):
        meetings = meetings.filter(provider=provider)
    if quarter := filters.get("quarter"):
        meetings = meetings.filter(quarter=quarter)
    if status := filters.get("status"):
        meetings = meetings.filter(status=status)
    past = Case(When(held_on__lt=today, then=Value(1)), default=Value(0), output_field=IntegerField())
    return meetings.annotate(past=past).order_by(
        "past",
        Case(When(past=0, then=F("held_on"))).asc(),
        Case(When(past=0, then=F("starts_at"))).asc(nulls_last=True),
        F("held_on").desc(),
        F("starts_at").desc(nulls_last=True),
        "-id",
    )


@organisation_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    """The meetings the organisation may see; for providers, whether their commentary is still due."""
    acting = request.acting
    if acting.is_commissioner:
        acting.require(Capability.VIEW_PORTFOLIO)
    meetings = meetings_for(acting)
    data = request.GET.copy()
    data.pop("page", None)
    form = MeetingFilterForm(data or None, meetings=meetings, for_provider=acting.is_provider)
    filters = form.filters()
    today = timezone.localdate()
    page = Paginator(_ordered(meetings, filters, today), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for meeting in page:
        reach = meeting_reach(acting, meeting)
        rows.append(
            {
                "meeting": meeting,
                "progress": commentary_progress(meeting, reach) if meeting.commentary_open else None,
                "contracts": meeting_contracts(meeting, reach),
            }
        )
    return render(
        request,
        "outcomes/reviews/meeting_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "query": data.urlencode(),
            "filtered": bool(filters),
            "has_any": meetings.exists(),
            "is_provider": acting.is_provider,
            "can_plan": acting.is_commissioner and acting.can(Capability.MANAGE_REVIEWS),
            "today": today,
        },
    )


# --- Planning and changing ---------------------------------------------------------------------


@organisation_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Plan a meeting; ``?contract=<id>`` ticks that contract."""
    acting = request.acting
    if acting.is_provider:
        raise Http404("Review meetings are planned by commissioning bodies.")
    acting.require(Capability.MANAGE_REVIEWS)
    led = contract_visible_to(acting).filter(lead_commissioner_id=acting.organisation.pk)
    usual = latest_ended_quarter(timezone.localdate())
    initial: dict = {"quarter": usual.identifier}
    chosen = request.GET.get("contract", "")
    if chosen.isdigit() and led.filter(pk=int(chosen)).exists():
        initial["contracts"] = [chosen]
    form = MeetingForm(_posted(request), initial=initial, contracts=led)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(acting=acting, **form.meeting_input())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"The review of {meeting.quarter} with {meeting.provider.name} is planned. Add the attendees; "
                "the provider can now write its commentary.",
            )
            return redirect(_meeting_url(meeting))
    return render(
        request,
        "outcomes/reviews/meeting_form.html",
        {"form": form, "meeting": None},
        status=400 if form.errors else 200,
    )


@organisation_required
def meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    acting = request.acting
    meeting = _manager_meeting(acting, meeting_id)
    if meeting.status not in CHANGEABLE:
        messages.info(request, f"This meeting {CLOSED_WORDS[meeting.status]}, so it cannot be changed.")
        return redirect(_meeting_url(meeting))
    led = contract_visible_to(acting).filter(lead_commissioner_id=acting.organisation.pk)
    form = MeetingForm(
        _posted(request), initial=MeetingForm.initial_from(meeting), contracts=led, meeting=meeting
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(acting=acting, meeting=meeting, **form.meeting_input())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The meeting is saved.")
            return redirect(_meeting_url(meeting))
    return render(
        request,
        "outcomes/reviews/meeting_form.html",
        {"form": form, "meeting": meeting},
        status=400 if form.errors else 200,
    )


@organisation_required
def meeting_cancel(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """GET: the reason form. POST: cancel the meeting."""
    acting = request.acting
    meeting = _manager_meeting(acting, meeting_id)
    if meeting.status not in CHANGEABLE:
        messages.info(request, f"This meeting {CLOSED_WORDS[meeting.status]}, so it cannot be cancelled.")
        return redirect(_meeting_url(meeting))
    form = CancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_cancel(acting=acting, meeting=meeting, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The meeting is cancelled. Everyone who can see it reads the reason.")
            return redirect(_meeting_url(meeting))
    return render(
        request,
        "outcomes/reviews/meeting_cancel.html",
        {"form": form, "meeting": meeting},
        status=400 if form.errors else 200,
    )


# --- The meeting page and its attendees ---------------------------------------------------------


def _detail_render(request: HttpRequest, meeting: ReviewMeeting, **bound) -> HttpResponse:
    acting = request.acting
    manager = is_manager(acting, meeting)
    progress = commentary_progress(meeting, meeting.reach)
    blanks: dict = {}
    for target, part in progress["blanks"]:
        blanks.setdefault(target, []).append(CommentaryPart(part).label.split(":")[0])
    context = {
        "meeting": meeting,
        "quarter_label": quarter_label(parse_period(meeting.quarter)),
        "contracts": meeting_contracts(meeting, meeting.reach),
        "partial_parties": [
            {
                "organisation": organisation,
                "contracts": [c.reference for c in meeting_contracts(meeting, reach)],
            }
            for organisation, reach in (meeting_partial_parties(meeting) if manager else [])
        ],
        "attendees": list(meeting.attendees.select_related("user")),
        "is_manager": manager,
        "is_commentator": is_commentator(acting, meeting),
        "can_change": manager and meeting.status in CHANGEABLE,
        "progress": progress,
        "blanks": [
            {"target": t, "name": target_measure_name(MEASURES[t.measure], t.params), "parts": parts}
            for t, parts in blanks.items()
        ],
        "cancellation": services.meeting_cancellation(meeting),
        "anchor": bound.pop("anchor", ""),
    }
    if context["can_change"]:
        context["user_form"] = bound.get("user_form") or AttendeeUserForm(
            candidates=attendee_candidates(meeting)
        )
        context["external_form"] = bound.get("external_form") or AttendeeExternalForm()
    context["error_form"] = next((f for f in bound.values() if isinstance(f, django_forms.Form)), None)
    context.update(record_context(request, meeting))
    context.update(packs_context(request, meeting))
    return render(
        request,
        "outcomes/reviews/meeting_detail.html",
        context,
        status=400 if context["error_form"] is not None else 200,
    )


@organisation_required
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _detail_render(request, meeting_get_for(request.acting, meeting_id))


@organisation_required
def attendee_add(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Add a person with an account (``kind=user``) or an external partner (``kind=external``)."""
    acting = request.acting
    meeting = _manager_meeting(acting, meeting_id)
    if request.method != "POST":
        return redirect(_meeting_url(meeting, "attendees"))
    if request.POST.get("kind") == "user":
        key, form = "user", AttendeeUserForm(request.POST, candidates=attendee_candidates(meeting))
    else:
        key, form = "external", AttendeeExternalForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        details = (
            {"user": User.objects.get(pk=data["user"]), "role": data["role"]}
            if key == "user"
            else {k: data[k] for k in ("name", "organisation", "role", "email")}
        )
        try:
            attendee = services.attendee_add(acting=acting, meeting=meeting, **details)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"{attendee.name} ({attendee.organisation}) is on the attendee list.")
            return redirect(_meeting_url(meeting, "attendees"))
    return _detail_render(request, meeting, anchor="attendees", **{f"{key}_form": form})


@organisation_required
def attendee_remove(request: HttpRequest, attendee_id: int) -> HttpResponse:
    acting = request.acting
    attendee = get_object_or_404(ReviewAttendee.objects.only("pk", "meeting_id"), pk=attendee_id)
    meeting = _manager_meeting(acting, attendee.meeting_id)
    if request.method != "POST":
        return redirect(_meeting_url(meeting, "attendees"))
    attendee = get_object_or_404(meeting.attendees, pk=attendee_id)
    try:
        services.attendee_remove(acting=acting, attendee=attendee)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"{attendee.name} ({attendee.organisation}) is no longer on the attendee list."
        )
    return redirect(_meeting_url(meeting, "attendees"))


# --- Commentary ----------------------------------------------------------------------------------


def _with_fields(sections: list[dict], form: CommentaryForm, parts: list[str]) -> list[dict]:
    """The sections with the text box (and the version seen) of each part the person may write."""
    for section in sections:
        for item in section["items"]:
            for entry in item["parts"]:
                name = commentary_field_name(item["target"], entry["part"])
                writable = entry["part"] in parts
                entry["field"] = form[name] if writable else None
                entry["seen"] = form[f"{name}-seen"] if writable else None
    return sections


@organisation_required
def commentary(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """GET: every target of the quarter with its figure and commentary. POST: save every part the
    person may write on the page at once, all or nothing."""
    acting = request.acting
    meeting = meeting_get_for(acting, meeting_id)
    parts = _writable_parts(acting, meeting)
    url = reverse("reviews:commentary", kwargs={"meeting_id": meeting.pk})
    if request.method == "POST":
        if not parts and acting.is_provider:
            require_commentator(acting, meeting)
        if not parts:
            require_manager(acting, meeting)
        if not meeting.commentary_open:
            closed = CLOSED_WORDS.get(meeting.status)
            messages.info(
                request,
                f"This meeting {closed}, so its commentary is fixed."
                if closed
                else "The pack for this meeting has been issued, so its commentary is fixed as sent.",
            )
            return redirect(url)
    targets = meeting_quarter_targets(meeting, meeting.reach)
    writable = parts if meeting.commentary_open else []
    current = commentary_current(meeting)
    form = CommentaryForm(
        request.POST if request.method == "POST" else None, targets=targets, parts=writable, current=current
    )
    if request.method == "POST" and form.is_valid():
        entries = [CommentaryInput(*values) for values in form.submitted()]
        try:
            saved = commentary_save_all(acting=acting, meeting=meeting, entries=entries)
        except ValidationError as error:
            form = _form_after_errors(request, meeting, targets, writable, error)
        else:
            messages.success(
                request,
                f"{saved} part{'s' if saved != 1 else ''} of the commentary saved."
                if saved
                else "Nothing changed: the commentary is as it was.",
            )
            return redirect(url)
    return render(
        request,
        "outcomes/reviews/commentary.html",
        {
            "meeting": meeting,
            "quarter_label": quarter_label(parse_period(meeting.quarter)),
            "form": form,
            "sections": _with_fields(commentary_sections(meeting, targets, meeting.reach), form, writable),
            "writable": writable,
            "is_provider_writer": bool(writable) and acting.is_provider,
            "total_targets": len(targets),
        },
        status=400 if form.errors else 200,
    )


def _form_after_errors(request, meeting, targets, parts, error: ValidationError) -> CommentaryForm:
    """The page again with the writer's text: a part someone else changed meanwhile now starts from
    that newer version, so saving again after comparing is accepted."""
    current = commentary_current(meeting)
    data = request.POST.copy()
    keys = error.error_dict.keys() if hasattr(error, "error_dict") else []
    renames = {}
    for key in keys:
        target_id, _, part = key.partition(":")
        if target_id.isdigit() and part:
            name = f"c{target_id}-{part}"
            renames[key] = name
            row = current.get((int(target_id), part))
            data[f"{name}-seen"] = str(row.version if row else 0)
    form = CommentaryForm(data, targets=targets, parts=parts, current=current)
    form.is_valid()
    apply_service_errors(form, error, renames)
    return form
