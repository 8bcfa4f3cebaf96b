"""python manage.py import_return — validate (and optionally accept) a monthly return file."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand

from commissioning.models import Contract
from outcomes.models import AttemptStatus
from outcomes.periods import LONDON, parse_month
from outcomes.returns.services import return_import

REPORT_KEYS = ("sheet", "row", "column", "message")


class UsageError(Exception):
    """Bad usage: exit status 2 with the message."""


class Command(BaseCommand):
    help = (
        "Validate a monthly return (CSV or XLSX) for a contract and month; with --accept, sign it off and accept "
        "it if it has no errors. Exit status: 0 accepted (or valid), 1 rejected, 2 bad usage."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="The return file (CSV or XLSX). Leave out with --nil.")
        parser.add_argument("--contract", required=True, help="The contract reference, e.g. RCC-HC-001")
        parser.add_argument("--period", required=True, help="The month, YYYY-MM")
        parser.add_argument("--survey", help="The survey table as a CSV (with a CSV episodes file)")
        parser.add_argument("--nil", action="store_true", help="A nil return: no episodes this month")
        parser.add_argument(
            "--accept", action="store_true", help="Sign off and accept it if it has no errors"
        )
        parser.add_argument("--submitted-at", help="The submission time to record (ISO 8601); default now")
        parser.add_argument("--json", action="store_true", help="Print the validation report as JSON")

    def handle(self, *args, **options):
        try:
            attempt = self._run(options)
        except UsageError as error:
            self.stderr.write(str(error))
            sys.exit(2)
        status = attempt.status if attempt.status != AttemptStatus.SUPERSEDED else AttemptStatus.ACCEPTED
        report = {
            "status": status,
            "errors": [{key: problem.get(key) for key in REPORT_KEYS} for problem in attempt.errors],
            "warnings": [{key: problem.get(key) for key in REPORT_KEYS} for problem in attempt.warnings],
            "episodes": attempt.episode_count,
        }
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
        else:
            self._print(report, attempt)
        if status == AttemptStatus.REJECTED:
            sys.exit(1)

    def _run(self, options):
        try:
            parse_month(options["period"])
        except ValueError as error:
            raise UsageError(f"--period: {error}") from None
        matches = list(
            Contract.objects.filter(reference__iexact=options["contract"].strip()).select_related(
                "lead_commissioner", "provider"
            )
        )
        if not matches:
            raise UsageError(f"There is no contract with the reference {options['contract']!r}.")
        if len(matches) > 1:
            leads = ", ".join(c.lead_commissioner.name for c in matches)
            raise UsageError(
                f"The reference {options['contract']!r} is used by more than one commissioner ({leads})."
            )
        if options["nil"] and options["path"]:
            raise UsageError("Give either a file or --nil, not both.")
        if not options["nil"] and not options["path"]:
            raise UsageError("Give the return file, or --nil for a nil return.")
        submitted_at = None
        if options["submitted_at"]:
            try:
                submitted_at = datetime.fromisoformat(options["submitted_at"].strip().replace("Z", "+00:00"))
            except ValueError:
                raise UsageError(
                    "--submitted-at must be an ISO 8601 date-time, like 2025-05-09T16:30:00"
                ) from None
            if submitted_at.tzinfo is None:
                submitted_at = submitted_at.replace(tzinfo=LONDON)
        file_bytes, filename = None, ""
        if options["path"]:
            path = Path(options["path"])
            if not path.is_file():
                raise UsageError(f"There is no file at {options['path']}.")
            file_bytes, filename = path.read_bytes(), path.name
        survey_bytes, survey_name = None, ""
        if options["survey"]:
            survey_path = Path(options["survey"])
            if not survey_path.is_file():
                raise UsageError(f"There is no survey file at {options['survey']}.")
            survey_bytes, survey_name = survey_path.read_bytes(), survey_path.name
        return return_import(
            contract=matches[0],
            period=options["period"],
            file_bytes=file_bytes,
            filename=filename,
            survey_bytes=survey_bytes,
            survey_filename=survey_name,
            nil=options["nil"],
            accept=options["accept"],
            submitted_at=submitted_at,
        )

    def _print(self, report: dict, attempt) -> None:
        label = {
            "accepted": "Accepted",
            "valid": "Valid (not accepted: add --accept)",
            "rejected": "Rejected",
        }
        self.stdout.write(
            f"{label.get(report['status'], report['status'])}: {report['episodes']} episodes, "
            f"{len(report['errors'])} errors, {len(report['warnings'])} warnings"
            + (f", version {attempt.version}" if attempt.version else "")
            + (" (late)" if attempt.late else "")
        )
        for kind in ("errors", "warnings"):
            for problem in report[kind]:
                where = ", ".join(
                    str(part)
                    for part in (
                        problem["sheet"],
                        f"row {problem['row']}" if problem["row"] else None,
                        problem["column"],
                    )
                    if part
                )
                self.stdout.write(f"  {kind[:-1]}: {where}: {problem['message']}")
