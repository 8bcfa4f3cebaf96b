"""Contract and target pages. Views check access, then call one selector or service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import Capability, capability_required, organisation_required
from accounts.govuk_forms import apply_service_errors
from commissioning import selectors, services
from commissioning.access import is_lead_body, require_lead_body, sees_terms
from commissioning.forms import (
    ContractFilterForm,
    ContractForm,
    MeasureChoiceForm,
    TargetEndForm,
    TargetForm,
    TargetValuesForm,
)
from commissioning.models import CommissioningBody, Contract, ServiceType
from commissioning.notices.access import may_raise_notice
from commissioning.notices.selectors import contract_enforcement_stages, notices_for
from commissioning.retention import retention_rows_for, retention_years_set
from outcomes.measures import MEASURES, target_measure_name
from providers.models import Provider

CONTRACT_FIELD_NAMES = {"start_date", "end_date"}


@organisation_required
def contract_list(request: HttpRequest) -> HttpResponse:
    acting = request.acting
    visible = selectors.contract_visible_to(acting)
    form = ContractFilterForm(
        request.GET or None,
        providers=Provider.objects.filter(Q(contracts__in=visible) | Q(subcontracts__in=visible)).distinct(),
        commissioners=CommissioningBody.objects.filter(
            Q(contracts_led__in=visible) | Q(contracts_partnered__in=visible)
        ).distinct(),
    )
    contract_filter = selectors.ContractFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        contract_filter = selectors.ContractFilter(
            text=data["q"].strip(),
            provider_id=data["provider"].pk if data["provider"] else None,
            commissioner_id=data["commissioner"].pk if data["commissioner"] else None,
            status=data["status"],
            service_type=data["service_type"],
        )
    page = Paginator(selectors.contract_list_for(acting, contract_filter), 50).get_page(
        request.GET.get("page")
    )
    stages = contract_enforcement_stages(contract.pk for contract in page.object_list)
    for contract in page.object_list:
        contract.enforcement_stage = stages.get(contract.pk)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "commissioning/contract_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "can_create": acting.is_commissioner and acting.can(Capability.MANAGE_CONTRACTS),
        },
    )


@organisation_required
def contract_detail(request: HttpRequest, contract_id: int) -> HttpResponse:
    acting = request.acting
    contract = selectors.contract_get_for(acting, contract_id)
    return render(
        request,
        "commissioning/contract_detail.html",
        {
            "contract": contract,
            "target_rows": selectors.target_rows_for(contract),
            "can_edit": is_lead_body(acting, contract, Capability.MANAGE_CONTRACTS),
            "can_edit_targets": is_lead_body(acting, contract, Capability.MANAGE_TARGETS),
            "can_raise_notice": may_raise_notice(acting, contract),
            "sees_terms": sees_terms(acting, contract),
            "notices": notices_for(acting)
            .filter(contract=contract)
            .order_by("-issued_at", "-created_at")[:20],
            "today": timezone.localdate(),
        },
    )


def _contract_input(data: dict) -> services.ContractInput:
    return services.ContractInput(
        reference=data["reference"],
        title=data["title"],
        service_type=data["service_type"],
        provider=data["provider"],
        start_date=data["start_date"],
        end_date=data["end_date"],
        subcontractors=list(data["subcontractors"]),
        partner_commissioners=list(data["partner_commissioners"]),
        annual_value=data["annual_value"],
        hourly_rate=data["hourly_rate"],
        lot=data["lot"],
        status=data["status"],
        return_due_day=data["return_due_day"],
        qaf_compliance_window_weeks=data["qaf_compliance_window_weeks"],
    )


@capability_required(Capability.MANAGE_CONTRACTS)
def contract_create(request: HttpRequest) -> HttpResponse:
    acting = request.acting
    lead = CommissioningBody.objects.get(pk=acting.organisation.pk)
    form = ContractForm(request.POST or None, lead=lead, initial={"service_type": ServiceType.HOMECARE})
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_create(acting=acting, data=_contract_input(form.cleaned_data))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, f"Contract {contract.reference} has been created. Now add its outcome targets."
            )
            return redirect("commissioning:contract-detail", contract_id=contract.pk)
    return render(request, "commissioning/contract_form.html", {"form": form, "contract": None})


def _contract_initial(contract: Contract) -> dict:
    initial = {name: getattr(contract, name) for name in services.ContractInput.SCALAR_FIELDS}
    initial["provider"] = contract.provider
    initial["subcontractors"] = list(contract.subcontractors.all())
    initial["partner_commissioners"] = list(contract.partner_commissioners.all())
    return initial


@organisation_required
def contract_edit(request: HttpRequest, contract_id: int) -> HttpResponse:
    acting = request.acting
    contract = selectors.contract_get_for(acting, contract_id)
    require_lead_body(acting, contract, Capability.MANAGE_CONTRACTS)
    form = ContractForm(
        request.POST or None, lead=contract.lead_commissioner, initial=_contract_initial(contract)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_update(
                acting=acting, contract=contract, data=_contract_input(form.cleaned_data)
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"Contract {contract.reference} has been updated.")
            return redirect("commissioning:contract-detail", contract_id=contract.pk)
    return render(request, "commissioning/contract_form.html", {"form": form, "contract": contract})


@organisation_required
def target_add(request: HttpRequest, contract_id: int) -> HttpResponse:
    """Two steps on one address: choose a measure, then its parameters and the target's values."""
    acting = request.acting
    contract = selectors.contract_get_for(acting, contract_id)
    require_lead_body(acting, contract, Capability.MANAGE_TARGETS)
    code = request.GET.get("measure") or request.POST.get("measure_code")
    if code not in MEASURES:
        choose = MeasureChoiceForm(request.GET if "measure" in request.GET else None)
        if choose.is_bound:
            choose.is_valid()  # shows "Choose a measure" for an unknown or empty choice
        return render(request, "commissioning/target_measure.html", {"contract": contract, "form": choose})
    measure = MEASURES[code]
    form = TargetForm(request.POST or None, measure=measure, initial={"effective_from": contract.start_date})
    if request.method == "POST" and form.is_valid():
        data = services.TargetInput(
            target_value=form.cleaned_data["target_value"],
            tolerance=form.cleaned_data["tolerance"],
            min_denominator=form.cleaned_data["min_denominator"],
            effective_from=form.cleaned_data["effective_from"],
            reason=form.cleaned_data["reason"],
        )
        try:
            services.target_add(
                acting=acting, contract=contract, measure=code, params=form.params(), data=data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, f"Target added: {target_measure_name(measure, form.params())}, {data.target_value}%."
            )
            return redirect("commissioning:contract-detail", contract_id=contract.pk)
    return render(
        request, "commissioning/target_form.html", {"contract": contract, "form": form, "measure": measure}
    )


@organisation_required
def target_edit(request: HttpRequest, contract_id: int, target_id: int) -> HttpResponse:
    """Change a target from a date: a new version; the earlier one still judges earlier periods."""
    acting = request.acting
    contract = selectors.contract_get_for(acting, contract_id)
    target = selectors.target_get_for(acting, contract, target_id)
    require_lead_body(acting, contract, Capability.MANAGE_TARGETS)
    current = selectors.target_version_in_force(target, timezone.localdate())
    latest = target.versions.order_by("-effective_from", "-recorded_at", "-id").first()
    base = current or (latest if latest and not latest.is_end else None)
    initial = {"effective_from": timezone.localdate()}
    if base:
        initial |= {
            "target_value": base.target_value,
            "tolerance": base.tolerance,
            "min_denominator": base.min_denominator,
        }
    form = TargetValuesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = services.TargetInput(**form.cleaned_data)
        try:
            services.target_version_add(acting=acting, target=target, data=data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"New version saved: {data.target_value}% from {data.effective_from:%-d %B %Y}. "
                "Earlier periods are still judged against the earlier version.",
            )
            return redirect("commissioning:contract-detail", contract_id=contract.pk)
    measure = MEASURES.get(target.measure)
    return render(
        request,
        "commissioning/target_version_form.html",
        {
            "contract": contract,
            "target": target,
            "measure": measure,
            "form": form,
            "current": current,
            "params_text": measure.describe_params(target.params) if measure else "",
        },
    )


@organisation_required
def target_end(request: HttpRequest, contract_id: int, target_id: int) -> HttpResponse:
    acting = request.acting
    contract = selectors.contract_get_for(acting, contract_id)
    target = selectors.target_get_for(acting, contract, target_id)
    require_lead_body(acting, contract, Capability.MANAGE_TARGETS)
    form = TargetEndForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.target_end(
                acting=acting,
                target=target,
                effective_from=form.cleaned_data["effective_from"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, "The target has been ended. Its history stays on the contract.")
            return redirect("commissioning:contract-detail", contract_id=contract.pk)
    measure = MEASURES.get(target.measure)
    return render(
        request,
        "commissioning/target_end.html",
        {
            "contract": contract,
            "target": target,
            "measure": measure,
            "form": form,
        },
    )


@organisation_required
def retention(request: HttpRequest) -> HttpResponse:
    """The body's retention period and when each ended contract's person-level data goes: any of its
    people read it; its commissioners change the period."""
    acting = request.acting
    if not acting.is_commissioner:
        raise Http404("Retention periods belong to commissioning bodies.")
    acting.require(Capability.VIEW_PORTFOLIO)
    body = CommissioningBody.objects.get(pk=acting.organisation.pk)
    error = ""
    if request.method == "POST":
        acting.require(Capability.MANAGE_CONTRACTS)
        raw = request.POST.get("years", "").strip()
        try:
            retention_years_set(acting=acting, years=int(raw) if raw.isdigit() else 0)
        except ValidationError as problem:
            error = " ".join(problem.messages)
        else:
            messages.success(
                request, "The retention period is saved. It applies to every contract your body leads."
            )
            return redirect("commissioning:retention")
    today = timezone.localdate()
    return render(
        request,
        "commissioning/retention.html",
        {
            "body": body,
            "rows": retention_rows_for(body.pk, today),
            "today": today,
            "can_change": acting.can(Capability.MANAGE_CONTRACTS),
            "error": error,
            "entered": request.POST.get("years", "") if error else body.retention_years,
        },
        status=400 if error else 200,
    )
