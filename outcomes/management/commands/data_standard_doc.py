"""``manage.py data_standard_doc [--check | --write] [--file PATH]``: docs/data-standard.md from the data
standard's definitions (outcomes/mds/columns.py), the same ones the validator, the blank templates and
the guide page use. Without an option it prints the document; --write replaces the file; --check exits
1 when the file differs from what the definitions give."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from outcomes.returns.data_standard import DOC_PATH, data_standard_markdown


class Command(BaseCommand):
    help = (
        "Write docs/data-standard.md from the data standard's definitions (--write), check that it is "
        "current (--check, exit 1 if not), or print it."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--check", action="store_true", help="Exit 1 if the file is out of date.")
        action.add_argument("--write", action="store_true", help="Replace the file with the current text.")
        parser.add_argument(
            "--file",
            type=Path,
            default=DOC_PATH,
            help="The document's path (default: docs/data-standard.md).",
        )

    def handle(self, *args, **options):
        text = data_standard_markdown()
        path: Path = options["file"]
        if options["write"]:
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"Wrote {path}")
        elif options["check"]:
            try:
                current = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                current = None
            if current != text:
                self.stderr.write(
                    f"{path} is not what the data standard's definitions give: run "
                    "python manage.py data_standard_doc --write and commit the result."
                )
                sys.exit(1)
            self.stdout.write(f"{path} is current.")
        else:
            self.stdout.write(text, ending="")
