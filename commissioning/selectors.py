"""Reads about contracts and targets, scoped to what the acting organisation may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, TypeVar

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import Acting, Capability
from commissioning.models import Contract, Target, TargetVersion
from outcomes.measures import MEASURES, Measure, target_measure_name
from providers.models import Provider


def contract_visible_to(acting: Acting) -> QuerySet[Contract]:
    """Contracts the acting organisation is party to.

    Commissioners see contracts their body leads or is a partner in (joint contracts); providers
    see contracts they hold as prime provider or work on as a subcontractor.
    """
    organisation_id = acting.organisation.pk
    if acting.is_commissioner and acting.can(Capability.VIEW_PORTFOLIO):
        scope = Q(lead_commissioner_id=organisation_id) | Q(partner_commissioners__pk=organisation_id)
    elif acting.is_provider:
        scope = Q(provider_id=organisation_id) | Q(subcontractors__pk=organisation_id)
    else:
        return Contract.objects.none()
    ids = Contract.objects.filter(scope).values("pk")
    return Contract.objects.filter(pk__in=ids)


def providers_led_by(acting: Acting) -> QuerySet[Provider]:
    """The prime providers of contracts the acting commissioning body leads (none for a provider)."""
    if not acting.is_commissioner:
        return Provider.objects.none()
    led = Contract.objects.filter(lead_commissioner_id=acting.organisation.pk).values("provider_id")
    return Provider.objects.filter(pk__in=led)


def contract_returns_visible_to(acting: Acting) -> QuerySet[Contract]:
    """Contracts whose monthly returns and results the acting organisation may see: the prime
    provider's own, and those its commissioning body leads or is a partner in. A subcontractor sees
    the contract, but its data travels in the prime provider's return, which only the prime sees."""
    if acting.is_provider:
        return Contract.objects.filter(provider_id=acting.organisation.pk)
    if acting.is_commissioner and acting.can(Capability.VIEW_PORTFOLIO):
        return contract_visible_to(acting)
    return Contract.objects.none()


@dataclass(frozen=True)
class ContractFilter:
    """Filters of the contract list; every field is optional."""

    text: str = ""
    provider_id: int | None = None
    commissioner_id: int | None = None
    status: str = ""
    service_type: str = ""


def contract_list_for(acting: Acting, contract_filter: ContractFilter | None = None) -> QuerySet[Contract]:
    """The visible contracts, filtered, with their parties loaded."""
    contracts = (
        contract_visible_to(acting)
        .select_related("provider", "lead_commissioner")
        .prefetch_related("partner_commissioners", "subcontractors")
    )
    f = contract_filter or ContractFilter()
    if f.text:
        contracts = contracts.filter(
            Q(reference__icontains=f.text) | Q(title__icontains=f.text) | Q(lot__icontains=f.text)
        )
    if f.provider_id:
        contracts = contracts.filter(
            Q(provider_id=f.provider_id) | Q(subcontractors__pk=f.provider_id)
        ).distinct()
    if f.commissioner_id:
        contracts = contracts.filter(
            Q(lead_commissioner_id=f.commissioner_id) | Q(partner_commissioners__pk=f.commissioner_id)
        ).distinct()
    if f.status:
        contracts = contracts.filter(status=f.status)
    if f.service_type:
        contracts = contracts.filter(service_type=f.service_type)
    return contracts.order_by("reference", "lead_commissioner__name")


def contract_get_for(acting: Acting, contract_id: int) -> Contract:
    """One contract the acting organisation is party to; 404 otherwise."""
    return get_object_or_404(contract_list_for(acting), pk=contract_id)


def target_get_for(acting: Acting, contract: Contract, target_id: int) -> Target:
    """One target of a contract already fetched through contract_get_for; 404 otherwise."""
    return get_object_or_404(
        Target.objects.select_related("contract__lead_commissioner"), pk=target_id, contract=contract
    )


class VersionDates(Protocol):
    """What ``version_in_force`` reads of a target version (a model or a row of its values)."""

    @property
    def effective_from(self) -> date: ...
    @property
    def recorded_at(self) -> datetime: ...
    @property
    def id(self) -> int: ...
    @property
    def is_end(self) -> bool: ...


VersionT = TypeVar("VersionT", bound=VersionDates)


def version_in_force(versions: Iterable[VersionT], on: date) -> VersionT | None:
    """The rule for the version that judges a period ending on ``on``: of the versions applying from
    on or before that day, the latest (by date, then the one recorded last); None when there is none
    or it ends the target. Every reader of a target's versions asks this function."""
    applying = [version for version in versions if version.effective_from <= on]
    if not applying:
        return None
    latest = max(applying, key=lambda version: (version.effective_from, version.recorded_at, version.id))
    return None if latest.is_end else latest


def target_version_in_force(target: Target, on: date) -> TargetVersion | None:
    """``version_in_force`` of one target: from its prefetched versions when it has them, else from
    the one version the rule can pick (one query)."""
    prefetched = getattr(target, "_prefetched_objects_cache", {}).get("versions")
    if prefetched is not None:
        return version_in_force(prefetched, on)
    latest = target.versions.filter(effective_from__lte=on).order_by(
        "-effective_from", "-recorded_at", "-id"
    )[:1]
    return version_in_force(latest, on)


@dataclass
class TargetRow:
    """A target as the contract page shows it: the version in force today and its history."""

    target: Target
    measure: Measure | None  # None for a measure code the library does not have
    name: str  # the target's measure named with its parameters in words
    params_text: str
    current: TargetVersion | None
    upcoming: list[TargetVersion] = field(default_factory=list)
    history: list[TargetVersion] = field(default_factory=list)
    ended: bool = False


def target_rows_for(contract: Contract, today: date | None = None) -> list[TargetRow]:
    """Every target of the contract with its versions (two queries in all)."""
    today = today or timezone.localdate()
    targets = list(contract.targets.prefetch_related("versions").order_by("id"))
    rows = []
    for target in targets:
        versions = sorted(target.versions.all(), key=lambda v: (v.effective_from, v.recorded_at, v.id))
        in_force = [v for v in versions if v.effective_from <= today]
        current = version_in_force(versions, today)
        measure = MEASURES.get(target.measure)
        rows.append(
            TargetRow(
                target=target,
                measure=measure,
                name=target_measure_name(measure, target.params) if measure else target.measure,
                params_text=measure.describe_params(target.params) if measure else "",
                current=current,
                upcoming=[v for v in versions if v.effective_from > today],
                history=versions,
                ended=bool(in_force) and in_force[-1].is_end,
            )
        )
    return rows
