"""``python manage.py apply_retention [--dry-run] [--today YYYY-MM-DD]``: delete the person-level data
of every contract whose lead body's retention period has passed since it ended
(outcomes.retention.apply); figures are kept. Also run nightly."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from outcomes.retention.apply import retention_apply


class Command(BaseCommand):
    help = "Delete person-level data of contracts ended longer ago than their retention period."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what is due; delete nothing.")
        parser.add_argument("--today", help="The day to judge from, YYYY-MM-DD (default: today).")

    def handle(self, *args, dry_run: bool = False, today: str | None = None, **options) -> None:
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError(f"--today must be a date like 2026-12-06, not {today!r}.") from None
        done = retention_apply(today=day, dry_run=dry_run)
        verb = "Due" if dry_run else "Deleted"
        for item in done:
            facts = item.details()
            self.stdout.write(
                f"{verb}: {facts['contract']} (ended {facts['ended']}, kept {facts['retention_years']} years): "
                f"{facts['episodes']} episodes, {facts['return_files']} return files, "
                f"{facts['validation_reports']} validation reports, {facts['notice_files']} notice files, "
                f"{facts['evidence_files']} evidence files"
            )
        self.stdout.write(
            f"{len(done)} contract{'s' if len(done) != 1 else ''} "
            + ("due; nothing deleted (dry run)." if dry_run else "done; their figures are kept.")
        )
