"""python manage.py import_cqc_ratings PATH --as EMAIL [--organisation NAME] — CQC ratings from CSV."""

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from accounts.access import acting_for
from accounts.models import Organisation, User
from commissioning.qaf.cqc import cqc_ratings_import


class Command(BaseCommand):
    help = (
        "Import CQC ratings from a CSV file (Location ID, Location name, Rating, Rating date) for the "
        "providers a commissioning body contracts, as one of its quality officers or commissioners. "
        "All-or-nothing (one bad row: nothing is stored, exit status 1); a row already recorded is skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file, as on the Import CQC ratings page")
        parser.add_argument(
            "--as",
            dest="email",
            required=True,
            help="Email address of the person importing (recorded and audited)",
        )
        parser.add_argument(
            "--organisation", default="", help="Name of the commissioning body, if the person is in several"
        )

    def handle(self, *args, path: str, email: str, organisation: str, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"There is no file at {path}.")
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No one has the email address {email}.")
        chosen = None
        if organisation:
            chosen = Organisation.objects.filter(
                name__iexact=organisation.strip(), memberships__user=user
            ).first()
            if chosen is None:
                raise CommandError(f"{email} is not a member of an organisation named {organisation!r}.")
        acting = acting_for(user, chosen.pk if chosen else None)
        if acting is None:
            raise CommandError(f"{email} is not a member of any organisation.")
        try:
            summary = cqc_ratings_import(acting=acting, file_bytes=file.read_bytes(), filename=file.name)
        except PermissionDenied as error:
            raise CommandError(str(error)) from None
        if summary.problems:
            self.stderr.write(f"Nothing was imported: {len(summary.problems)} problem(s) to fix in {path}:")
            for problem in summary.problems:
                where = f"row {problem.row}, column {problem.column}: " if problem.row else ""
                self.stderr.write(f"  - {where}{problem.message}")
            raise CommandError("Import failed; fix the problems above and run it again.")
        self.stdout.write(
            f"{summary.added} rating(s) added, {summary.already_recorded} already recorded, "
            f"{len(summary.changed)} provider(s) with a new current rating."
        )
        for change in summary.changed:
            self.stdout.write(f"  {change.provider.name}: {change.before} -> {change.after}")
        self.stdout.write(self.style.SUCCESS(f"Imported {path} for {acting.organisation.name}."))
