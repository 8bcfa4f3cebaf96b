"""python manage.py seed_demo — load (or refresh) the demo data and print the demo sign-ins."""

import logging
from contextlib import contextmanager

from django.conf import settings
from django.core import mail
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from accounts.demo.api_tokens import demo_api_tokens_seed
from commissioning.demo.notices import notice_seed
from commissioning.demo.organisations import demo_seed, sign_in_lines
from commissioning.demo.qaf import qaf_seed
from commissioning.notices.models import NoticeSuggestion, SuggestionStatus
from outcomes.demo.returns import returns_seed
from outcomes.demo.reviews import review_seed
from outcomes.notice_suggestions.refresh import suggestions_refresh


@contextmanager
def _quiet_tasks():
    """Tasks run in-process while loading: a line for each would bury what the command prints."""
    trace = logging.getLogger("celery.app.trace")
    level = trace.level
    trace.setLevel(logging.WARNING)
    try:
        yield
    finally:
        trace.setLevel(level)


class Command(BaseCommand):
    help = (
        "Create or refresh demo organisations, people (one per role), contracts, every month's returns "
        "from the contracts' start to the last month ended (dates follow today), "
        "a year of QAF assessments, five quarters of Notices of Concern and breach notices, and a year of "
        "quarterly review meetings for two contracts (notices and meetings are replaced on every run, so "
        "their dates stay current), and two API tokens (replaced on every run). Safe to run repeatedly."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--skip-returns",
            action="store_true",
            help="Load people and contracts only (quicker; with no results there are no review meetings)",
        )
        parser.add_argument(
            "--no-sign-ins",
            action="store_true",
            help="Leave out the sign-ins (make demo prints them once the server is up, with serve_demo)",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off. Demo accounts share a published password: never use on live data.",
        )

    def handle(
        self,
        *args,
        allow_production: bool = False,
        skip_returns: bool = False,
        no_sign_ins: bool = False,
        **options,
    ):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to load demo accounts with DEBUG off: they share a published password. "
                "Use --allow-production only on a demonstration server."
            )
        # The emails loading sends (invitations, notices, receipts) are counted, not printed: the
        # sign-ins are what a newcomer needs to see. Once the demo runs, every email is printed.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"), _quiet_tasks():
            mail.outbox = []
            demo_seed()
            tokens = demo_api_tokens_seed()
            months = 0 if skip_returns else returns_seed()
            qaf_seed()
            notices = notice_seed()
            meetings = review_seed()
            # Suggestions follow the data just loaded (a re-seed replaced the notices drafted from any).
            NoticeSuggestion.objects.filter(status=SuggestionStatus.DRAFTED, notice__isnull=True).delete()
            suggestions = suggestions_refresh()
            emails = len(mail.outbox)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data is ready ({months} monthly returns loaded this time; {notices} notices "
                f"refreshed; {meetings} review meetings refreshed; {suggestions['created']} new notice "
                f"suggestions; {emails} emails sent while loading, not shown)."
            )
        )
        self.stdout.write("\nDemo API tokens (shown only now; the next run replaces them):")
        for demo, secret in tokens:
            self.stdout.write(f"  {demo.organisation}, {demo.name} ({demo.can}):")
            self.stdout.write(f'    curl -H "Authorization: Bearer {secret}" {settings.SITE_URL}/api/v1/me/')
        if not no_sign_ins:
            self.stdout.write("")
            for line in sign_in_lines(settings.SITE_URL):
                self.stdout.write(line)
