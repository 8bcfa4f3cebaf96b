"""Notice suggestion pages: the lead body's list of candidates for a notice, and what an officer
does with one (open a pre-filled draft, dismiss it with a reason, take a red target to the review),
or with a selection of them (dismiss with one reason, all or none, after a check page).

Who sees what (commissioning.notices.suggestions): the commissioning body that leads the contract,
any role with Capability.VIEW_PORTFOLIO; providers, partner bodies and everyone else get 404.
Inside that reach, only officers with Capability.MANAGE_NOTICES act (403 otherwise). A GET on an
address that only takes a form returns to the list.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.access import Acting, Capability, organisation_required
from accounts.govuk_forms import GovukFormMixin, apply_service_errors
from commissioning.notices import suggestions as services
from commissioning.notices.models import NoticeSuggestion, SuggestionStatus
from outcomes.notice_suggestions.requests import suggestions_refresh_request
from outcomes.notice_suggestions.worklist import (
    PAGE_SIZE,
    DismissSelectedForm,
    WorklistFilterForm,
    worklist_filter,
    worklist_rows,
)


class DismissForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        label="Why is no notice needed?",
        help_text="For example: the provider has agreed a date, or a notice is already open. "
        "Your name and reason are kept with the suggestion.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why no notice is needed"},
    )


class NoteForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea)


def _acting(request: HttpRequest) -> Acting:
    """Commissioning bodies only: the suggestions are never a provider's business (404)."""
    acting = request.acting
    if not acting.is_commissioner:
        raise Http404("Notice suggestions are for commissioning bodies.")
    acting.require(Capability.VIEW_PORTFOLIO)
    return acting


def _officer_suggestion(request: HttpRequest, suggestion_id: int) -> NoticeSuggestion:
    acting = _acting(request)
    suggestion = services.suggestion_get_for(acting, suggestion_id)
    acting.require(Capability.MANAGE_NOTICES)
    return suggestion


def _list_url(suggestion: NoticeSuggestion | None = None) -> str:
    url = reverse("suggestions:list")
    return f"{url}#suggestion-{suggestion.pk}" if suggestion is not None else url


def _refuse(request: HttpRequest, error: ValidationError, suggestion: NoticeSuggestion) -> HttpResponse:
    messages.error(request, " ".join(error.messages))
    return redirect(_list_url(suggestion))


def _worklist(
    request: HttpRequest, acting: Acting, params: QueryDict, selection: DismissSelectedForm | None = None
) -> HttpResponse:
    """The work-list page for the filters and page in ``params`` (with the selection's errors, if any)."""
    scoped = services.suggestions_for(acting)
    data = QueryDict(mutable=True)
    for name, values in params.lists():
        if kept := [value for value in values if value]:
            data.setlist(name, kept)
    data.pop("page", None)
    page_query = data.copy()
    if params.get("page"):
        page_query["page"] = params["page"]
    form = WorklistFilterForm(data or None, suggestions=scoped, counts=services.suggestion_counts(acting))
    filters = form.filters()
    page = Paginator(worklist_filter(scoped, filters), PAGE_SIZE).get_page(params.get("page"))
    rows = worklist_rows(list(page))
    can_act = acting.can(Capability.MANAGE_NOTICES)
    chosen = selection.data.getlist("suggestions") if selection is not None else []
    return render(
        request,
        "outcomes/notice_suggestions/list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "any_open": any(row.suggestion.status == SuggestionStatus.OPEN for row in rows),
            "query": data.urlencode(),
            "page_query": page_query.urlencode(),
            "filtered": bool(set(filters) - {"status"}) or filters["status"] != SuggestionStatus.OPEN,
            "status": filters["status"],
            "can_act": can_act,
            "selection": selection or (DismissSelectedForm() if can_act else None),
            "chosen": {str(pk) for pk in chosen},
        },
        status=400 if selection is not None and selection.errors else 200,
    )


@organisation_required
def suggestion_list(request: HttpRequest) -> HttpResponse:
    """The body's suggestions as a work-list, oldest first, filtered and paged; officers may ask for
    a refresh now (POST)."""
    acting = _acting(request)
    if request.method == "POST":
        suggestions_refresh_request(acting=acting)
        messages.success(
            request,
            "The suggestions are being refreshed in the background. This takes a minute or so: "
            "reload this page to see any new ones.",
        )
        return redirect(_list_url())
    return _worklist(request, acting, request.GET)


@organisation_required
def suggestions_dismiss(request: HttpRequest) -> HttpResponse:
    """Dismiss the selected suggestions with one reason: a check page first, then all or none."""
    acting = _acting(request)
    acting.require(Capability.MANAGE_NOTICES)
    if request.method != "POST":
        return redirect(_list_url())
    form = DismissSelectedForm(request.POST)
    back = QueryDict(request.POST.get("query", ""))
    if not form.is_valid():
        return _worklist(request, acting, back, form)
    ids, reason = form.cleaned_data["suggestions"], form.cleaned_data["reason"]
    if request.POST.get("confirmed") != "yes":
        try:
            chosen = services.suggestions_selected(acting, ids)
        except ValidationError as error:
            apply_service_errors(form, error)
            return _worklist(request, acting, back, form)
        return render(
            request,
            "outcomes/notice_suggestions/dismiss_selected.html",
            {
                "form": form,
                "rows": worklist_rows(chosen),
                "ids": ids,
                "reason": reason,
                "query": back.urlencode(),
            },
        )
    try:
        dismissed = services.suggestions_dismiss(acting=acting, suggestion_ids=ids, reason=reason)
    except ValidationError as error:
        apply_service_errors(form, error)
        return _worklist(request, acting, back, form)
    count = len(dismissed)
    messages.success(
        request,
        f"{count} suggestion{'s are' if count != 1 else ' is'} dismissed with your reason. "
        "None will be raised again for the same occurrence.",
    )
    query = back.urlencode()
    return redirect(f"{_list_url()}?{query}" if query else _list_url())


@organisation_required
def suggestion_draft(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Open the pre-filled draft notice of a suggestion, and go to it."""
    suggestion = _officer_suggestion(request, suggestion_id)
    if request.method != "POST":
        return redirect(_list_url(suggestion))
    was_drafted = suggestion.status == SuggestionStatus.DRAFTED
    try:
        notice = services.suggestion_draft(acting=request.acting, suggestion=suggestion)
    except ValidationError as error:
        return _refuse(request, error, suggestion)
    if was_drafted:
        messages.info(request, "A draft was already opened from this suggestion: here it is.")
    else:
        messages.success(
            request,
            f"A draft {notice.get_kind_display().lower()} is open with the facts, a suggested remedy and "
            "the evidence filled in. Add the contract clause and check every part before you issue it.",
        )
    return redirect("notices:edit", notice_id=notice.pk)


@organisation_required
def suggestion_dismiss(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Confirm dismissing a suggestion, with the reason (required)."""
    suggestion = _officer_suggestion(request, suggestion_id)
    if suggestion.status != SuggestionStatus.OPEN and request.method != "POST":
        messages.info(request, f"This suggestion is {services.STATUS_WORDS[suggestion.status]}.")
        return redirect(_list_url(suggestion))
    form = DismissForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            services.suggestion_dismiss(
                acting=request.acting, suggestion=suggestion, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"The suggestion on {suggestion.contract.reference} is dismissed. It will not be raised "
                "again for the same occurrence.",
            )
            return redirect(_list_url())
    return render(
        request, "outcomes/notice_suggestions/dismiss.html", {"suggestion": suggestion, "form": form}
    )


@organisation_required
def suggestion_note(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    """Take a red target to the quarterly review instead of a notice (with an optional note)."""
    suggestion = _officer_suggestion(request, suggestion_id)
    if request.method != "POST":
        return redirect(_list_url(suggestion))
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.suggestion_note(acting=request.acting, suggestion=suggestion, note=note)
    except ValidationError as error:
        return _refuse(request, error, suggestion)
    messages.success(
        request,
        f"The red target on {suggestion.contract.reference} is noted for the quarterly review. "
        "You can still open a draft notice from it later.",
    )
    return redirect(_list_url())
