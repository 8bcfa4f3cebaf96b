"""The columns of the monthly data standard (MDS v1.1), their allowed values and the file limits.

Normative source: the return format specification (return-format.md). Everything a provider's
file is checked against is declared here once, so the documentation, the blank template and the
validator cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

EPISODES = "episodes"
SURVEY = "survey"

FORMAT_VERSION = "1.1"
# What changed in v1.1, as the guide and the template's guidance sheet say it.
CHANGES_IN_THIS_VERSION = (
    "Dates may be written day first, as UK spreadsheets save them: 03/04/2025 or 03/04/2025 14:30 "
    "(3 April). Month-first dates and two-digit years are refused.",
    "A date-only column (ended_on) accepts a time of exactly midnight, as a spreadsheet's date cell saved "
    "to CSV; any other time there is an error.",
    "A totals row at the bottom is reported as one error: delete it.",
    "The same problem down a column is reported once, with its rows.",
    "Checks against last month's accepted return (episodes left out, a large fall in open episodes, "
    "a person, service type, referral source or referral date that changed) are warnings the approver "
    "acknowledges one by one.",
    "at_home_91_days filled in before day 91 after the referral is an error: it cannot be known yet.",
)

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
    """One column of a table in the standard: its name, whether the header must hold it, its rule, and
    (for a coded column) every allowed value, exactly as it must be typed."""

    name: str
    required: bool
    rule: str
    allowed: tuple[str, ...] = ()

    @property
    def described(self) -> str:
        """The rule with the allowed values, as the guide, the template and the messages say it."""
        if not self.allowed:
            return self.rule
        values = ", ".join(self.allowed[:-1]) + " or " + self.allowed[-1]
        return f"{self.rule}: {values}"


EPISODE_COLUMN_SPECS: tuple[Column, ...] = (
    Column("episode_ref", True, "your reference for the episode of care: 1-64 letters, digits, - or _"),
    Column("person_ref", True, "your pseudonymous ID for the person: 1-64 letters, digits, - or _"),
    Column("service_type", True, "the kind of care", SERVICE_TYPES),
    Column("referral_source", True, "where the referral came from", REFERRAL_SOURCES),
    Column("age_band", True, "the person's age band", AGE_BANDS),
    Column("dementia", True, "whether the person has a dementia diagnosis", YES_NO),
    Column("end_of_life", True, "whether this is end-of-life care", YES_NO),
    Column(
        "referred_at",
        True,
        "a date or date and time, day first: 03/04/2025 or 03/04/2025 14:30 (or 2025-04-03T14:30)",
    ),
    Column("first_visit_at", False, "a date or date and time, as referred_at; blank if care has not started"),
    Column("weekly_hours_start", True, "planned hours per week at the start, 0 to 168"),
    Column("weekly_hours_now", True, "planned hours per week now (or at the end), 0 to 168"),
    Column("ended_on", False, "a date: 30/04/2025 (or 2025-04-30); blank if the episode is still open"),
    Column("end_reason", False, "why the episode ended; filled in exactly when ended_on is", END_REASONS),
    Column("died_in_preferred_place", False, "blank unless end_reason is died", YES_NO),
    Column(
        "at_home_91_days",
        False,
        "for hospital_discharge episodes, once 91 days after the referral have passed; blank before",
        YES_NO,
    ),
)

SURVEY_COLUMN_SPECS: tuple[Column, ...] = (
    Column("measure_code", True, "the survey measure", SURVEY_MEASURE_CODES),
    Column("numerator", True, "a whole number, 0 or more: respondents answering yes"),
    Column("denominator", True, "a whole number, at least the numerator: respondents"),
)

TABLE_COLUMNS: dict[str, tuple[Column, ...]] = {EPISODES: EPISODE_COLUMN_SPECS, SURVEY: SURVEY_COLUMN_SPECS}

# The column names in the standard's order: the header row of the blank template.
EPISODE_COLUMNS: tuple[str, ...] = tuple(column.name for column in EPISODE_COLUMN_SPECS)
SURVEY_COLUMNS: tuple[str, ...] = tuple(column.name for column in SURVEY_COLUMN_SPECS)
