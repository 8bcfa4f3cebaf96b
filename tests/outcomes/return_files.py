"""Monthly return files for tests, built in memory: CSV bytes, XLSX bytes (openpyxl), episodes."""

from __future__ import annotations

import csv
import io

import openpyxl

PERIOD = "2025-05"
HEADER = [
    "episode_ref",
    "person_ref",
    "service_type",
    "referral_source",
    "age_band",
    "dementia",
    "end_of_life",
    "referred_at",
    "first_visit_at",
    "weekly_hours_start",
    "weekly_hours_now",
    "ended_on",
    "end_reason",
    "died_in_preferred_place",
    "at_home_91_days",
]
SURVEY_HEADER = ["measure_code", "numerator", "denominator"]


def episode(ref: str, **cells: str) -> dict[str, str]:
    """A valid episodes row for May 2025 (open, short-term, community); ``cells`` override columns."""
    row = {
        "episode_ref": ref,
        "person_ref": f"P-{ref}",
        "service_type": "short_term",
        "referral_source": "community",
        "age_band": "85+",
        "dementia": "N",
        "end_of_life": "N",
        "referred_at": "2025-05-03T14:30",
        "first_visit_at": "2025-05-04T09:00",
        "weekly_hours_start": "10",
        "weekly_hours_now": "8",
        "ended_on": "",
        "end_reason": "",
        "died_in_preferred_place": "",
        "at_home_91_days": "",
    }
    unknown = set(cells) - set(row)
    assert not unknown, f"not a column: {unknown}"
    row.update(cells)
    return row


def csv_bytes(rows: list[list]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def episodes_csv(*episodes: dict[str, str]) -> bytes:
    """An episodes CSV file (header and rows) for the given rows."""
    return csv_bytes([HEADER, *([row[column] for column in HEADER] for row in episodes)])


def survey_csv(*figures: tuple[str, int, int]) -> bytes:
    return csv_bytes([SURVEY_HEADER, *([code, str(n), str(d)] for code, n, d in figures)])


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Three episodes, no warnings; the third ended in May.
VALID_EPISODES = (
    episode("EP-1"),
    episode("EP-2", service_type="long_term", dementia="Y", weekly_hours_start="14", weekly_hours_now="10.5"),
    episode("EP-3", ended_on="2025-05-20", end_reason="independent", weekly_hours_now="0"),
)
# at_home_91_days answered for an episode that is not a hospital discharge: a warning, not an error.
WARNING_EPISODE = episode(
    "EP-W", referred_at="2025-02-10T09:00", first_visit_at="2025-02-11T10:00", at_home_91_days="Y"
)
# A person_ref of 10 digits could be an NHS number: an error.
ERROR_EPISODE = episode("EP-E", person_ref="9434765919")
