"""The commissioner's QAF tracker as a table: the one set of columns and rows behind the tracker's
CSV, its Excel workbook and the portfolio exports, with the tracker page's filters.

The rows read the stored statuses (``QafStatus``), which are refreshed after every change to a
provider's assessments or contracts and nightly as windows close; reading never computes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from accounts.access import Acting
from commissioning.qaf.forms import TrackerFilterForm
from commissioning.qaf.selectors import tracker_rows_for

TRACKER_COLUMNS = [
    "Provider",
    "CQC location ID",
    "CQC rating",
    "CQC rating date",
    "QAF status",
    "Why",
    "Last assessment completed",
    "Compliance window ends",
    "Next assessment due",
    "Assessment under way (started)",
]
NOT_COMPUTED = "Not yet computed"


def tracker_filters(data: Any) -> tuple[str, str]:
    """(QAF status, CQC rating) from the tracker's filter form; a bad value is ignored, as on the page."""
    form = TrackerFilterForm(data or None)
    if form.is_bound and form.is_valid():
        return form.cleaned_data["status"], form.cleaned_data["cqc_rating"]
    return "", ""


def tracker_rows(acting: Acting, *, status: str, cqc_rating: str) -> Iterator[list[object]]:
    """The commissioner's QAF tracker rows, one per provider, in ``TRACKER_COLUMNS`` order."""
    for row in tracker_rows_for(acting, status=status, cqc_rating=cqc_rating):
        provider, stored = row.provider, row.status
        yield [
            provider.name,
            provider.cqc_location_id or "",
            provider.get_cqc_rating_display(),
            provider.cqc_rating_date or "",
            stored.get_status_display() if stored else NOT_COMPUTED,
            stored.reason if stored else "",
            row.last_completed_on or "",
            (stored.window_ends_on or "") if stored else "",
            (stored.next_due_on or "") if stored else "",
            (row.in_progress.started_on or "") if row.in_progress else "",
        ]
