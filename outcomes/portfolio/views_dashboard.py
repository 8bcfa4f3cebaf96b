"""The portfolio dashboard (commissioners): a quarter's RAG matrix of contracts × measures, with
QAF status, CQC rating, returns outstanding, open notices and enforcement stage; CSV and XLSX of it.

Who sees what: people of a commissioning body with Capability.VIEW_PORTFOLIO see the contracts
their body leads or is a partner in; other commissioners' people get 403; providers get 404.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from accounts.access import Acting, Capability, organisation_required
from accounts.downloads import csv_response, xlsx_response
from outcomes.portfolio.dashboard_export import matrix_table
from outcomes.portfolio.dashboard_html import attention_html, matrix_rows_html
from outcomes.portfolio.forms import DashboardFilterForm
from outcomes.portfolio.matrix import (
    Matrix,
    dashboard_default_quarter,
    dashboard_quarters,
    portfolio_matrix,
)
from outcomes.results.spc_glyphs import glyph_symbols


def _acting(request: HttpRequest) -> Acting:
    acting = request.acting
    if not acting.is_commissioner:
        raise Http404("The portfolio dashboard belongs to commissioning bodies.")
    acting.require(Capability.VIEW_PORTFOLIO)
    return acting


def _form_and_matrix(request: HttpRequest, paged: bool = False) -> tuple[DashboardFilterForm, Matrix | None]:
    """The form and the matrix it asks for: the page of rows asked for when ``paged`` (the page
    number from the query string), else every row (the downloads)."""
    acting = _acting(request)
    quarters = dashboard_quarters(acting)
    form = DashboardFilterForm(
        request.GET or None,
        acting=acting,
        quarters=quarters,
        default_quarter=dashboard_default_quarter(quarters),
    )
    quarter = form.chosen_quarter()
    filters = form.filters()
    page = request.GET.get("page", "1") if paged else None
    return form, (portfolio_matrix(acting, quarter, filters, page) if quarter else None)


def _query_without_page(request: HttpRequest) -> str:
    """The query string with every filter and the sort, less the page number (for the page links)."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@organisation_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The quarter's matrix, filtered and sorted, a page of ``PAGE_SIZE`` contracts at a time, with
    totals by RAG over every contract matching the filters."""
    form, matrix = _form_and_matrix(request, paged=True)
    filters = form.filters()
    query = _query_without_page(request)
    return render(
        request,
        "outcomes/portfolio/dashboard.html",
        {
            "form": form,
            "matrix": matrix,
            "rows_html": matrix_rows_html(matrix.rows, request.acting.organisation.pk) if matrix else "",
            "spc_symbols": glyph_symbols(),
            "attention": attention_html(matrix) if matrix else None,
            "filters": filters,
            "query": query,
            "attention_query": _attention_query(query),
            "page_numbers": _page_numbers(matrix),
            "ellipsis": Paginator.ELLIPSIS,
        },
    )


def _page_numbers(matrix: Matrix | None) -> list[int | str]:
    """The page links the pagination shows: the first, the last, those beside the current page, and
    ``Paginator.ELLIPSIS`` for each gap."""
    page = matrix.page if matrix else None
    if page is None or not page.has_other_pages():
        return []
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1))


def _attention_query(query: str) -> str:
    """The query string of the matrix filtered to the contracts that need attention, most urgent
    first, with the other filters kept."""
    params = QueryDict(query, mutable=True)
    params["attention"] = "on"
    params["sort"] = "attention"
    return params.urlencode()


def _filename(matrix: Matrix | None, extension: str) -> str:
    return f"portfolio-{matrix.quarter.identifier if matrix else 'no-results'}.{extension}"


def _table(matrix: Matrix | None) -> tuple[list[str], list[list[object]]]:
    if matrix is None:
        return ["Contract reference"], []
    return matrix_table(matrix)


@organisation_required
def matrix_csv(request: HttpRequest) -> HttpResponse:
    """The matrix as CSV, with the page's quarter, filters and sort; every cell formula-safe."""
    _, matrix = _form_and_matrix(request)
    return csv_response(*_table(matrix), _filename(matrix, "csv"))


@organisation_required
def matrix_xlsx(request: HttpRequest) -> HttpResponse:
    """The matrix as an XLSX workbook, with the page's quarter, filters and sort."""
    _, matrix = _form_and_matrix(request)
    title = matrix.quarter.identifier if matrix else "Portfolio"
    return xlsx_response(*_table(matrix), _filename(matrix, "xlsx"), title=title)
