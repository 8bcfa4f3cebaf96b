"""The notice register, its CSV export and the notice figures.

Who sees what: people of a commissioning body (Capability.VIEW_PORTFOLIO) see the notices on the
contracts they lead, drafts included, and the issued notices on joint contracts they are partners
in; people of a provider see the notices issued to their organisation, never drafts
(``selectors.notices_for``). The figures page is for commissioning bodies only: 404 for providers.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.access import Acting, Capability, organisation_required
from accounts.downloads import CSV_CONTENT_TYPE, download_response
from commissioning.notices import figures as notice_figures
from commissioning.notices import register as notice_register
from commissioning.notices.access import is_notice_manager
from commissioning.notices.models import Notice, NoticeKind
from commissioning.notices.register import FiguresQuarterForm, RegisterFilterForm, register_filter
from commissioning.notices.selectors import contract_enforcement_stages, notices_for
from outcomes.periods import parse_period

PAGE_SIZE = 50


def _scope(acting: Acting) -> QuerySet[Notice]:
    if acting.is_commissioner:
        acting.require(Capability.VIEW_PORTFOLIO)
    return notices_for(acting)


def _filter_form(request: HttpRequest, acting: Acting, notices: QuerySet[Notice]) -> RegisterFilterForm:
    data = request.GET.copy()
    data.pop("page", None)
    return RegisterFilterForm(
        data or None,
        notices=notices,
        quarters=notice_register.notice_quarters(notices),
        for_provider=acting.is_provider,
    )


@organisation_required
def register(request: HttpRequest) -> HttpResponse:
    """Every notice the organisation may see, filtered, a page at a time."""
    acting = request.acting
    notices = _scope(acting)
    form = _filter_form(request, acting, notices)
    filters = form.filters()
    page = Paginator(register_filter(notices, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    stages = contract_enforcement_stages({notice.contract_id for notice in page})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "commissioning/notices/register.html",
        {
            "form": form,
            "page": page,
            "rows": [
                {"notice": notice, "stage": NoticeKind(stages[notice.contract_id]).label}
                if notice.contract_id in stages
                else {"notice": notice, "stage": ""}
                for notice in page
            ],
            "query": query.urlencode(),
            "filtered": bool(filters),
            "has_any": notices.exists(),
            "is_provider": acting.is_provider,
            "can_raise": is_notice_manager(acting),
            "today": timezone.localdate(),
        },
    )


@organisation_required
def register_csv(request: HttpRequest) -> HttpResponse:
    """The register as CSV with the same filters; bad filters go back to the page, which explains them."""
    acting = request.acting
    notices = _scope(acting)
    form = _filter_form(request, acting, notices)
    filters = form.filters()
    if form.errors:
        return redirect(f"{reverse('notices:register')}?{request.GET.urlencode()}")
    today = timezone.localdate()
    content = notice_register.register_csv(register_filter(notices, filters), today)
    return download_response(content, f"notices-{today:%Y-%m-%d}.csv", CSV_CONTENT_TYPE)


@organisation_required
def figures(request: HttpRequest) -> HttpResponse:
    """A quarter's notice figures, each with its baseline and the notices behind it."""
    acting = request.acting
    if not acting.is_commissioner:
        raise Http404("Notice figures belong to commissioning bodies.")
    acting.require(Capability.VIEW_PORTFOLIO)
    notices = notices_for(acting)
    default = notice_register.figures_default_quarter()
    form = FiguresQuarterForm(
        request.GET if "quarter" in request.GET else None,
        quarters=notice_register.notice_quarters(notices),
        initial={"quarter": default.identifier},
    )
    quarter = default
    if form.is_bound and form.is_valid():
        quarter = parse_period(form.cleaned_data["quarter"])
    return render(
        request,
        "commissioning/notices/figures.html",
        {
            "form": form,
            "figures": notice_figures.notice_figures(notices, quarter),
            "default_quarter": default,
        },
    )
