"""``manage.py jobs``: what background work is waiting, late or failed, and "try again" for the
on-call engineer (the same as the pages' "Try again" and the admin's action)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.jobs import OPEN, job_retry, jobs_sweep
from accounts.models import Job, JobStatus


class Command(BaseCommand):
    help = "List background work that is waiting, queued or failed; try failed work again; sweep now."

    def add_arguments(self, parser):
        parser.add_argument("--retry", type=int, nargs="*", metavar="ID", help="Try these failed jobs again.")
        parser.add_argument("--retry-failed", action="store_true", help="Try every failed job again.")
        parser.add_argument("--sweep", action="store_true", help="Queue what is due or lost, now.")

    def handle(self, *args, retry=None, retry_failed=False, sweep=False, **options):
        if retry or retry_failed:
            failed = Job.objects.filter(status=JobStatus.FAILED)
            chosen = failed if retry_failed else failed.filter(pk__in=retry)
            missing = set(retry or ()) - set(chosen.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No failed job with id {', '.join(map(str, sorted(missing)))}.")
            for job in chosen:
                with transaction.atomic():
                    job_retry(job)
                self.stdout.write(f"Trying again: job {job.pk}, {job.label}")
        if sweep:
            done = jobs_sweep()
            self.stdout.write(
                f"Swept: {done.queued} queued, {done.requeued} queued again, {done.failed} failed, "
                f"{done.orphans} given a job."
            )
        now = timezone.now()
        shown = Job.objects.filter(status__in=(*OPEN, JobStatus.FAILED)).order_by("created_at")
        if not shown.exists():
            self.stdout.write("No background work is waiting, queued or failed.")
            return
        for job in shown:
            age = timesince(job.created_at, now)
            error = f" — {job.last_error.splitlines()[0][:120]}" if job.last_error else ""
            self.stdout.write(
                f"{job.pk:>8}  {job.get_status_display():<20} try {job.tries}/{job.max_tries}  "
                f"{age} old  {job.label}{error}"
            )
