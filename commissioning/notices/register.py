"""The notice register: its filters (a GET form), the quarter pickers, the filtered list and the CSV export.

Every function here takes notices already scoped to the acting organisation
(``commissioning.notices.selectors.notices_for``): a provider's register holds only the notices
issued to it, never drafts. The quarter filter is the issue quarter, read as the figures read it
(``clock_start_on``: for a correction, the day the notice it corrects was issued).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import cast

from django import forms
from django.db.models import F, Min, QuerySet
from django.utils import timezone

from accounts.downloads import csv_bytes
from accounts.govuk_forms import GovukFormMixin
from commissioning.filter_fields import contract_filter, provider_filter
from commissioning.models import Contract
from commissioning.notices.figures import ended_on
from commissioning.notices.models import (
    OPEN_STATUSES,
    Notice,
    NoticeKind,
    NoticeReason,
    NoticeStatus,
)
from commissioning.qaf.portfolio import quarter_label
from outcomes.periods import Period, add_months, latest_ended_quarter, parse_period, quarter_period
from providers.models import Provider

OPEN = "open"  # the status filter's "any open status"
MAX_QUARTERS = 20  # five years of quarters in a picker
QUARTER_HINT = "Quarters run April to June (Q1) to January to March (Q4), and are written like 2025-26-Q1."


# --- Quarters ------------------------------------------------------------------------------------


def figures_default_quarter(today: date | None = None) -> Period:
    """The latest quarter that has ended: a quarter in progress would show part of its notices."""
    return latest_ended_quarter(today or timezone.localdate())


def notice_quarters(notices: QuerySet[Notice], today: date | None = None) -> list[Period]:
    """Quarters to choose from, newest first: from the quarter of the first notice issued (or two
    years back, whichever is earlier) to the current quarter, at most five years."""
    current = quarter_period(today or timezone.localdate())
    earliest = quarter_period(add_months(current.start, -24))
    first = notices.aggregate(first=Min("clock_start_on"))["first"]
    if first is not None:
        earliest = min(earliest, quarter_period(first))
    quarters: list[Period] = []
    start = current.start
    while start >= earliest.start and len(quarters) < MAX_QUARTERS:
        quarters.append(quarter_period(start))
        start = add_months(start, -3)
    return quarters


def _quarter_choices(quarters: list[Period]) -> list[tuple[str, str]]:
    return [(q.identifier, quarter_label(q)) for q in quarters]


# --- Forms ---------------------------------------------------------------------------------------


class RegisterFilterForm(forms.Form):
    """The register's filters. Providers see only their own notices, so they get no provider filter
    and no draft status."""

    provider = provider_filter()
    contract = contract_filter()
    type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "Any type"), *NoticeKind.choices],
        error_messages={"invalid_choice": "Choose a type of notice from the list"},
    )
    reason = forms.ChoiceField(
        label="Reason",
        required=False,
        choices=[("", "Any reason"), *NoticeReason.choices],
        error_messages={"invalid_choice": "Choose a reason from the list"},
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        error_messages={"invalid_choice": "Choose a status from the list"},
    )
    quarter = forms.ChoiceField(
        label="Issued in",
        required=False,
        error_messages={"invalid_choice": f"Choose a quarter from the list. {QUARTER_HINT}"},
    )

    def __init__(
        self, *args, notices: QuerySet[Notice], quarters: list[Period], for_provider: bool, **kwargs
    ):
        super().__init__(*args, **kwargs)
        if for_provider:
            del self.fields["provider"]
        else:
            providers = cast("forms.ModelChoiceField[Provider]", self.fields["provider"])
            providers.queryset = Provider.objects.filter(pk__in=notices.values("provider_id")).order_by(
                "name"
            )
        contracts = cast("forms.ModelChoiceField[Contract]", self.fields["contract"])
        contracts.queryset = Contract.objects.filter(pk__in=notices.values("contract_id")).order_by(
            "reference"
        )
        # The stubs declare label_from_instance a method: setting it on this instance needs the ignore.
        contracts.label_from_instance = lambda obj: f"{obj.reference}: {obj.title}"  # type: ignore[method-assign]
        statuses = [(value, label) for value, label in NoticeStatus.choices]
        if for_provider:
            statuses = [(value, label) for value, label in statuses if value != NoticeStatus.DRAFT]
        status = cast(forms.ChoiceField, self.fields["status"])
        status.choices = [("", "Any status"), (OPEN, "Open (any open status)"), *statuses]
        quarter = cast(forms.ChoiceField, self.fields["quarter"])
        quarter.choices = [("", "Any quarter"), *_quarter_choices(quarters)]

    def filters(self) -> dict:
        """The filters that are valid (a bound form's bad values are left out, and shown as errors)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


class FiguresQuarterForm(GovukFormMixin, forms.Form):
    quarter = forms.ChoiceField(
        label="Quarter", error_messages={"invalid_choice": f"Choose a quarter from the list. {QUARTER_HINT}"}
    )

    def __init__(self, *args, quarters: list[Period], **kwargs):
        super().__init__(*args, **kwargs)
        quarter = cast(forms.ChoiceField, self.fields["quarter"])
        quarter.choices = _quarter_choices(quarters)


# --- The list and its export --------------------------------------------------------------------


def register_filter(notices: QuerySet[Notice], filters: dict) -> QuerySet[Notice]:
    """The scoped notices narrowed by the register's filters (``RegisterFilterForm.filters()``),
    drafts first, then the most recently issued."""
    if provider := filters.get("provider"):
        notices = notices.filter(provider=provider)
    if contract := filters.get("contract"):
        notices = notices.filter(contract=contract)
    if kind := filters.get("type"):
        notices = notices.filter(kind=kind)
    if reason := filters.get("reason"):
        notices = notices.filter(reason=reason)
    if status := filters.get("status"):
        notices = (
            notices.filter(status__in=OPEN_STATUSES) if status == OPEN else notices.filter(status=status)
        )
    if quarter := filters.get("quarter"):
        period = parse_period(quarter)
        notices = notices.filter(clock_start_on__range=(period.start, period.end))
    return notices.order_by(F("issued_at").desc(nulls_first=True), "-id")


def days_open(notice: Notice, today: date | None = None) -> int | None:
    """Calendar days from the issue day to the day it was closed, or to today while it is open;
    None for a draft."""
    if notice.clock_start_on is None or notice.issued_at is None:
        return None
    end = ended_on(notice) or today or timezone.localdate()
    return (end - notice.clock_start_on).days


REGISTER_CSV_COLUMNS = (
    "Notice",
    "Contract reference",
    "Provider",
    "Commissioner",
    "Type",
    "Reason",
    "NoC category",
    "Complexity",
    "Contract clause",
    "Status",
    "Issued on",
    "Remedy due",
    "Target closure",
    "Closed on",
    "Closed reason",
    "Escalated from",
    "Supersedes",
    "Days open",
)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def register_csv_rows(notices: Iterable[Notice], today: date | None = None) -> Iterator[list[object]]:
    """One row per notice, in ``REGISTER_CSV_COLUMNS`` order; dates as YYYY-MM-DD."""
    today = today or timezone.localdate()
    for notice in notices:
        yield [
            notice.pk,
            notice.contract.reference,
            notice.provider.name,
            notice.commissioner.name,
            notice.get_kind_display(),
            notice.get_reason_display(),
            notice.get_noc_category_display() if notice.noc_category else "",
            notice.get_complexity_display() if notice.complexity else "",
            notice.clause,
            notice.get_status_display(),
            _iso(notice.clock_start_on),
            _iso(notice.remedy_due_on),
            _iso(notice.target_close_on),
            _iso(ended_on(notice)),
            notice.get_closed_reason_display() if notice.closed_reason else "",
            notice.escalated_from_id or "",
            notice.supersedes_id or "",
            "" if (days := days_open(notice, today)) is None else days,
        ]


def register_csv(notices: Iterable[Notice], today: date | None = None) -> bytes:
    """The register as a UTF-8 CSV that Excel opens safely (no cell is run as a formula)."""
    return csv_bytes(REGISTER_CSV_COLUMNS, register_csv_rows(notices, today))
