"""python manage.py seed_demo — load (or refresh) the demo data and print the demo sign-ins."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo.api_tokens import demo_api_tokens_seed
from commissioning.demo.notices import notice_seed
from commissioning.demo.organisations import DEMO_PASSWORD, demo_seed
from commissioning.demo.qaf import qaf_seed
from commissioning.notices.models import NoticeSuggestion, SuggestionStatus
from outcomes.demo.returns import returns_seed
from outcomes.demo.reviews import review_seed
from outcomes.notice_suggestions.refresh import suggestions_refresh


class Command(BaseCommand):
    help = (
        "Create or refresh demo organisations, people (one per role), contracts, 18 months of returns, "
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
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off. Demo accounts share a published password: never use on live data.",
        )

    def handle(self, *args, allow_production: bool = False, skip_returns: bool = False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "Refusing to load demo accounts with DEBUG off: they share a published password. "
                "Use --allow-production only on a demonstration server."
            )
        people = demo_seed()
        tokens = demo_api_tokens_seed()
        months = 0 if skip_returns else returns_seed()
        qaf_seed()
        notices = notice_seed()
        meetings = review_seed()
        # Suggestions follow the data just loaded (a re-seed replaced the notices drafted from any).
        NoticeSuggestion.objects.filter(status=SuggestionStatus.DRAFTED, notice__isnull=True).delete()
        suggestions = suggestions_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data is ready ({months} monthly returns loaded this time; {notices} notices "
                f"refreshed; {meetings} review meetings refreshed; {suggestions['created']} new notice "
                "suggestions)."
            )
        )
        self.stdout.write(
            f"\nSign in at {settings.SITE_URL}/account/sign-in/ — every demo password is: {DEMO_PASSWORD}\n"
        )
        width = max(len(p.email) for p in people)
        for person in people:
            self.stdout.write(f"  {person.email.ljust(width)}  {person.organisation}: {person.label}")
        self.stdout.write("\nDemo API tokens (shown only now; the next run replaces them):")
        for demo, secret in tokens:
            self.stdout.write(f"  {demo.organisation}, {demo.name} ({demo.can}):")
            self.stdout.write(f'    curl -H "Authorization: Bearer {secret}" {settings.SITE_URL}/api/v1/me/')
