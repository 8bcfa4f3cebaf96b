#!/usr/bin/env python
"""Django's command-line utility for this service."""

import os
import sys

from config.environment import ConfigurationError


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    try:
        # Load settings first so a bad environment variable gives one clear message, not a traceback.
        from django.conf import settings

        settings.INSTALLED_APPS  # noqa: B018
    except ConfigurationError as exc:
        sys.stderr.write(f"{exc}\n")
        sys.exit(2)
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
