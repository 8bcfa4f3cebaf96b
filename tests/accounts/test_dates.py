"""One way of writing dates on pages, PDFs and emails: "15 December 2026", times "14:30"."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from django.conf import settings
from django.template import Context, Template
from django.utils import dateformat

from accounts.dates import day_label, moment_label

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_a_day_and_a_moment_in_words():
    assert day_label(date(2026, 12, 4)) == "4 December 2026"
    assert day_label(None) == ""
    # 14:30 in London in winter is 14:30 UTC; in summer the clock is an hour on.
    assert moment_label(datetime(2026, 12, 4, 14, 30, tzinfo=UTC)) == "14:30 on 4 December 2026"
    assert moment_label(datetime(2026, 6, 4, 14, 30, tzinfo=UTC)) == "15:30 on 4 June 2026"


def test_the_pure_day_label_agrees_with_the_settings_format():
    for day in (date(2026, 1, 1), date(2026, 12, 31), date(2027, 5, 9)):
        assert day_label(day) == dateformat.format(day, settings.DATE_FORMAT)


def test_templates_write_dates_and_times_in_the_house_format_without_being_told():
    html = Template("{{ day }} | {{ day|date }} | {{ moment }} | {{ moment|time }}").render(
        Context({"day": date(2026, 12, 15), "moment": datetime(2026, 12, 15, 9, 5, tzinfo=UTC)})
    )
    assert html == "15 December 2026 | 15 December 2026 | 15 December 2026, 09:05 | 09:05"


def test_a_day_kept_as_iso_text_is_shown_in_words():
    html = Template("{% load govuk %}{{ old|iso_day }} → {{ new|iso_day }} ({{ other|iso_day }})").render(
        Context({"old": "2026-10-10", "new": "2026-11-10", "other": "not a date"})
    )
    assert html == "10 October 2026 → 10 November 2026 (not a date)"


def test_no_page_abbreviates_months_or_writes_numeric_dates():
    """Abbreviated months only in the scorecard's quarter headings (docs/spec-readings.md); "Ymd" only
    compares two days."""
    short = re.compile(r'\|date:"(?!Ymd")[^"]*[Mbd/][^"]*"')
    found = [
        f"{path.relative_to(TEMPLATES)}: {match}"
        for path in TEMPLATES.rglob("*")
        if path.suffix in {".html", ".txt"}
        for match in short.findall(path.read_text())
        if path.name != "scorecard.html"
    ]
    assert found == []


def test_python_writes_no_numeric_dates_into_sentences():
    """Numeric dates stay only where people type or read a file's own format (the return editor and
    file checks) and in the organisation export's file."""
    allowed = {
        "outcomes/returns/editor.py",
        "outcomes/mds/previous.py",
        "outcomes/organisation_export/build.py",
        "outcomes/models.py",
        "commissioning/qaf/views_cqc.py",
    }
    base = Path(settings.BASE_DIR)
    found = [
        str(path.relative_to(base))
        for app in ("accounts", "commissioning", "outcomes", "providers", "config")
        for path in (base / app).rglob("*.py")
        if "%d/%m/%Y" in path.read_text() and str(path.relative_to(base)) not in allowed
    ]
    assert found == []
