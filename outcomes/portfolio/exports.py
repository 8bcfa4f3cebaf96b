"""The rows of the portfolio exports: compliance results, the notice register and the QAF tracker.

Each function takes the acting organisation and returns the header and rows a CSV or XLSX is
written from; the formats differ only in how they are written (``accounts.downloads.csv_bytes``
or ``accounts.downloads.xlsx_bytes``).

Results: one row per latest stored result (``is_latest``) of the contracts whose results the
organisation may see (``result_contracts_for``: the prime provider and the contract's lead and
partner commissioners). The RAG filter is the RAG shown: an override in force replaces the computed
RAG, and both are in the row.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accounts.access import Acting
from commissioning.models import Contract
from commissioning.notices import register as notice_register
from commissioning.notices.register import RegisterFilterForm, register_filter
from commissioning.notices.selectors import notices_for
from outcomes.measures import MEASURES, target_measure_name
from outcomes.periods import MONTH, QUARTER, ROLLING_12, YEAR_TO_DATE, parse_period
from outcomes.results.overrides import overrides_in_force
from outcomes.results.selectors import (
    DIRECTION_LABELS,
    NOT_RATED_LABELS,
    RAG_LABELS,
    result_contracts_for,
    results_shown,
)

PERIOD_KINDS = [
    (QUARTER, "Quarter"),
    (YEAR_TO_DATE, "Year to date"),
    (MONTH, "Month"),
    (ROLLING_12, "Rolling twelve months"),
]
PERIOD_HINT = (
    "Write the period like 2026-27-Q2 (a quarter), 2026-27-YTD-09 (a year to date) or 2026-09 (a month)."
)

RESULT_COLUMNS = [
    "Contract",
    "Provider",
    "Commissioner",
    "Measure",
    "Parameters",
    "Period",
    "Period kind",
    "Numerator",
    "Denominator",
    "Value (%)",
    "Computed RAG",
    "RAG shown",
    "Overridden",
    "Direction",
    "Not rated because",
    "Incomplete",
    "Restated",
    "Computed at",
]


# --- Results -------------------------------------------------------------------------------------


class ResultFilterForm(forms.Form):
    """The results export's filters (GET parameters): all optional."""

    contract = forms.ModelChoiceField(
        queryset=Contract.objects.none(),
        required=False,
        error_messages={"invalid_choice": "Choose one of the contracts whose results you can see"},
    )
    measure = forms.ChoiceField(
        required=False, error_messages={"invalid_choice": "Choose a measure code from the measure library"}
    )
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "Any kind"), *PERIOD_KINDS],
        error_messages={"invalid_choice": "Choose quarter, ytd, month or r12 as the period kind"},
    )
    period = forms.CharField(required=False, max_length=20)
    rag = forms.ChoiceField(
        required=False,
        choices=[("", "Any RAG"), *RAG_LABELS.items()],
        error_messages={"invalid_choice": "Choose green, amber, red or not_rated as the RAG"},
    )

    def __init__(self, *args, contracts: QuerySet[Contract], **kwargs):
        super().__init__(*args, **kwargs)
        contract = cast("forms.ModelChoiceField[Contract]", self.fields["contract"])
        contract.queryset = contracts
        measure = cast(forms.ChoiceField, self.fields["measure"])
        measure.choices = [
            ("", "Any measure"),
            *((code, m.name) for code, m in MEASURES.items()),
        ]

    def clean_period(self) -> str:
        text = self.cleaned_data["period"].strip()
        if text:
            try:
                parse_period(text)
            except ValueError:
                raise forms.ValidationError(f"{text!r} is not a period. {PERIOD_HINT}") from None
        return text

    def filters(self) -> dict:
        """The valid filters of a bound form (call ``is_valid`` first to see the errors)."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {name: value for name, value in self.cleaned_data.items() if value}


def result_filter_form(acting: Acting, data) -> ResultFilterForm:
    """The filter form, bound to the request's GET parameters (unbound when there are none)."""
    return ResultFilterForm(data or None, contracts=result_contracts_for(acting))


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def result_rows(acting: Acting, filters: dict) -> Iterator[list[object]]:
    """The latest results the organisation may see, narrowed by the filters, in ``RESULT_COLUMNS`` order."""
    results = results_shown(contract__in=result_contracts_for(acting)).select_related(
        "contract__provider", "contract__lead_commissioner", "target"
    )
    if contract := filters.get("contract"):
        results = results.filter(contract=contract)
    if measure := filters.get("measure"):
        results = results.filter(target__measure=measure)
    if kind := filters.get("kind"):
        results = results.filter(period_kind=kind)
    if period := filters.get("period"):
        results = results.filter(period=parse_period(period).identifier)
    found = list(
        results.order_by("contract__reference", "target__measure", "target_id", "period_end", "period")
    )
    overrides = overrides_in_force(list({r.target_id for r in found}), list({r.period for r in found}))
    wanted_rag = filters.get("rag")
    for result in found:
        override = overrides.get((result.target_id, result.period))
        shown = override.rag if override else result.rag
        if wanted_rag and shown != wanted_rag:
            continue
        measure = MEASURES.get(result.target.measure)
        yield [
            result.contract.reference,
            result.contract.provider.name,
            result.contract.lead_commissioner.name,
            target_measure_name(measure, result.target.params) if measure else result.target.measure,
            measure.describe_params(result.target.params) if measure and measure.parameters else "",
            result.period,
            result.period_kind,
            result.numerator,
            result.denominator,
            result.value,
            RAG_LABELS.get(result.rag, result.rag),
            RAG_LABELS.get(shown, shown),
            _yes(override is not None),
            DIRECTION_LABELS.get(result.direction, result.direction),
            NOT_RATED_LABELS.get(result.not_rated_reason or "", ""),
            _yes(result.incomplete),
            _yes(result.restated),
            timezone.localtime(result.computed_at).replace(tzinfo=None, microsecond=0),
        ]


# --- The notice register -------------------------------------------------------------------------


def notice_register_form(acting: Acting, data) -> tuple[RegisterFilterForm, QuerySet]:
    """The register's own filter form over the organisation's notices (as the register page builds it)."""
    notices = notices_for(acting)
    form = RegisterFilterForm(
        data or None,
        notices=notices,
        quarters=notice_register.notice_quarters(notices),
        for_provider=acting.is_provider,
    )
    return form, notices


def notice_rows(notices: QuerySet, filters: dict, today: date | None = None) -> Iterator[list[object]]:
    """The register rows, exactly as the register CSV has them (``REGISTER_CSV_COLUMNS``)."""
    return notice_register.register_csv_rows(register_filter(notices, filters), today)


# --- The QAF tracker -----------------------------------------------------------------------------
