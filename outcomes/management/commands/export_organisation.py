"""``python manage.py export_organisation ID FILE.zip``: everything held about one organisation, as a
zip of CSV files (outcomes.organisation_export.build), for a subject access request, an auditor or the
end of a contract. Recorded in the organisation's audit log."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.audit import audit_record
from accounts.models import Organisation
from outcomes.organisation_export.build import organisation_export


class Command(BaseCommand):
    help = "Export everything held about one organisation as a zip of CSV files."

    def add_arguments(self, parser) -> None:
        parser.add_argument("organisation", type=int, help="The organisation's id (see the admin site).")
        parser.add_argument("path", help="The zip file to write.")

    def handle(self, *args, organisation: int, path: str, **options) -> None:
        found = Organisation.objects.filter(pk=organisation).first()
        if found is None:
            raise CommandError(f"There is no organisation with id {organisation}.")
        target = Path(path)
        if target.exists():
            raise CommandError(f"{target} exists already: choose a new file name.")
        counts = organisation_export(found, target)
        audit_record(
            actor=None,
            action="organisation.exported",
            obj=found,
            organisation=found,
            actor_label="Service operator (export_organisation)",
            details={"files": counts},
        )
        self.stdout.write(
            f"Wrote {target}: {len(counts)} files, {sum(counts.values())} rows, for {found.name}."
        )
