"""Dates and times written into page text, messages, letters and emails, in the house format
(settings.DATE_FORMAT, GOV.UK style: "15 December 2026"; times "14:30"). Templates use the same
formats through ``|date`` and ``|time``; exports keep ISO dates. A day alone is written by
outcomes.periods.day_label, pure Python so the measure library and periods can use it too."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.utils import dateformat, timezone

from outcomes.periods import day_label

__all__ = ["day_label", "moment_label"]


def moment_label(moment: datetime | None) -> str:
    """A moment in the service's time zone, e.g. "14:30 on 4 December 2026" ("" for none)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{dateformat.time_format(local, settings.TIME_FORMAT)} on {day_label(local.date())}"
