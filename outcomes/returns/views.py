"""Monthly return pages: the overview, a month, an attempt and its report, sign-off, nil returns,
the outstanding list for commissioners, the blank templates, and the data standard (a page and a PDF).

Views check access, then call one selector (reads) or service (writes). A contract's returns are
seen by its prime provider and its commissioners (selectors: 404 for anyone else); only the prime
provider's submitters and approvers may change anything (commissioning.access.require_prime_provider: 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from accounts.access import Acting, Capability, capability_required, organisation_required
from accounts.audit import audit_view
from accounts.downloads import (
    CSV_CONTENT_TYPE,
    PDF_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    download_response,
    stored_file_response,
)
from accounts.govuk_forms import apply_service_errors
from accounts.upload_limits import upload_limit
from commissioning.access import is_prime_provider, require_prime_provider
from commissioning.models import Contract
from outcomes.mds.columns import EPISODE_COLUMN_SPECS
from outcomes.models import AttemptStatus, ReturnAttempt
from outcomes.periods import add_months, due_at, parse_month
from outcomes.returns import data_standard, editor, selectors, services
from outcomes.returns import files as templates_files
from outcomes.returns.forms import (
    EditorSurveyForm,
    EpisodeRowFormSet,
    NilReturnForm,
    OutstandingMonthForm,
    ReturnUploadForm,
    SignOffForm,
)

IN_PROGRESS = (AttemptStatus.RECEIVED, AttemptStatus.VALIDATING)
# A return is due by this day of the following month unless the contract says otherwise.
STANDARD_DUE_DAY = Contract._meta.get_field("return_due_day").default


def _month_in_term(contract: Contract, period: str) -> date:
    """The month a URL names, if it is a real month within the contract's term that has begun; else 404."""
    try:
        month = parse_month(period)
    except ValueError:
        raise Http404("No such month") from None
    if month < contract.start_date.replace(day=1) or month > contract.end_date:
        raise Http404("The month is outside the contract's term")
    if month > timezone.localdate().replace(day=1):
        raise Http404("The month has not begun")
    return month


# --- Overview ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusRow:
    """A month's status with its label, for a table row."""

    status: selectors.MonthStatus
    label: str


def _labelled(statuses: list[selectors.MonthStatus]) -> list[StatusRow]:
    return [StatusRow(status, selectors.STATE_LABELS.get(status.state, status.state)) for status in statuses]


@dataclass(frozen=True)
class ContractMonths:
    contract: Contract
    rows: list[StatusRow]


@organisation_required
def return_list(request: HttpRequest) -> HttpResponse:
    acting = request.acting
    months = selectors.recent_months()
    visible = selectors.return_contracts_for(acting)
    due_pairs: set[tuple[int, date]] = set()
    contracts: dict[int, Contract] = {}
    for month in months:
        for contract in selectors.contracts_due_for(month, visible):
            due_pairs.add((contract.pk, month))
            contracts.setdefault(contract.pk, contract)
    ordered = sorted(contracts.values(), key=lambda c: (c.provider.name, c.reference))
    by_contract: dict[int, list] = {c.pk: [] for c in ordered}
    for status in selectors.month_statuses(ordered, months):
        if (status.contract.pk, status.month) in due_pairs:
            by_contract[status.contract.pk].append(status)
    return render(
        request,
        "outcomes/returns/list.html",
        {
            "contracts": [ContractMonths(c, _labelled(by_contract[c.pk])) for c in ordered],
            "is_commissioner": acting.is_commissioner,
            "can_see_outstanding": acting.is_commissioner and acting.can(Capability.VIEW_PORTFOLIO),
        },
    )


# --- A month's return -----------------------------------------------------------------------


@upload_limit(services.RETURN_UPLOAD)
@organisation_required
def return_month(request: HttpRequest, contract_id: int, period: str) -> HttpResponse:
    """The month's versions and attempts; the prime provider uploads a file here (POST)."""
    acting = request.acting
    contract = selectors.return_contract_get_for(acting, contract_id)
    month = _month_in_term(contract, period)
    can_submit = is_prime_provider(acting, contract, Capability.SUBMIT_RETURNS)
    form = None
    if request.method == "POST":
        require_prime_provider(acting, contract, Capability.SUBMIT_RETURNS)
        form = ReturnUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload, survey = form.cleaned_data["file"], form.cleaned_data.get("survey_file")
            attempt = services.return_submit(
                acting=acting,
                contract=contract,
                period=f"{month:%Y-%m}",
                file_bytes=upload.read(),
                filename=upload.name,
                survey_bytes=survey.read() if survey else None,
                survey_filename=survey.name if survey else "",
                survey_entered=form.cleaned_data["survey_entered"] or None,
            )
            return redirect("returns:attempt", attempt_id=attempt.pk)
    elif can_submit:
        form = ReturnUploadForm()
    monthly_return = selectors.monthly_return_find(contract, f"{month:%Y-%m}")
    attempts = selectors.attempts_for_month(monthly_return)
    current = next((a for a in attempts if a.is_current), None)
    return render(
        request,
        "outcomes/returns/month.html",
        {
            "contract": contract,
            "month": month,
            "period": f"{month:%Y-%m}",
            "due": monthly_return.due_at if monthly_return else due_at(month, contract.return_due_day),
            "attempts": attempts,
            "current": current,
            "first": next((a for a in attempts if a.version == 1), None),
            # Files waiting for sign-off: only those newer than the accepted version can be signed off.
            "waiting": [
                a
                for a in attempts
                if a.status == AttemptStatus.VALID
                and (current is None or a.submitted_at > current.submitted_at)
            ],
            "form": form,
            "can_submit": can_submit,
            "last_month": selectors.last_month_source(contract, month) if can_submit else None,
            "example_month": parse_month(templates_files.EXAMPLE_PERIOD),
        },
    )


@organisation_required
def return_nil(request: HttpRequest, contract_id: int, period: str) -> HttpResponse:
    """Confirm, then declare that the provider had no episodes in the month."""
    acting = request.acting
    contract = selectors.return_contract_get_for(acting, contract_id)
    month = _month_in_term(contract, period)
    require_prime_provider(acting, contract, Capability.SUBMIT_RETURNS)
    accepted = ReturnAttempt.objects.filter(
        monthly_return__contract=contract, monthly_return__month=month, is_current=True, episode_count__gt=0
    ).first()
    form = NilReturnForm(request.POST if request.method == "POST" else None, replaces=accepted)
    if request.method == "POST" and form.is_valid():
        attempt = services.return_declare_nil(
            acting=acting,
            contract=contract,
            period=f"{month:%Y-%m}",
            survey_entered=form.cleaned_data["survey_entered"] or None,
        )
        return redirect("returns:attempt", attempt_id=attempt.pk)
    return render(
        request,
        "outcomes/returns/nil.html",
        {
            "contract": contract,
            "month": month,
            "period": f"{month:%Y-%m}",
            "form": form,
            "replaces": accepted,
        },
    )


# --- An attempt: status, report, sign-off ----------------------------------------------------


def _report_read(request: HttpRequest, attempt: ReturnAttempt, shown: str) -> None:
    """A return's report quotes its rows (person-level data): showing a finished one is audited, as
    the provider's record."""
    if attempt.status not in IN_PROGRESS:
        contract = attempt.monthly_return.contract
        audit_view(
            request, attempt, "return_report", organisation=contract.provider, details={"shown": shown}
        )


def _attempt_context(
    acting: Acting, attempt: ReturnAttempt, sign_off_form: SignOffForm | None = None
) -> dict:
    contract = attempt.monthly_return.contract
    can_sign_off = is_prime_provider(acting, contract, Capability.SIGN_OFF_RETURNS)
    newer_accepted = None
    if attempt.status == AttemptStatus.VALID:
        current = attempt.monthly_return.attempts.filter(is_current=True).first()
        if current is not None and (current.submitted_at, current.pk) > (attempt.submitted_at, attempt.pk):
            newer_accepted = current  # signing this older file off is refused (acceptance.attempt_accept)
    if (
        sign_off_form is None
        and can_sign_off
        and attempt.status == AttemptStatus.VALID
        and not newer_accepted
    ):
        sign_off_form = SignOffForm(warnings=attempt.warnings)
    return {
        "attempt": attempt,
        "contract": contract,
        "month": attempt.monthly_return.month,
        "period": attempt.monthly_return.period,
        "in_progress": attempt.status in IN_PROGRESS,
        "checks": services.attempt_checks_state(attempt),
        "can_submit": is_prime_provider(acting, contract, Capability.SUBMIT_RETURNS),
        "can_sign_off": can_sign_off,
        "sign_off_form": sign_off_form,
        "newer_accepted": newer_accepted,
    }


@organisation_required
def attempt_detail(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get_for(request.acting, attempt_id)
    _report_read(request, attempt, "page")
    return render(request, "outcomes/returns/attempt.html", _attempt_context(request.acting, attempt))


@organisation_required
def attempt_status(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The status panel alone, polled by the attempt page while the checks run (it shows the report
    once they finish)."""
    attempt = selectors.attempt_get_for(request.acting, attempt_id)
    _report_read(request, attempt, "page")
    return render(request, "outcomes/returns/_attempt_status.html", _attempt_context(request.acting, attempt))


@organisation_required
@require_POST
def attempt_check_again(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """ "Try again" on an upload whose checks could not be done: they are queued afresh."""
    attempt = selectors.attempt_get_for(request.acting, attempt_id)
    try:
        services.attempt_check_again(acting=request.acting, attempt=attempt)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Checking the file again. This page updates itself when the checks finish.")
    return redirect("returns:attempt", attempt.pk)


@organisation_required
def attempt_report_csv(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = selectors.attempt_get_for(request.acting, attempt_id)
    _report_read(request, attempt, "csv")
    reference = slugify(attempt.monthly_return.contract.reference) or "contract"
    return download_response(
        templates_files.report_csv(attempt),
        f"return-report-{reference}-{attempt.monthly_return.period}-{attempt.pk}.csv",
        CSV_CONTENT_TYPE,
    )


@organisation_required
def return_edit(request: HttpRequest, contract_id: int, period: str) -> HttpResponse:
    """The month's episodes as a table form in the browser, saved as a return through the same
    checks and report as a file. Starts from a file being corrected (?from=attempt), else from last
    month's accepted return; "Add another episode" adds a blank row, without JavaScript."""
    acting = request.acting
    contract = selectors.return_contract_get_for(acting, contract_id)
    month = _month_in_term(contract, period)
    require_prime_provider(acting, contract, Capability.SUBMIT_RETURNS)
    if request.method == "POST":
        data = request.POST.copy()
        if "add" in data:  # one more blank row; everything typed so far is kept
            total = int(data.get("form-TOTAL_FORMS", "0") or 0)
            data["form-TOTAL_FORMS"] = str(total + 1)
        formset = EpisodeRowFormSet(data)
        survey = EditorSurveyForm(data)
        if "save" in data and formset.is_valid() and survey.is_valid():
            rows = [
                form.cleaned_data
                for form in formset.forms
                if not form.cleaned_data.get("remove") and not form.is_blank()
            ]
            if not rows:
                formset_error = "Add at least one episode, or declare a nil return if you had none this month"
                return _edit_page(request, contract, month, formset, survey, "", formset_error)
            attempt = services.return_submit(
                acting=acting,
                contract=contract,
                period=f"{month:%Y-%m}",
                file_bytes=editor.rows_csv([{k: str(v or "") for k, v in row.items()} for row in rows]),
                filename=editor.EDITOR_FILENAME,
                survey_entered=survey.cleaned_data["survey_entered"] or None,
            )
            return redirect("returns:attempt", attempt_id=attempt.pk)
        return _edit_page(request, contract, month, formset, survey, data.get("source", ""))
    source_attempt = None
    if request.GET.get("from", "").isdigit():
        source_attempt = selectors.attempt_get_for(acting, int(request.GET["from"]))
        if source_attempt.monthly_return_id != getattr(
            selectors.monthly_return_find(contract, f"{month:%Y-%m}"), "pk", None
        ):
            raise Http404("That file is not one of this month's.")
    rows, source = editor.rows_to_start_from(contract, month, source_attempt)
    if rows:
        _episodes_read(request, contract, month, f"the editor, from {source}")
    formset = EpisodeRowFormSet(initial=rows or [{}])
    return _edit_page(request, contract, month, formset, EditorSurveyForm(), source)


def _episodes_read(request: HttpRequest, contract: Contract, month: date, shown: str) -> None:
    """Episodes of a submitted or accepted return, handed back to the provider to work on, are
    person-level data: audited as the provider's record."""
    details = {"month": f"{month:%Y-%m}", "shown": shown}
    audit_view(request, contract, "return_episodes", organisation=contract.provider, details=details)


def _edit_page(request, contract, month, formset, survey, source: str, problem: str = "") -> HttpResponse:
    return render(
        request,
        "outcomes/returns/edit.html",
        {
            "contract": contract,
            "month": month,
            "period": f"{month:%Y-%m}",
            "formset": formset,
            "survey_form": survey,
            "columns": EPISODE_COLUMN_SPECS,
            "source": source,
            "problem": problem,
        },
    )


@organisation_required
def attempt_file(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Exactly the file the attempt submitted, for whoever may see the attempt (404 otherwise)."""
    attempt = selectors.attempt_get_for(request.acting, attempt_id)
    if not attempt.file:
        raise Http404("A nil return has no file.")
    name = attempt.filename or f"return-{attempt.monthly_return.period}.csv"
    content_type = XLSX_CONTENT_TYPE if name.lower().endswith(".xlsx") else CSV_CONTENT_TYPE
    response = stored_file_response(attempt.file, name, content_type)
    audit_view(request, attempt, "return_file", organisation=attempt.monthly_return.contract.provider)
    return response


@organisation_required
def last_month_xlsx(request: HttpRequest, contract_id: int, period: str) -> HttpResponse:
    """Last month's accepted return as a workbook to update into this month's (open episodes and those
    ended in the last 120 days), for the people who submit the contract's returns."""
    acting = request.acting
    contract = selectors.return_contract_get_for(acting, contract_id)
    month = _month_in_term(contract, period)
    require_prime_provider(acting, contract, Capability.SUBMIT_RETURNS)
    content = templates_files.last_month_xlsx(contract, month)
    if content is None:
        raise Http404(f"{add_months(month, -1):%B %Y} has no accepted return to start from.")
    _episodes_read(request, contract, month, "last month's return as a workbook")
    reference = slugify(contract.reference) or "contract"
    return download_response(
        content, f"return-{reference}-{month:%Y-%m}-from-last-month.xlsx", XLSX_CONTENT_TYPE
    )


@organisation_required
def attempt_sign_off(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """An approver signs the return off: it becomes the month's newest accepted version."""
    acting = request.acting
    attempt = selectors.attempt_get_for(acting, attempt_id)
    contract = attempt.monthly_return.contract
    require_prime_provider(acting, contract, Capability.SIGN_OFF_RETURNS)
    if request.method != "POST":
        return redirect("returns:attempt", attempt_id=attempt.pk)
    form = SignOffForm(request.POST, warnings=attempt.warnings)
    form.is_valid()
    try:
        accepted = services.return_sign_off(
            acting=acting,
            attempt=attempt,
            declaration=form.cleaned_data.get("declaration", False),
            acknowledged_warnings=form.acknowledgements(),
        )
    except ValidationError as error:
        attempt = selectors.attempt_get_for(acting, attempt_id)
        if attempt.status != AttemptStatus.VALID:
            # Signed off meanwhile (or no longer signable): say so above the attempt's page.
            messages.error(request, " ".join(error.messages))
            return redirect("returns:attempt", attempt_id=attempt.pk)
        apply_service_errors(form, error)
        return render(
            request, "outcomes/returns/attempt.html", _attempt_context(acting, attempt, sign_off_form=form)
        )
    month = accepted.monthly_return.month
    messages.success(request, f"Version {accepted.version} of the {month:%B %Y} return is accepted.")
    return redirect("returns:month", contract_id=contract.pk, period=accepted.monthly_return.period)


# --- Outstanding returns (commissioners) -----------------------------------------------------


def _outstanding_choice(request: HttpRequest) -> tuple[date, OutstandingMonthForm]:
    months = selectors.recent_months(count=24)
    default = selectors.outstanding_month_default()
    form = OutstandingMonthForm(
        request.GET if "month" in request.GET else None, months=months, initial={"month": f"{default:%Y-%m}"}
    )
    if form.is_bound and form.is_valid():
        return parse_month(form.cleaned_data["month"]), form
    return default, form


@capability_required(Capability.VIEW_PORTFOLIO)
def outstanding(request: HttpRequest) -> HttpResponse:
    month, form = _outstanding_choice(request)
    return render(
        request,
        "outcomes/returns/outstanding.html",
        {
            "form": form,
            "month": month,
            "period": f"{month:%Y-%m}",
            "rows": _labelled(selectors.outstanding_returns(request.acting, month)),
        },
    )


@capability_required(Capability.VIEW_PORTFOLIO)
def outstanding_csv(request: HttpRequest) -> HttpResponse:
    month, form = _outstanding_choice(request)
    if form.is_bound and not form.is_valid():
        raise Http404("No such month")
    statuses = selectors.outstanding_returns(request.acting, month)
    return download_response(
        templates_files.outstanding_csv(statuses, selectors.STATE_LABELS),
        f"outstanding-returns-{month:%Y-%m}.csv",
        CSV_CONTENT_TYPE,
    )


# --- Templates, the worked example and the guide ----------------------------------------------


@organisation_required
def template_csv(request: HttpRequest) -> HttpResponse:
    return download_response(templates_files.template_csv(), "monthly-return-template.csv", CSV_CONTENT_TYPE)


@organisation_required
def template_xlsx(request: HttpRequest) -> HttpResponse:
    return download_response(
        templates_files.template_xlsx(), "monthly-return-template.xlsx", XLSX_CONTENT_TYPE
    )


@organisation_required
def example_csv(request: HttpRequest) -> HttpResponse:
    return download_response(
        templates_files.example_csv(),
        f"monthly-return-example-{templates_files.EXAMPLE_PERIOD}.csv",
        CSV_CONTENT_TYPE,
    )


@organisation_required
def guide(request: HttpRequest) -> HttpResponse:
    """The data standard for providers: every column, the file, the checks and every version's changes."""
    standard = data_standard.data_standard()
    return render(
        request,
        "outcomes/returns/guide.html",
        {"standard": standard, "example_month": standard.example_month},
    )


@organisation_required
def guide_pdf(request: HttpRequest) -> HttpResponse:
    """The data standard as a PDF to print: the guide page's content, named with its version."""
    return download_response(
        data_standard.data_standard_pdf(), data_standard.data_standard_pdf_filename(), PDF_CONTENT_TYPE
    )
