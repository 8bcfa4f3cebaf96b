"""Loading organisations, contracts and targets from a JSON file (`manage.py import_contracts`).

Idempotent: running the same file twice changes nothing. All-or-nothing: every entry is checked
and applied inside one transaction; any problem rolls everything back and is reported with the
entry and field it belongs to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import audit_record
from accounts.models import Organisation, OrganisationKind
from commissioning.models import CommissioningBody, Contract, ContractStatus, TargetVersion
from commissioning.services.contracts import ContractInput, contract_save
from commissioning.services.targets import (
    DEFAULT_MIN_DENOMINATOR,
    DEFAULT_TOLERANCE,
    TargetInput,
    target_create,
    target_find,
    version_create,
    version_problems,
)
from outcomes.measures import MEASURES
from providers.models import CqcRating, Provider

IMPORT_LABEL = "Data import (import_contracts)"


class ImportFailed(Exception):
    """The file was not applied; ``problems`` lists each one as 'where: what to fix'."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    """What an import did, counted by kind of record."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def count(self, outcome: str, kind: str) -> None:
        bucket = getattr(self, outcome)
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)


class _Entry:
    """Reads fields of one JSON entry, recording problems against its path instead of raising."""

    def __init__(self, raw: Any, where: str, problems: list[str]):
        self.raw = raw if isinstance(raw, dict) else {}
        self.where = where
        self.problems = problems
        if not isinstance(raw, dict):
            self.fail(None, "must be an object with named fields")

    def fail(self, name: str | None, message: str) -> None:
        place = f"{self.where}.{name}" if name else self.where
        self.problems.append(f"{place}: {message}")

    def text(self, name: str, *, required: bool = True, default: str = "") -> str:
        value = self.raw.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, "is required")
            return default
        if not isinstance(value, str):
            self.fail(name, f"must be text, not {value!r}")
            return default
        return value.strip()

    def day(self, name: str, *, required: bool = True) -> date | None:
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(name, f"must be a date written YYYY-MM-DD; {value!r} is not")
            return None

    def money(self, name: str) -> Decimal | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            self.fail(name, f'must be an amount like "14.30"; {value!r} is not')
            return None
        if not amount.is_finite() or amount < 0:
            self.fail(name, f"must be an amount of 0 or more; {value!r} is not")
            return None
        return amount

    def whole(self, name: str, default: int) -> int:
        value = self.raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"must be a whole number; {value!r} is not")
            return default
        return value

    def names(self, name: str) -> list[str]:
        value = self.raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.fail(name, "must be a list of names")
            return []
        return [item.strip() for item in value]


def _label(raw: Any, key: str) -> str:
    return f" ({raw.get(key)})" if isinstance(raw, dict) and raw.get(key) else ""


def _import_commissioners(items: list, problems: list[str], report: ImportReport, label: str) -> None:
    for index, raw in enumerate(items):
        entry = _Entry(raw, f"commissioners[{index}]{_label(raw, 'name')}", problems)
        name = entry.text("name")
        kind = entry.text("kind")
        if kind and kind not in (OrganisationKind.COUNCIL, OrganisationKind.ICB):
            entry.fail("kind", f"must be council or icb; {kind!r} is not")
            continue
        if not name or not kind:
            continue
        existing = Organisation.objects.filter(name=name).first()
        if existing is None:
            body = CommissioningBody.objects.create(name=name, kind=kind)
            audit_record(
                actor=None,
                actor_label=label,
                action="organisation.create",
                obj=body,
                organisation=body,
                details={"kind": kind},
            )
            report.count("created", "commissioners")
        elif existing.kind != kind:
            entry.fail(
                "kind", f"{name} already exists as a {existing.get_kind_display().lower()}, not {kind}"
            )
        else:
            report.count("unchanged", "commissioners")


def _import_providers(items: list, problems: list[str], report: ImportReport, label: str) -> None:
    for index, raw in enumerate(items):
        entry = _Entry(raw, f"providers[{index}]{_label(raw, 'name')}", problems)
        name = entry.text("name")
        values = {
            "cqc_location_id": entry.text("cqc_location_id", required=False) or None,
            "cqc_rating": entry.text("cqc_rating", required=False, default=CqcRating.NOT_YET_INSPECTED),
            "cqc_rating_date": entry.day("cqc_rating_date", required=False),
        }
        if values["cqc_rating"] not in CqcRating.values:
            entry.fail(
                "cqc_rating", f"must be one of {', '.join(CqcRating.values)}; {values['cqc_rating']!r} is not"
            )
            continue
        if not name:
            continue
        clash = Provider.objects.filter(cqc_location_id=values["cqc_location_id"]).exclude(name=name).first()
        if values["cqc_location_id"] and clash:
            entry.fail("cqc_location_id", f"{values['cqc_location_id']} already belongs to {clash.name}")
            continue
        existing_org = Organisation.objects.filter(name=name).first()
        if existing_org is not None and existing_org.kind != OrganisationKind.PROVIDER:
            entry.fail("name", f"{name} already exists as a {existing_org.get_kind_display().lower()}")
            continue
        provider = Provider.objects.filter(name=name).first()
        if provider is None:
            provider = Provider(name=name, kind=OrganisationKind.PROVIDER, **values)
            try:
                provider.full_clean()
            except ValidationError as error:
                for field_name, messages in error.message_dict.items():
                    entry.fail(field_name, " ".join(messages))
                continue
            provider.save()
            audit_record(
                actor=None,
                actor_label=label,
                action="organisation.create",
                obj=provider,
                organisation=provider,
                details={k: str(v) for k, v in values.items()},
            )
            report.count("created", "providers")
            continue
        changes = {
            k: {"before": str(getattr(provider, k)), "after": str(v)}
            for k, v in values.items()
            if getattr(provider, k) != v
        }
        if changes:
            for key, value in values.items():
                setattr(provider, key, value)
            provider.save()
            audit_record(
                actor=None,
                actor_label=label,
                action="provider.update",
                obj=provider,
                organisation=provider,
                details=changes,
            )
            report.count("updated", "providers")
        else:
            report.count("unchanged", "providers")


def _find(model, name: str, entry: _Entry, field_name: str, what: str):
    found = model.objects.filter(name=name).first()
    if found is None:
        entry.fail(
            field_name,
            f"there is no {what} called {name!r}: add it to {what}s in the file, or check the name",
        )
    return found


def _import_targets(
    contract: Contract, items: Any, where: str, problems: list[str], report: ImportReport, label: str
) -> None:
    if not isinstance(items, list):
        problems.append(f"{where}.targets: must be a list")
        return
    for index, raw in enumerate(items):
        entry = _Entry(raw, f"{where}.targets[{index}]{_label(raw, 'measure')}", problems)
        measure = entry.text("measure")
        params = entry.raw.get("params", {})
        if not isinstance(params, dict):
            entry.fail("params", "must be an object of parameter names and values")
            continue
        if measure and measure not in MEASURES:
            entry.fail("measure", f"there is no measure {measure!r}; the measures are: {', '.join(MEASURES)}")
            continue
        if not measure:
            continue
        param_errors = MEASURES[measure].param_errors(params)
        for name, message in param_errors.items():
            entry.fail(f"params.{name}", message)
        if param_errors:
            continue
        effective = entry.day("effective_from", required=False) or contract.start_date
        data = TargetInput(
            target_value=entry.raw.get("target"),
            tolerance=entry.raw.get("tolerance", DEFAULT_TOLERANCE),
            min_denominator=entry.raw.get("min_denominator", DEFAULT_MIN_DENOMINATOR),
            effective_from=effective,
        )
        value_problems, cleaned = version_problems(contract, data)
        if value_problems:
            names = {"target_value": "target"}
            for name, message in value_problems.items():
                entry.fail(names.get(name, name), message)
            continue
        canonical = MEASURES[measure].clean_params(params)
        target = target_find(contract, measure, canonical)
        if target is None:
            target_create(
                contract=contract,
                measure=measure,
                params=canonical,
                data=data,
                actor=None,
                actor_label=label,
            )
            report.count("created", "targets")
            continue
        same_date = target.versions.filter(effective_from=effective).exists()
        in_force = (
            target.versions.filter(effective_from__lte=effective)
            .order_by("-effective_from", "-recorded_at", "-id")
            .first()
        )
        if same_date or (in_force is not None and not in_force.is_end and _same_values(in_force, cleaned)):
            if same_date and not _same_values(
                target.versions.filter(effective_from=effective).last(), cleaned
            ):
                report.notes.append(
                    f"{entry.where}: left alone: a version from {effective} already exists with other values; "
                    "to change the target, give a later effective_from"
                )
            report.count("unchanged", "targets")
            continue
        version_create(target=target, data=data, actor=None, actor_label=label)
        report.count("created", "target versions")


def _same_values(version: TargetVersion | None, cleaned: dict) -> bool:
    return (
        version is not None
        and not version.is_end
        and version.target_value == cleaned["target_value"]
        and version.tolerance == cleaned["tolerance"]
        and version.min_denominator == cleaned["min_denominator"]
    )


def _import_contracts(items: list, problems: list[str], report: ImportReport, label: str) -> None:
    seen: set[tuple[str, str]] = set()
    for index, raw in enumerate(items):
        where = f"contracts[{index}]{_label(raw, 'reference')}"
        entry = _Entry(raw, where, problems)
        before = len(problems)
        reference = entry.text("reference")
        lead_name = entry.text("lead_commissioner")
        lead = (
            _find(CommissioningBody, lead_name, entry, "lead_commissioner", "commissioner")
            if lead_name
            else None
        )
        provider_name = entry.text("provider")
        provider = _find(Provider, provider_name, entry, "provider", "provider") if provider_name else None
        partners = [
            _find(CommissioningBody, n, entry, "partner_commissioners", "commissioner")
            for n in entry.names("partner_commissioners")
        ]
        subcontractors = [
            _find(Provider, n, entry, "subcontractors", "provider") for n in entry.names("subcontractors")
        ]
        start, end = entry.day("start"), entry.day("end")
        key = (lead.name if lead else "", reference.lower())
        if lead and reference and key in seen:
            entry.fail("reference", f"{reference} appears twice in the file for {lead.name}")
        seen.add(key)
        existing = (
            Contract.objects.filter(lead_commissioner=lead, reference__iexact=reference).first()
            if lead and reference
            else None
        )
        # Every field is read (and its problems recorded) before the entry is judged.
        title, service_type = entry.text("title"), entry.text("service_type")
        annual_value, hourly_rate = entry.money("annual_value"), entry.money("hourly_rate")
        lot = entry.text("lot", required=False)
        status = entry.text(
            "status", required=False, default=existing.status if existing else ContractStatus.ACTIVE
        )
        return_due_day = entry.whole("return_due_day", 10)
        qaf_compliance_window_weeks = entry.whole("qaf_compliance_window_weeks", 12)
        # A missing or unknown provider and a missing or bad date are problems recorded above.
        if len(problems) > before or lead is None or provider is None or start is None or end is None:
            continue
        data = ContractInput(
            reference=reference,
            title=title,
            service_type=service_type,
            provider=provider,
            start_date=start,
            end_date=end,
            subcontractors=[p for p in subcontractors if p],
            partner_commissioners=[c for c in partners if c],
            annual_value=annual_value,
            hourly_rate=hourly_rate,
            lot=lot,
            status=status,
            return_due_day=return_due_day,
            qaf_compliance_window_weeks=qaf_compliance_window_weeks,
        )
        try:
            contract, changes = contract_save(
                lead=lead, data=data, existing=existing, actor=None, actor_label=label
            )
        except ValidationError as error:
            names = {"start_date": "start", "end_date": "end"}
            for field_name, messages in error.message_dict.items():
                entry.fail(names.get(field_name, field_name), " ".join(messages))
            continue
        report.count("created" if existing is None else ("updated" if changes else "unchanged"), "contracts")
        _import_targets(contract, entry.raw.get("targets", []), where, problems, report, label)


def contracts_import(data: Any, *, label: str = IMPORT_LABEL) -> ImportReport:
    """Apply an import file's contents, or raise ImportFailed with every problem and change nothing.

    ``label`` names the import in the audit log and the target history.
    """
    if not isinstance(data, dict):
        raise ImportFailed(
            ["The file must contain one JSON object with commissioners, providers and contracts"]
        )
    problems: list[str] = []
    unknown = sorted(set(data) - {"commissioners", "providers", "contracts"})
    if unknown:
        problems.append(
            f"Unknown top-level entries: {', '.join(unknown)} (expected commissioners, providers, contracts)"
        )
    sections = {}
    for name in ("commissioners", "providers", "contracts"):
        value = data.get(name, [])
        if not isinstance(value, list):
            problems.append(f"{name}: must be a list")
            value = []
        sections[name] = value
    report = ImportReport()
    with transaction.atomic():
        _import_commissioners(sections["commissioners"], problems, report, label)
        _import_providers(sections["providers"], problems, report, label)
        _import_contracts(sections["contracts"], problems, report, label)
        if problems:
            raise ImportFailed(problems)  # rolls back everything applied so far
    return report
