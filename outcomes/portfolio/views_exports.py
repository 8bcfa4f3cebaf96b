"""Portfolio exports (CSV and XLSX) and the scrutiny report for councillors.

Who gets what:
- results (CSV, XLSX): the latest results of the contracts whose results the organisation may see
  (the prime provider; the lead and partner commissioners). Anyone else sees no rows.
- the notice register (XLSX): as the register's CSV: commissioners the notices of their contracts,
  providers the notices issued to them (never drafts). Same filters, same columns.
- the QAF tracker (XLSX): as the tracker's CSV: commissioning bodies only (404 for providers).
- the scrutiny report (its page: a GET form and the report as the PDF prints it; and the PDF):
  commissioning bodies only (404 for providers).
Every cell of every export is formula-safe.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.access import Acting, Capability, organisation_required
from accounts.downloads import PDF_CONTENT_TYPE, csv_response, download_response, xlsx_response
from accounts.govuk_forms import GovukFormMixin
from commissioning.notices.register import REGISTER_CSV_COLUMNS
from commissioning.pdf import pdf_render
from commissioning.qaf.portfolio import quarter_label
from commissioning.qaf.tracker import TRACKER_COLUMNS, tracker_filters, tracker_rows
from outcomes.periods import parse_period
from outcomes.portfolio import exports
from outcomes.portfolio.scrutiny import scrutiny_quarters, scrutiny_report


def _commissioner(acting: Acting, what: str) -> None:
    """Commissioning bodies only: 404 for providers, 403 for a role without the portfolio."""
    if not acting.is_commissioner:
        raise Http404(f"{what} is for commissioning bodies.")
    acting.require(Capability.VIEW_PORTFOLIO)


def _bad_filters(form: forms.Form) -> HttpResponse:
    problems = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
    return HttpResponse(
        f"The export could not be made because a filter in its address is not right ({problems}). "
        "Correct the filter, or leave it out, and download again.",
        status=400,
        content_type="text/plain; charset=utf-8",
    )


# --- Results -------------------------------------------------------------------------------------


def _results_export(request: HttpRequest, fmt: str) -> HttpResponse:
    acting = request.acting
    if acting.is_commissioner:
        acting.require(Capability.VIEW_PORTFOLIO)
    form = exports.result_filter_form(acting, request.GET)
    if form.is_bound and not form.is_valid():
        return _bad_filters(form)
    rows = exports.result_rows(acting, form.filters())
    name = f"results-{timezone.localdate():%Y-%m-%d}"
    if fmt == "csv":
        return csv_response(exports.RESULT_COLUMNS, rows, f"{name}.csv")
    return xlsx_response(exports.RESULT_COLUMNS, rows, f"{name}.xlsx", title="Results")


@organisation_required
def results_csv(request: HttpRequest) -> HttpResponse:
    """Latest results the organisation may see, filtered by contract, measure, period kind, period and RAG shown."""
    return _results_export(request, "csv")


@organisation_required
def results_xlsx(request: HttpRequest) -> HttpResponse:
    """The results export as an Excel workbook (same filters and columns as the CSV)."""
    return _results_export(request, "xlsx")


# --- The notice register and the QAF tracker ------------------------------------------------------


@organisation_required
def notices_xlsx(request: HttpRequest) -> HttpResponse:
    """The notice register as a workbook, with the register's filters and its CSV's columns; bad filters
    go back to the register, which explains them."""
    acting = request.acting
    if acting.is_commissioner:
        acting.require(Capability.VIEW_PORTFOLIO)
    data = request.GET.copy()
    data.pop("page", None)
    form, notices = exports.notice_register_form(acting, data)
    filters = form.filters()
    if form.errors:
        return redirect(f"{reverse('notices:register')}?{request.GET.urlencode()}")
    today = timezone.localdate()
    rows = exports.notice_rows(notices, filters, today)
    return xlsx_response(list(REGISTER_CSV_COLUMNS), rows, f"notices-{today:%Y-%m-%d}.xlsx", title="Notices")


@organisation_required
def qaf_tracker_xlsx(request: HttpRequest) -> HttpResponse:
    """The QAF tracker as a workbook, with the tracker's filters (commissioning bodies only)."""
    acting = request.acting
    _commissioner(acting, "The QAF tracker")
    status, cqc_rating = tracker_filters(request.GET)
    rows = tracker_rows(acting, status=status, cqc_rating=cqc_rating)
    filename = f"qaf-tracker-{timezone.localdate():%Y-%m-%d}.xlsx"
    return xlsx_response(TRACKER_COLUMNS, rows, filename, title="QAF tracker")


# --- The scrutiny report -------------------------------------------------------------------------


class ScrutinyForm(GovukFormMixin, forms.Form):
    quarter = forms.ChoiceField(
        label="Quarter",
        error_messages={
            "required": "Choose the quarter the report covers",
            "invalid_choice": "Choose a quarter from the list: quarters that have ended and have results",
        },
    )
    name_providers = forms.BooleanField(
        label="Name providers in the report",
        required=False,
        help_text="Adds a table by provider. Leave this unticked unless your organisation has agreed to name them.",
    )
    title = forms.CharField(
        label="Title (optional)",
        required=False,
        max_length=120,
        help_text="Printed at the top. Without one: “Homecare outcomes” and the quarter.",
        error_messages={"max_length": "Make the title 120 characters or fewer"},
    )

    def __init__(self, *args, quarters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [(q.identifier, quarter_label(q)) for q in quarters]


def _scrutiny_form(request: HttpRequest, acting: Acting) -> ScrutinyForm:
    quarters = scrutiny_quarters(acting)
    return ScrutinyForm(
        request.GET if "quarter" in request.GET else None,
        quarters=quarters,
        initial={"quarter": quarters[0].identifier},
    )


def _scrutiny_query(data: dict) -> str:
    """The PDF's address query, built from the checked choices alone (never a token, nothing else)."""
    query = {"quarter": data["quarter"]}
    if data["name_providers"]:
        query["name_providers"] = "on"
    if data["title"].strip():
        query["title"] = data["title"].strip()
    return urlencode(query)


@organisation_required
def scrutiny(request: HttpRequest) -> HttpResponse:
    """The scrutiny report's choices (a GET form: quarter, naming providers, off by default, and a
    title), the report as the PDF prints it, and the link to the PDF with the same choices."""
    acting = request.acting
    _commissioner(acting, "The scrutiny report")
    form = _scrutiny_form(request, acting)
    data = form.cleaned_data if form.is_bound and form.is_valid() else None
    if not form.is_bound:
        data = {"quarter": form.initial["quarter"], "name_providers": False, "title": ""}
    report = None
    if data is not None:
        report = scrutiny_report(
            acting, parse_period(data["quarter"]), named=data["name_providers"], title=data["title"]
        )
    return render(
        request,
        "outcomes/portfolio/scrutiny.html",
        {
            "form": form,
            "report": report,
            "pdf_query": _scrutiny_query(data) if data is not None else "",
        },
    )


@organisation_required
def scrutiny_pdf(request: HttpRequest) -> HttpResponse:
    """The scrutiny report as a PDF, made now; a bad choice goes back to the form, which explains it."""
    acting = request.acting
    _commissioner(acting, "The scrutiny report")
    form = _scrutiny_form(request, acting)
    if not form.is_bound:
        form = ScrutinyForm({"quarter": form.initial["quarter"]}, quarters=scrutiny_quarters(acting))
    if not form.is_valid():
        return redirect(f"{reverse('portfolio:scrutiny')}?{urlencode(request.GET, doseq=True)}")
    quarter = parse_period(form.cleaned_data["quarter"])
    report = scrutiny_report(
        acting, quarter, named=form.cleaned_data["name_providers"], title=form.cleaned_data["title"]
    )
    content = pdf_render("pdf/scrutiny_report.html", {"report": report})
    return download_response(
        content, f"scrutiny-report-{quarter.identifier}.pdf", PDF_CONTENT_TYPE, inline=True
    )
