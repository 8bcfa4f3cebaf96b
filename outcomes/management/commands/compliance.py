"""python manage.py compliance --contract REF --period PERIOD [--json] — compute, store and print results."""

from __future__ import annotations

import json
import sys
from decimal import Decimal

from django.core.management.base import BaseCommand

from commissioning.models import Contract
from outcomes.measures import MEASURES
from outcomes.periods import parse_period
from outcomes.results.compute import results_compute


def one_decimal(value: Decimal | None) -> str | None:
    """A percentage as text with at least one decimal place: 66 → "66.0", 73.8 → "73.8", 66.25 → "66.25"."""
    if value is None:
        return None
    normal = value.normalize()
    return f"{normal:.1f}" if normal.as_tuple().exponent >= -1 else format(normal, "f")


class Command(BaseCommand):
    help = (
        "Compute (synchronously, storing results as the background job does) and print every target's result."
    )

    def add_arguments(self, parser):
        parser.add_argument("--contract", required=True, help="The contract reference")
        parser.add_argument(
            "--period", required=True, help="2025-04, 2025-26-Q1, 2025-26-YTD-06 or R12-2025-06"
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
        results = results_compute(contract=contract, period=period)
        rows = []
        for result in results:
            measure = MEASURES[result.target.measure]
            rows.append(
                {
                    "measure": measure.code,
                    "params": measure.clean_params(result.target.params),
                    "target": one_decimal(result.target_version.target_value),
                    "tolerance": one_decimal(result.target_version.tolerance),
                    "numerator": result.numerator,
                    "denominator": result.denominator,
                    "value": one_decimal(result.value),
                    "rag": result.rag,
                    "not_rated_reason": result.not_rated_reason,
                    "direction": result.direction,
                    "pending": result.pending,
                    "missing": result.missing,
                    "incomplete": bool(result.missing_months),
                    "missing_months": result.missing_months,
                    "restated": result.restated,
                }
            )
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
            self.stdout.write(
                f"  {row['measure']:<22} {figure:<22} target {row['target']}%  {row['rag']}"
                + (f" ({row['not_rated_reason']})" if row["not_rated_reason"] else "")
                + f"  {row['direction']}"
                + (f"  pending {row['pending']}" if row["pending"] else "")
                + (f"  [{', '.join(marks)}]" if marks else "")
            )
