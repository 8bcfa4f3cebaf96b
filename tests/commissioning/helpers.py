"""Helpers shared by the contract and target tests."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

from accounts.access import Acting, acting_for
from accounts.models import AuditEntry
from commissioning.models import Contract, Target, TargetVersion
from commissioning.services import ContractInput

SUMMARY = re.compile(r'<div class="govuk-error-summary".*?</ul>', re.S)
SUMMARY_ITEM = re.compile(r'<li><a href="#([^"]*)">(.*?)</a></li>', re.S)


def acting(user, organisation=None) -> Acting:
    """The Acting a service needs for ``user`` in ``organisation`` (default: their first membership)."""
    found = acting_for(user, organisation.pk if organisation is not None else None)
    assert found is not None
    return found


def contract_input(provider, **overrides) -> ContractInput:
    """A valid contract's input; override any field."""
    values = {
        "reference": "RCC-HC-001",
        "title": "Homecare, North locality",
        "service_type": "homecare",
        "provider": provider,
        "start_date": date(2025, 4, 1),
        "end_date": date(2028, 3, 31),
        "annual_value": Decimal("1250000.00"),
        "hourly_rate": Decimal("14.30"),
        "return_due_day": 10,
    }
    values.update(overrides)
    return ContractInput(**values)


def row_counts() -> dict[str, int]:
    """Rows of everything a contract or target write could create."""
    return {
        "contracts": Contract.objects.count(),
        "targets": Target.objects.count(),
        "versions": TargetVersion.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def error_summary(response) -> list[tuple[str, str]]:
    """The (link target, message) pairs of the page's GOV.UK error summary; [] when it has none."""
    content = response.content.decode()
    found = SUMMARY.search(content)
    if not found:
        return []
    return [(href, html.unescape(text).strip()) for href, text in SUMMARY_ITEM.findall(found.group(0))]


def page_text(response) -> str:
    return html.unescape(response.content.decode())
