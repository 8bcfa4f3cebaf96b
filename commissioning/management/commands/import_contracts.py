"""python manage.py import_contracts PATH — load organisations, contracts and targets from JSON."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from commissioning.services import ImportFailed, contracts_import


class Command(BaseCommand):
    help = (
        "Load commissioners, providers, contracts and outcome targets from a JSON file. Idempotent (running it "
        "twice changes nothing) and all-or-nothing (one bad entry: nothing is applied, exit status 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The JSON file (see docs/import-contracts.md)")

    def handle(self, *args, path: str, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"There is no file at {path}.")
        try:
            data = json.loads(file.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text. Save it as UTF-8 JSON and try again.") from None
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{path} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}. Nothing was imported."
            ) from None
        try:
            report = contracts_import(data)
        except ImportFailed as failure:
            self.stderr.write(f"Nothing was imported: {len(failure.problems)} problem(s) to fix in {path}:")
            for problem in failure.problems:
                self.stderr.write(f"  - {problem}")
            raise CommandError("Import failed; fix the problems above and run it again.") from None
        for outcome in ("created", "updated", "unchanged"):
            counts = getattr(report, outcome)
            if counts:
                summary = ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items()))
                self.stdout.write(f"{outcome.capitalize()}: {summary}")
        for note in report.notes:
            self.stdout.write(f"Note: {note}")
        if not report.changed_anything:
            self.stdout.write("Nothing to change: the service already matches the file.")
        self.stdout.write(self.style.SUCCESS(f"Imported {path}."))
