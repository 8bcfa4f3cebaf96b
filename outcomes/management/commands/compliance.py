"""python manage.py compliance --contract REF --period PERIOD [--stored] [--json] — compute, store and
print results, or (``--stored``) print what is stored now, as every page, pack, export and API answer shows it."""

from __future__ import annotations

import json
import sys
from decimal import Decimal

from django.core.management.base import BaseCommand

from commissioning.models import Contract
from outcomes.measures import MEASURES
from outcomes.models import ComplianceResult, ResultOverride
from outcomes.periods import parse_period
from outcomes.results.compute import results_compute
from outcomes.results.selectors import months_text, stored_results


def one_decimal(value: Decimal | None) -> str | None:
    """A percentage as text with at least one decimal place: 66 → "66.0", 73.8 → "73.8", 66.25 → "66.25"."""
    if value is None:
        return None
    normal = value.normalize()
    return f"{normal:.1f}" if normal.as_tuple().exponent >= -1 else format(normal, "f")


def result_row(
    result: ComplianceResult, override: ResultOverride | None = None, *, stored: bool = False
) -> dict:
    """A result as ``compliance --json`` prints it (interfaces.md); as stored (``--stored``), ``rag`` is
    the RAG in force and ``computed_rag`` the computed one beside it."""
    measure = MEASURES[result.target.measure]
    row = {
        "measure": measure.code,
        "params": measure.clean_params(result.target.params),
        "target": one_decimal(result.target_version.target_value),
        "tolerance": one_decimal(result.target_version.tolerance),
        "numerator": result.numerator,
        "denominator": result.denominator,
        "value": one_decimal(result.value),
        "rag": override.rag if override else result.rag,
        "not_rated_reason": result.not_rated_reason,
        "direction": result.direction,
        "pending": result.pending,
        "missing": result.missing,
        "incomplete": result.incomplete,
        "missing_months": result.missing_months,
        "restated": result.restated,
    }
    if stored:
        row = {**row, "computed_rag": result.rag}
    return row


class Command(BaseCommand):
    help = (
        "Compute (synchronously, storing results as the background job does) and print every target's result."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contract", required=True, help="The contract reference")
        parser.add_argument(
            "--period", required=True, help="2025-04, 2025-26-Q1, 2025-26-YTD-06 or R12-2025-06"
        )
        parser.add_argument(
            "--stored",
            action="store_true",
            help="Compute nothing: print the results as stored now, with the RAG in force after any override",
        )
        parser.add_argument("--json", action="store_true", help="Print the results as JSON")

    def handle(self, *args, **options):
        try:
            period = parse_period(options["period"])
        except ValueError as error:
            self.stderr.write(f"--period: {error}")
            sys.exit(2)
        matches = list(Contract.objects.filter(reference__iexact=options["contract"].strip()))
        if len(matches) != 1:
            self.stderr.write(
                f"There is no contract with the reference {options['contract']!r}."
                if not matches
                else f"The reference {options['contract']!r} is used by more than one commissioner."
            )
            sys.exit(2)
        contract = matches[0]
        if options["stored"]:
            shown = stored_results(contract, period.identifier)
            if not shown:
                self.stderr.write(
                    f"No results are stored for {contract.reference} {period.identifier}. Results are kept "
                    "for the periods whose months hold an accepted return (a year to date or rolling twelve "
                    "months once its last month has ended); run without --stored to compute this period."
                )
                sys.exit(1)
        else:
            shown = [(result, None) for result in results_compute(contract=contract, period=period)]
        rows = [result_row(result, override, stored=options["stored"]) for result, override in shown]
        outside = {id(row): result.outside_term_months for row, (result, _) in zip(rows, shown, strict=True)}
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {"contract": contract.reference, "period": period.identifier, "results": rows}, indent=2
                )
            )
            return
        self.stdout.write(
            f"{contract.reference} {contract.title}: {period.identifier} "
            f"({period.start:%-d %b %Y} to {period.end:%-d %b %Y})"
        )
        for row in rows:
            figure = (
                f"{row['value']}% ({row['numerator']}/{row['denominator']})"
                if row["value"]
                else (f"— ({row['numerator']}/{row['denominator']})")
            )
            marks = [m for m, on in (("incomplete", row["incomplete"]), ("restated", row["restated"])) if on]
            if outside[id(row)]:
                marks.append(f"outside the contract's term: {months_text(outside[id(row)])}")
            if row.get("computed_rag", row["rag"]) != row["rag"]:
                marks.append(f"overridden, computed {row['computed_rag']}")
            self.stdout.write(
                f"  {row['measure']:<22} {figure:<22} target {row['target']}%  {row['rag']}"
                + (f" ({row['not_rated_reason']})" if row["not_rated_reason"] else "")
                + f"  {row['direction']}"
                + (f"  pending {row['pending']}" if row["pending"] else "")
                + (f"  [{', '.join(marks)}]" if marks else "")
            )
