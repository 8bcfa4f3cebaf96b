"""Fair benchmarking and trends (portfolio pages).

benchmarks: a measure's funnel plots and rankings for a quarter within a commissioning body, one per
service type (or one pooling every service type when the GET form's "pool" is ticked, and said).
Commissioners (Capability.VIEW_PORTFOLIO, else 403) see every provider named; any member of a
provider sees itself as "You" and the others anonymised, only on measures its own contracts have.
trend: one target's monthly and quarterly values with its RAG bands, for whoever may see the
contract's results (404 otherwise, and for a target of another contract).
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.access import Capability, organisation_required
from accounts.govuk_forms import GovukFormMixin
from commissioning.models import Target
from outcomes.measures import target_measure_name
from outcomes.measures.ranking import MIN_COMPARATORS
from outcomes.periods import Period, parse_period
from outcomes.portfolio import funnel as benchmarking
from outcomes.portfolio.funnel_chart import funnel_chart
from outcomes.portfolio.spc_chart import month_of, spc_chart, spc_chart_title, spc_lines, spc_rows
from outcomes.portfolio.trend import trend_for
from outcomes.portfolio.trend_chart import band_words, trend_chart
from outcomes.results.baselines import may_fix_baseline
from outcomes.results.selectors import result_contract_get_for
from outcomes.results.spc import target_spc

FIELDS = ("measure", "quarter", "body", "pool", "dispersion")


def quarter_label(quarter: Period) -> str:
    """``2026-27 Q2 (July to September 2026)``."""
    return f"{quarter.identifier[:7]} {quarter.identifier[-2:]} ({quarter.start:%B} to {quarter.end:%B %Y})"


class BenchmarkForm(GovukFormMixin, forms.Form):
    measure = forms.ChoiceField(
        label="Measure", required=False, error_messages={"invalid_choice": "Choose a measure from the list"}
    )
    quarter = forms.ChoiceField(
        label="Quarter", required=False, error_messages={"invalid_choice": "Choose a quarter from the list"}
    )
    body = forms.ChoiceField(
        label="Commissioning body",
        required=False,
        error_messages={"invalid_choice": "Choose one of the commissioning bodies you hold contracts with"},
    )
    pool = forms.BooleanField(
        label="Pool service types into one plot",
        required=False,
        help_text=(
            "Adds up each provider's contracts of every service type (homecare, reablement and others). "
            "Without this, each service type has its own plot, so a weak contract of one type is not "
            "hidden by a strong one of another."
        ),
    )
    dispersion = forms.BooleanField(
        label="Allow for over-dispersion",
        required=False,
        help_text=(
            "Where the providers' figures vary more than chance alone explains (checked below each plot), "
            "widens the control limits by the square root of the over-dispersion factor φ, so that only "
            "providers unusual even among providers that really differ are flagged."
        ),
    )

    def __init__(self, *args, options: benchmarking.Options, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [(m.key, m.label) for m in options.measures]
        self.fields["quarter"].choices = [(q.identifier, quarter_label(q)) for q in options.quarters]
        if len(options.bodies) > 1:
            self.fields["body"].choices = [(str(b.pk), b.name) for b in options.bodies]
        else:
            del self.fields["body"]


def _body_id(request: HttpRequest) -> int | None:
    text = request.GET.get("body", "")
    return int(text) if text.isdigit() else None


def _chart(benchmark: benchmarking.Benchmark):
    return funnel_chart(
        benchmark.funnel,
        higher=benchmark.higher,
        chart_id=f"funnel-{benchmark.slug}",
        title=(
            f"Funnel plot: {benchmark.option.label}, {benchmark.service_label}, "
            f"{quarter_label(benchmark.quarter)}. Each provider's value against the episodes counted, "
            f"numbered as in the table below, around the portfolio rate of {benchmark.funnel.rate_text}, "
            "with 95% and 99.8% control limits"
            + (
                f" widened by {benchmark.funnel.factor:.2f} for over-dispersion"
                if benchmark.funnel.adjusted
                else ""
            )
            + ". The table below gives the same figures."
        ),
    )


@organisation_required
def benchmarks(request: HttpRequest) -> HttpResponse:
    acting = request.acting
    if acting.is_commissioner:
        acting.require(Capability.VIEW_PORTFOLIO)
    options = benchmarking.benchmark_options(acting, _body_id(request))
    data = None
    if any(name in request.GET for name in FIELDS):
        data = request.GET.copy()
        alias = options.measure(data.get("measure", ""))
        if alias is not None:  # a bare measure code stands for its first parameter set
            data["measure"] = alias.key
    option = options.measures[0] if options.measures else None
    quarter = options.quarters[0] if options.quarters else None
    initial = {"measure": option.key if option else "", "quarter": quarter.identifier if quarter else ""}
    if options.body is not None:
        initial["body"] = str(options.body.pk)
    form = BenchmarkForm(data, options=options, initial=initial)
    if form.is_bound:
        form.is_valid()
        chosen = form.cleaned_data
        option = options.measure(chosen.get("measure") or "") or option
        quarter = parse_period(chosen["quarter"]) if chosen.get("quarter") else quarter
    pooled = bool(form.is_bound and form.cleaned_data.get("pool"))
    allow = bool(form.is_bound and form.cleaned_data.get("dispersion"))
    found = (
        benchmarking.benchmarks_for(
            acting, option.key, quarter, options=options, pooled=pooled, allow_for_dispersion=allow
        )
        if option and quarter
        else []
    )
    plots = [(benchmark, _chart(benchmark)) for benchmark in found if benchmark.funnel.rows]
    return render(
        request,
        "outcomes/portfolio/benchmarks.html",
        {
            "form": form,
            "options": options,
            "option": option,
            "quarter": quarter,
            "quarter_text": quarter_label(quarter) if quarter else "",
            "plots": plots,
            "pooled": pooled,
            "allow_for_dispersion": allow,
            "z_95": benchmarking.Z_95,
            "z_998": benchmarking.Z_998,
            "min_comparators": MIN_COMPARATORS,
            "is_provider": acting.is_provider,
        },
    )


@organisation_required
def trend(request: HttpRequest, contract_id: int, target_id: int) -> HttpResponse:
    contract = result_contract_get_for(request.acting, contract_id)
    target = get_object_or_404(Target.objects.prefetch_related("versions"), pk=target_id, contract=contract)
    data = trend_for(contract, target)
    measure = data.measure
    name = target_measure_name(measure, target.params)
    values = "; ".join(f"{row.label} {row.cell.figures} {row.cell.rag_label}" for row in data.rows)
    chart = trend_chart(
        data,
        chart_id="trend",
        title=(
            f"{name}, {contract.reference}, {data.months[0]:%B %Y} to {data.months[-1]:%B %Y}: "
            f"{values or 'no values stored'}. The table below gives every value."
        ),
    )
    spc = target_spc(target).frozen()
    return render(
        request,
        "outcomes/portfolio/trend.html",
        {
            "spc": spc,
            "spc_chart": spc_chart(spc, chart_id="spc", title=spc_chart_title(spc, name, contract.reference))
            if "points" in spc
            else None,
            "spc_rows": spc_rows(spc),
            "spc_lines": spc_lines(spc),
            "spc_left_out": [month_of(month) for month in spc["left_out"]],
            "can_fix_baseline": may_fix_baseline(request.acting, contract),
            "contract": contract,
            "target": target,
            "trend": data,
            "name": name,
            "chart": chart,
            "bands": [
                (data.months[band.first], data.months[band.last], band, band_words(band, data.higher))
                for band in data.bands
            ],
        },
    )
