"""Creating and changing contracts; only the lead commissioner's users may change one."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.access import Acting, Capability
from accounts.audit import audit_record
from accounts.jobs import job_enqueue
from accounts.models import Organisation, User
from commissioning.access import require_lead_body
from commissioning.models import CommissioningBody, Contract, ContractStatus, ServiceType
from commissioning.qaf.tasks import qaf_status_refresh
from commissioning.signals import contract_terms_changed
from outcomes.periods import day_label
from providers.models import Provider


@dataclass
class ContractInput:
    """Everything a contract records, as entered on the form or read from an import file."""

    reference: str
    title: str
    service_type: str
    provider: Provider
    start_date: date
    end_date: date
    subcontractors: list[Provider] = field(default_factory=list)
    partner_commissioners: list[CommissioningBody] = field(default_factory=list)
    annual_value: Decimal | None = None
    hourly_rate: Decimal | None = None
    lot: str = ""
    status: str = ContractStatus.DRAFT
    return_due_day: int = 10
    qaf_compliance_window_weeks: int = 12

    SCALAR_FIELDS = (
        "reference",
        "title",
        "service_type",
        "start_date",
        "end_date",
        "annual_value",
        "hourly_rate",
        "lot",
        "status",
        "return_due_day",
        "qaf_compliance_window_weeks",
    )


def contract_problems(
    *, lead: CommissioningBody, data: ContractInput, existing: Contract | None = None
) -> dict[str, str]:
    """Every rule a contract breaks, by field, in plain English (empty when it is valid)."""
    problems: dict[str, str] = {}
    reference = data.reference.strip()
    if not reference:
        problems["reference"] = "Enter the contract reference"
    elif len(reference) > 50:
        problems["reference"] = "The reference must be 50 characters or fewer"
    else:
        clash = Contract.objects.filter(lead_commissioner=lead, reference__iexact=reference)
        if existing is not None:
            clash = clash.exclude(pk=existing.pk)
        if clash.exists():
            problems["reference"] = (
                f"{lead.name} already has a contract with the reference {reference}. Use a different reference."
            )
    if not data.title.strip():
        problems["title"] = "Enter the contract title"
    if data.service_type not in ServiceType.values:
        problems["service_type"] = f"Choose a service type: {', '.join(ServiceType.values)}"
    if data.status not in ContractStatus.values:
        problems["status"] = f"Choose a status: {', '.join(ContractStatus.values)}"
    if data.start_date and data.end_date and data.end_date < data.start_date:
        problems["end_date"] = (
            f"The end date must be on or after the start date ({day_label(data.start_date)})"
        )
    if data.provider in data.subcontractors:
        problems["subcontractors"] = (
            f"{data.provider.name} is the prime provider, so it cannot also be a subcontractor"
        )
    if lead in data.partner_commissioners:
        problems["partner_commissioners"] = (
            f"{lead.name} is the lead commissioner, so it cannot also be a partner"
        )
    for name, value in (("annual_value", data.annual_value), ("hourly_rate", data.hourly_rate)):
        if value is not None and value < 0:
            problems[name] = "Enter an amount of £0 or more"
    if not 1 <= data.return_due_day <= 28:
        problems["return_due_day"] = "The return due day must be a day of the month from 1 to 28"
    if not 1 <= data.qaf_compliance_window_weeks <= 104:
        problems["qaf_compliance_window_weeks"] = "The QAF compliance window must be from 1 to 104 weeks"
    return problems


def _plain(value):
    """A value as the audit log records it; amounts always with two decimal places, as stored."""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return str(value)
    return value.strip() if isinstance(value, str) else value


def _snapshot(contract: Contract) -> dict:
    values = {name: _plain(getattr(contract, name)) for name in ContractInput.SCALAR_FIELDS}
    values["provider"] = contract.provider.name
    values["subcontractors"] = sorted(p.name for p in contract.subcontractors.all())
    values["partner_commissioners"] = sorted(c.name for c in contract.partner_commissioners.all())
    return values


def _input_snapshot(data: ContractInput) -> dict:
    """What ``_snapshot`` would give after saving ``data``."""
    values = {name: _plain(getattr(data, name)) for name in ContractInput.SCALAR_FIELDS}
    values["provider"] = data.provider.name
    values["subcontractors"] = sorted(p.name for p in data.subcontractors)
    values["partner_commissioners"] = sorted(c.name for c in data.partner_commissioners)
    return values


def _apply(contract: Contract, data: ContractInput) -> None:
    for name in ContractInput.SCALAR_FIELDS:
        value = getattr(data, name)
        setattr(contract, name, value.strip() if isinstance(value, str) else value)
    contract.provider = data.provider
    contract.save()
    contract.subcontractors.set(data.subcontractors)
    contract.partner_commissioners.set(data.partner_commissioners)


def _qaf_status_refresh_later(lead_id: int, provider_ids: set[int]) -> None:
    """A contract's provider, status and QAF window feed its QAF statuses: refresh them after commit."""
    for provider_id in provider_ids:
        job_enqueue(qaf_status_refresh, provider_id, lead_id, label="Refreshing a provider's QAF status")


def contract_save(
    *,
    lead: CommissioningBody,
    data: ContractInput,
    existing: Contract | None,
    actor: User | None,
    actor_label: str | None = None,
    actor_organisation: Organisation | None = None,
) -> tuple[Contract, dict]:
    """Create or change a contract after checking every rule; returns it and what changed (audited)."""
    problems = contract_problems(lead=lead, data=data, existing=existing)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        if existing is None:
            contract = Contract(lead_commissioner=lead)
            _apply(contract, data)
            changes = _snapshot(contract)
            audit_record(
                actor=actor,
                actor_label=actor_label,
                actor_organisation=actor_organisation,
                action="contract.create",
                obj=contract,
                organisation=lead,
                details=changes,
            )
            _qaf_status_refresh_later(lead.pk, {contract.provider_id})
            return contract, changes
        contract = Contract.objects.select_for_update().get(pk=existing.pk)
        before = _snapshot(contract)
        after = _input_snapshot(data)
        changes = {
            key: {"before": before[key], "after": after[key]} for key in after if before[key] != after[key]
        }
        if changes:  # nothing changed: nothing saved (an import run twice leaves the contract untouched)
            providers = {contract.provider_id, data.provider.pk}  # a new provider, and the one replaced
            since = min(contract.start_date, data.start_date) if data.start_date else contract.start_date
            _apply(contract, data)
            _qaf_status_refresh_later(lead.pk, providers)
            contract_terms_changed.send(sender=Contract, contract=contract, since=since)
            audit_record(
                actor=actor,
                actor_label=actor_label,
                actor_organisation=actor_organisation,
                action="contract.update",
                obj=contract,
                organisation=lead,
                details=changes,
            )
        return contract, changes


def contract_create(*, acting: Acting, data: ContractInput) -> Contract:
    """Create a contract led by the acting commissioning body."""
    acting.require(Capability.MANAGE_CONTRACTS)
    lead = CommissioningBody.objects.get(pk=acting.organisation.pk)
    contract, _ = contract_save(
        lead=lead, data=data, existing=None, actor=acting.user, actor_organisation=acting.organisation
    )
    return contract


def contract_update(*, acting: Acting, contract: Contract, data: ContractInput) -> Contract:
    """Change a contract; only its lead commissioner may."""
    require_lead_body(acting, contract, Capability.MANAGE_CONTRACTS)
    contract, _ = contract_save(
        lead=contract.lead_commissioner,
        data=data,
        existing=contract,
        actor=acting.user,
        actor_organisation=acting.organisation,
    )
    return contract
