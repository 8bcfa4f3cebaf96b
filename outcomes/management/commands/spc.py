"""python manage.py spc --csv PATH --better higher|lower [--target T] [--baseline B] [--json] — the product's
SPC method (XmR limits, the four rules, the variation and assurance icons) on any series of values."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.management.base import BaseCommand

from outcomes.statistics.spc import (
    MINIMUM_POINTS,
    SCREEN,
    Analysis,
    NotEnoughPoints,
    PointType,
    fixed,
    spc_analyse,
)


class SeriesFileError(ValueError):
    """A series file that cannot be read: the message names the row and what to fix."""


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip().removesuffix("%").strip().replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def series_read(path: Path) -> tuple[list[tuple[str, Decimal]], list[str]]:
    """The (period, value) rows of a ``period,value`` CSV in file order (a header row is optional), and
    the periods left out because their value is empty (a month with no value)."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise SeriesFileError(f"There is no file at {path}.") from None
    except IsADirectoryError:
        raise SeriesFileError(f"{path} is a folder, not a CSV file.") from None
    except UnicodeDecodeError:
        raise SeriesFileError(
            f"{path} is not a text file in UTF-8: save it as CSV UTF-8 and try again."
        ) from None
    rows = [row for row in csv.reader(text.splitlines()) if any(cell.strip() for cell in row)]
    if not rows:
        raise SeriesFileError(f"{path} is empty: it needs a period,value row for each month.")
    period_at, value_at, first = 0, 1, 0
    header = [cell.strip().lower() for cell in rows[0]]
    if len(header) < 2 or _number(rows[0][1]) is None:
        if "period" not in header or "value" not in header:
            raise SeriesFileError(f"Row 1: the columns must be period,value (found {','.join(rows[0])!r}).")
        period_at, value_at, first = header.index("period"), header.index("value"), 1
    series: list[tuple[str, Decimal]] = []
    left_out: list[str] = []
    for number, row in enumerate(rows[first:], start=first + 1):
        if len(row) <= max(period_at, value_at):
            raise SeriesFileError(
                f"Row {number}: it has {len(row)} column(s); each row needs a period and a value."
            )
        period, value = row[period_at].strip(), row[value_at].strip()
        if not period:
            raise SeriesFileError(f"Row {number}: the period is empty; give each row the month it is for.")
        if not value:
            left_out.append(period)
            continue
        parsed = _number(value)
        if parsed is None:
            raise SeriesFileError(f"Row {number} ({period}): the value {value!r} is not a number.")
        series.append((period, parsed))
    return series, left_out


def analysis_json(analysis: Analysis) -> dict:
    """The analysis as ``spc --json`` prints it (spec/spc.md, Interface)."""
    limits = analysis.limits
    return {
        "n": analysis.n,
        "mean": fixed(limits.mean),
        "lower": fixed(limits.lower),
        "upper": fixed(limits.upper),
        "near_lower": fixed(limits.near_lower),
        "near_upper": fixed(limits.near_upper),
        "points": [
            {
                "period": point.period,
                "value": fixed(point.value),
                "type": point.type.value,
                "rules": sorted(point.rules),
            }
            for point in analysis.points
        ],
        "variation": analysis.variation.value,
        "assurance": analysis.assurance.value if analysis.assurance else None,
    }


def _target(text: str) -> Decimal:
    number = _number(text)
    if number is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number: give the target as a percentage, e.g. 66"
        )
    return number


def _baseline(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of points") from None
    if number < MINIMUM_POINTS:
        raise argparse.ArgumentTypeError(f"a baseline needs at least {MINIMUM_POINTS} points, not {number}")
    return number


TYPE_WORDS = {
    PointType.COMMON_CAUSE: "common cause",
    PointType.IMPROVEMENT: "special cause improvement",
    PointType.CONCERN: "special cause concern",
}


class Command(BaseCommand):
    help = (
        "Statistical process control (XmR) of a series: process limits, the four special-cause rules and the "
        "variation and assurance icons, the method the product shows beside every target."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--csv",
            required=True,
            type=Path,
            help="A CSV with columns period,value, one row per month in order",
        )
        parser.add_argument(
            "--better", required=True, choices=["higher", "lower"], help="Which way is better"
        )
        parser.add_argument(
            "--target", type=_target, help="The target in force at the latest point (for assurance)"
        )
        parser.add_argument(
            "--baseline", type=_baseline, help=f"Fix the limits on the first B points (B ≥ {MINIMUM_POINTS})"
        )
        parser.add_argument("--json", action="store_true", help="Print the analysis as JSON")

    def handle(self, *args, **options):
        try:
            series, left_out = series_read(options["csv"])
        except SeriesFileError as error:
            self.stderr.write(f"--csv: {error}")
            sys.exit(2)
        try:
            analysis = spc_analyse(
                series,
                higher_is_better=options["better"] == "higher",
                target=options["target"],
                baseline=options["baseline"],
            )
        except NotEnoughPoints as error:
            self.stderr.write(f"{str(error)[0].upper()}{str(error)[1:]}.")
            sys.exit(1)
        except ValueError as error:
            self.stderr.write(f"--baseline: {error}.")
            sys.exit(2)
        if options["json"]:
            self.stdout.write(json.dumps(analysis_json(analysis), indent=2))
            return
        self._print(analysis, left_out)

    def _print(self, analysis: Analysis, left_out: list[str]) -> None:
        limits, one = analysis.limits, lambda value: fixed(value, 1)
        better = "higher" if analysis.higher_is_better else "lower"
        source = (
            f"a fixed baseline of the first {limits.baseline} points"
            if analysis.fixed_baseline
            else f"all {limits.baseline} points"
        )
        self.stdout.write(f"SPC (XmR) of {analysis.n} values, {better} is better; limits from {source}.")
        if left_out:
            self.stdout.write(f"Left out, with no value: {', '.join(left_out)}.")
        self.stdout.write(
            f"Mean {one(limits.mean)}; process limits {one(limits.lower)} to {one(limits.upper)}; "
            f"near limits {one(limits.near_lower)} to {one(limits.near_upper)}."
        )
        self.stdout.write(
            f"Average moving range {fixed(limits.mr_bar, 3)} over {limits.ranges - limits.screened} of "
            f"{limits.ranges} ranges ({limits.screened} screened out at {float(SCREEN)} × their average or more)."
        )
        self.stdout.write("")
        width = max(6, *(len(point.period) for point in analysis.points))
        self.stdout.write(f"{'Period':<{width}}  {'Value':>7}  {'Type':<26}  Rules")
        for point in analysis.points:
            rules = ", ".join(str(rule) for rule in sorted(point.rules)) or "–"
            self.stdout.write(
                f"{point.period:<{width}}  {one(point.value):>7}  {TYPE_WORDS[point.type]:<26}  {rules}"
            )
        self.stdout.write("")
        self.stdout.write(f"Variation: {analysis.variation.value}. {analysis.variation_sentence}.")
        if analysis.assurance:
            self.stdout.write(f"Assurance: {analysis.assurance.value}. {analysis.assurance_sentence}.")
        else:
            self.stdout.write(f"Assurance: none. {analysis.assurance_sentence} (give --target).")
