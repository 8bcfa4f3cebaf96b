"""The columns of the monthly data standard (MDS v1), their allowed values and the file limits.

Normative source: the return format specification (return-format.md). Everything a provider's
file is checked against is declared here once, so the documentation, the blank template and the
validator cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

EPISODES = "episodes"
SURVEY = "survey"

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_EPISODE_ROWS = 100_000

SERVICE_TYPES = ("short_term", "long_term")
REFERRAL_SOURCES = ("hospital_discharge", "community", "other")
AGE_BANDS = ("18-64", "65-74", "75-84", "85+")
YES_NO = ("Y", "N")
END_REASONS = (
    "independent",
    "transferred",
    "residential_care",
    "nursing_care",
    "hospital",
    "died",
    "moved_away",
    "other",
)
SURVEY_MEASURE_CODES = ("HEALTH_NEEDS_MET", "CARER_SUPPORTED", "DIED_WITH_DIGNITY")

# Columns whose values identify a person or an episode: masked whenever a value is shown back.
IDENTIFIER_COLUMNS = frozenset({"episode_ref", "person_ref"})


@dataclass(frozen=True)
class Column:
    """One column of a table in the standard: its name, whether the header must hold it, and its rule."""

    name: str
    required: bool
    rule: str


EPISODE_COLUMN_SPECS: tuple[Column, ...] = (
    Column("episode_ref", True, "your reference for the episode of care: 1-64 letters, digits, - or _"),
    Column("person_ref", True, "your pseudonymous ID for the person: 1-64 letters, digits, - or _"),
    Column("service_type", True, "short_term or long_term"),
    Column("referral_source", True, "hospital_discharge, community or other"),
    Column("age_band", True, "18-64, 65-74, 75-84 or 85+"),
    Column("dementia", True, "Y or N"),
    Column("end_of_life", True, "Y or N"),
    Column("referred_at", True, "a date or date and time, e.g. 2025-04-03 or 2025-04-03T14:30"),
    Column("first_visit_at", False, "a date or date and time, or blank if care has not started"),
    Column("weekly_hours_start", True, "planned hours per week at the start, 0 to 168"),
    Column("weekly_hours_now", True, "planned hours per week now (or at the end), 0 to 168"),
    Column("ended_on", False, "a date, e.g. 2025-04-30, or blank if the episode is still open"),
    Column("end_reason", False, "why the episode ended; filled in exactly when ended_on is"),
    Column("died_in_preferred_place", False, "Y, N or blank; only when end_reason is died"),
    Column("at_home_91_days", False, "Y, N or blank; for hospital_discharge episodes"),
)

SURVEY_COLUMN_SPECS: tuple[Column, ...] = (
    Column("measure_code", True, "HEALTH_NEEDS_MET, CARER_SUPPORTED or DIED_WITH_DIGNITY"),
    Column("numerator", True, "a whole number, 0 or more: respondents answering yes"),
    Column("denominator", True, "a whole number, at least the numerator: respondents"),
)

TABLE_COLUMNS: dict[str, tuple[Column, ...]] = {EPISODES: EPISODE_COLUMN_SPECS, SURVEY: SURVEY_COLUMN_SPECS}

# The column names in the standard's order: the header row of the blank template.
EPISODE_COLUMNS: tuple[str, ...] = tuple(column.name for column in EPISODE_COLUMN_SPECS)
SURVEY_COLUMNS: tuple[str, ...] = tuple(column.name for column in SURVEY_COLUMN_SPECS)
