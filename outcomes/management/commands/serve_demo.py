"""python manage.py serve_demo [addrport] — the development server, for the demo (`make demo`).

It is `runserver`, printing the demo sign-ins after its start-up lines, so that they are the last
thing a newcomer reads before the requests begin.
"""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.runserver import Command as RunserverCommand

from commissioning.demo.organisations import sign_in_lines


class Command(RunserverCommand):
    help = "Serve the demo (as runserver), then print the demo sign-ins."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo server runs only with DEBUG on (make demo sets it).")
        super().handle(*args, **options)

    def on_bind(self, server_port):
        super().on_bind(server_port)
        self.stdout.write("")
        for line in sign_in_lines(settings.SITE_URL):
            self.stdout.write(line)
        self.stdout.write(
            "\nHelp, at the top of every page, has a guide for each role. Emails the demo sends are printed here.\n"
        )
