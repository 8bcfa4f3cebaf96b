"""``manage.py verify_audit``: walk the audit log's hash chain and check that the database still
refuses changes to it. Exit status 0 when both hold, 1 when either does not."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand

from accounts.audit_check import audit_check


class Command(BaseCommand):
    help = (
        "Check the audit log: every entry's hash matches its content and links to the entry before it, "
        "and the database refuses changes to entries. Prints 'N entries, chain intact' or the first break."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, **options):
        check = audit_check()
        if options["json"]:
            self.stdout.write(json.dumps(check.as_dict(), indent=2))
        else:
            for line in check.lines():
                self.stdout.write(line)
            head = check.chain.head_id
            if head is not None:
                self.stdout.write(f"Newest entry: {head}, hash {check.chain.head_hash}")
        if not check.passed:
            sys.exit(1)
