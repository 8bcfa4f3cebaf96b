"""The QAF portfolio page: a commissioning body's three QAF measures for a chosen quarter, with
the assessments behind each figure. Any role of a body may view it (Capability.VIEW_PORTFOLIO);
provider organisations get 404."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import Capability, organisation_required
from accounts.govuk_forms import GovukFormMixin
from commissioning.qaf import portfolio as selectors
from outcomes.periods import Period, parse_period


class QuarterForm(GovukFormMixin, forms.Form):
    quarter = forms.ChoiceField(
        label="Quarter", error_messages={"invalid_choice": "Choose a quarter from the list"}
    )

    def __init__(self, *args, quarters: list[Period], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quarter"].choices = [(q.identifier, selectors.quarter_label(q)) for q in quarters]


@organisation_required
def portfolio(request: HttpRequest) -> HttpResponse:
    acting = request.acting
    if not acting.is_commissioner:
        raise Http404("The QAF portfolio belongs to commissioning bodies.")
    acting.require(Capability.VIEW_PORTFOLIO)
    default = selectors.portfolio_default_quarter()
    form = QuarterForm(
        request.GET if "quarter" in request.GET else None,
        quarters=selectors.portfolio_quarters(acting),
        initial={"quarter": default.identifier},
    )
    quarter = default
    if form.is_bound and form.is_valid():
        quarter = parse_period(form.cleaned_data["quarter"])
    return render(
        request,
        "commissioning/qaf/portfolio.html",
        {
            "form": form,
            "portfolio": selectors.portfolio_for(acting, quarter),
            "default_quarter": default,
        },
    )
