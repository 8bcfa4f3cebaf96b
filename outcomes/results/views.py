"""Compliance result pages: a contract's scorecard for a financial year, one result in detail, the
RAG override, and "Recompute now".

Results are seen by the contract's prime provider and its commissioners (lead and partners);
anyone else gets 404 (result_selectors). Only the lead body's commissioners change anything:
overriding needs Capability.OVERRIDE_RESULTS; recomputing needs MANAGE_CONTRACTS or
OVERRIDE_RESULTS (403 otherwise).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.access import Acting, organisation_required
from accounts.audit import audit_view
from accounts.govuk_forms import apply_service_errors
from commissioning.models import Contract
from outcomes.measures import MEASURES, target_measure_name
from outcomes.measures.library import CHOICE_LABELS
from outcomes.models import ComplianceResult, RecomputeRun
from outcomes.results import episodes, overrides, requests, selectors
from outcomes.results.forms import OverrideForm, ScorecardYearForm
from outcomes.results.spc import targets_spc


def _year_choice(request: HttpRequest, contract: Contract) -> tuple[int, ScorecardYearForm]:
    years = selectors.year_choices(contract)
    default = selectors.default_year(contract)
    if default not in years:
        years = sorted({*years, default}, reverse=True)
    source = request.GET if "year" in request.GET else None
    form = ScorecardYearForm(source, years=years, initial={"year": str(default)})
    if form.is_bound and form.is_valid():
        return int(form.cleaned_data["year"]), form
    return default, form


@organisation_required
def scorecard(request: HttpRequest, contract_id: int) -> HttpResponse:
    acting = request.acting
    contract = selectors.result_contract_get_for(acting, contract_id)
    year, form = _year_choice(request, contract)
    card = selectors.scorecard(contract, year)
    # SPC as at the year's last month, or the latest month before it has ended
    until = min(card.quarters[-1].start.replace(day=1, month=3), timezone.localdate())
    judged = targets_spc([row.target for row in card.rows], until=until)
    return render(
        request,
        "outcomes/results/scorecard.html",
        {
            "contract": contract,
            "form": form,
            "card": card,
            "rows": [(row, judged[row.target.pk].frozen()) for row in card.rows],
            "can_recompute": requests.may_recompute(acting, contract),
            "recompute_count": len(selectors.recompute_periods(contract, year)),
            **_run_context(selectors.recompute_run_recent(contract)),
        },
    )


@organisation_required
def recompute(request: HttpRequest, contract_id: int) -> HttpResponse:
    """Queue a recompute of the year's quarters and years to date at quarter ends; the scorecard
    then shows its progress."""
    acting = request.acting
    contract = selectors.result_contract_get_for(acting, contract_id)
    requests.require_recompute(acting, contract)
    asked = request.POST.get("year", "")
    years = selectors.year_choices(contract)
    year = int(asked) if asked.isdigit() and int(asked) in years else selectors.default_year(contract)
    back = f"{reverse('results:scorecard', args=[contract.pk])}?year={year}#recompute"
    if request.method != "POST":
        return redirect(back)
    periods = selectors.recompute_periods(contract, year)
    if not periods:
        messages.error(request, "None of this year's periods has begun yet: there is nothing to recompute.")
        return redirect(back)
    run, created = requests.recompute_run_request(
        acting=acting, contract=contract, year=year, periods=periods
    )
    if not created:
        messages.info(
            request, "A recompute of this contract is already under way: its progress is shown below."
        )
    return redirect(back)


def _run_context(run: RecomputeRun | None) -> dict:
    stale = requests.run_is_stale(run)
    return {
        "run": run,
        "run_polling": bool(run and run.active and not stale),
        "run_stale": stale,
        "run_percent": round(100 * run.done / run.total) if run and run.total else 0,
    }


@organisation_required
def recompute_status(request: HttpRequest, run_id: int) -> HttpResponse:
    """The progress of a "Recompute now" (polled by the scorecard while it runs)."""
    run = get_object_or_404(RecomputeRun.objects.select_related("contract"), pk=run_id)
    contract = selectors.result_contract_get_for(request.acting, run.contract_id)  # 404 outside
    response = render(
        request, "outcomes/results/_recompute_status.html", {"contract": contract, **_run_context(run)}
    )
    if not run.active and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the scorecard reloads to show the new figures
    return response


def _detail_context(acting: Acting, result: ComplianceResult, form: OverrideForm | None = None) -> dict:
    measure = MEASURES[result.target.measure]
    params = measure.clean_params(result.target.params)
    override, override_history = selectors.result_overrides(result)
    latest = (
        result
        if result.is_latest
        else next((r for r in selectors.result_history(result) if r.is_latest), None)
    )
    can_override = overrides.may_override(acting, result.contract)
    if can_override and form is None:
        form = OverrideForm()
    return {
        "result": result,
        "latest": latest,
        "contract": result.contract,
        "measure": measure,
        "params_text": measure.describe_params(params) if measure.parameters else "",
        "name": target_measure_name(measure, params),
        "figures": selectors.figures_text(result),
        "rag_label": selectors.RAG_LABELS.get(result.rag, result.rag),
        "rag_class": selectors.RAG_TAG_CLASSES.get(result.rag, "govuk-tag--grey"),
        "not_rated_text": selectors.not_rated_text(result),
        "direction_label": selectors.DIRECTION_LABELS.get(result.direction, "—"),
        "change": selectors.changes_since_before([result])[result.pk],
        "before": selectors.result_before(result),
        "target_text": selectors.target_text(result.target_version, measure),
        "gap_text": selectors.gap_text(result, measure),
        "missing_months": [selectors.month_label(m) for m in result.missing_months],
        "coverage_texts": selectors.coverage_texts(result),
        "sources": selectors.result_sources(result),
        "history": [
            {
                "row": row,
                "figures": selectors.figures_text(row),
                "rag": selectors.RAG_LABELS.get(row.rag, row.rag),
            }
            for row in selectors.result_history(result)
        ],
        "override": override,
        "override_label": selectors.RAG_LABELS.get(override.rag) if override else "",
        "override_history": [
            {"row": row, "rag": selectors.RAG_LABELS.get(row.rag, "Override withdrawn")}
            for row in override_history
        ],
        "can_override": can_override,
        "form": form,
        "episodes": episodes.result_episodes(result),
        "year": selectors.financial_year_start(result.period_start),
        "choice_labels": CHOICE_LABELS,
    }


@organisation_required
def result_detail(request: HttpRequest, result_id: int) -> HttpResponse:
    result = selectors.result_get_for(request.acting, result_id)
    context = _detail_context(request.acting, result)
    if context["episodes"].kind == "episodes" and context["episodes"].rows:
        # The episodes behind the figure, each with its outcome, are person-level data of the
        # provider's returns: reading them is audited as the provider's record.
        provider = result.contract.provider
        audit_view(
            request, result, "result_episodes", organisation=provider, details={"period": result.period}
        )
    return render(request, "outcomes/results/detail.html", context)


@organisation_required
def result_override(request: HttpRequest, result_id: int) -> HttpResponse:
    """Set or withdraw a RAG override with a reason (lead body, Capability.OVERRIDE_RESULTS)."""
    acting = request.acting
    result = selectors.result_get_for(acting, result_id)
    overrides.require_override(acting, result.contract)
    if request.method != "POST":
        return redirect("results:detail", result_id=result.pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            override = overrides.result_override(
                acting=acting, result=result, rag_value=form.rag_value, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if override.rag:
                computed = selectors.RAG_LABELS.get(result.rag, result.rag)
                text = f"The RAG for {result.period} is now shown as {selectors.RAG_LABELS[override.rag]} (computed {computed})."
            else:
                text = f"The override for {result.period} is withdrawn: the computed RAG is shown again."
            messages.success(request, text)
            return redirect("results:detail", result_id=result.pk)
    return render(request, "outcomes/results/detail.html", _detail_context(acting, result, form), status=200)
