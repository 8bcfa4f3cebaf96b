"""The service's date formats for British English, GOV.UK style ("15 December 2026", "14:30"): the
settings' house formats, which Django's own en_GB formats ("15 Dec 2026", "2:30 p.m.") would otherwise
override on every page, PDF and email. Input formats stay Django's."""

from django.conf import settings

DATE_FORMAT = settings.DATE_FORMAT
DATETIME_FORMAT = settings.DATETIME_FORMAT
TIME_FORMAT = settings.TIME_FORMAT
SHORT_DATETIME_FORMAT = settings.SHORT_DATETIME_FORMAT
