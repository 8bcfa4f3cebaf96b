"""The columns of the monthly data standard (MDS v1.1), their allowed values, the file limits, and
every version of the standard with what changed in it.

Normative source: the return format specification (return-format.md). Everything a provider's
file is checked against is declared here once, so the documentation (the guide page, its PDF and
docs/data-standard.md), the blank template and the validator cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

EPISODES = "episodes"
SURVEY = "survey"


@dataclass(frozen=True)
class FormatVersion:
    """One version of the standard: its number, what changed in it (in plain English, as the guide,
    its PDF and the template's guidance sheet say it) and its date of publication, where known."""

    number: str
    changes: tuple[str, ...]
    published: date | None = None


# Every version of the standard, newest first: a new version goes at the top. The specification gives
# no date of publication for either version, so none is stated.
FORMAT_VERSIONS: tuple[FormatVersion, ...] = (
    FormatVersion(
        "1.1",
        (
            "Dates may be written day first, as UK spreadsheets save them: 03/04/2025 or 03/04/2025 14:30 "
            "(3 April). Month-first dates and two-digit years are refused. Real date cells in an Excel "
            "workbook are read whatever their format.",
            "A date-only column (ended_on) accepts a time of exactly midnight, as a spreadsheet's date cell "
            "saved to CSV; any other time there is an error.",
            "A totals row at the bottom is reported as one error: delete it. Blank rows are skipped anywhere.",
            "The same problem down a column is reported once, with its rows.",
            "Checks against last month's accepted return (episodes left out, a large fall in open episodes, "
            "a person, service type, referral source or referral date that changed) and an episode of a "
            "service type the contract does not commission are warnings the approver acknowledges one by "
            "one, each with an optional note.",
            "at_home_91_days filled in before day 91 after the referral is an error: it cannot be known yet.",
        ),
    ),
    FormatVersion(
        "1.0",
        (
            "First version: one row per episode of care (the episodes table) and the month's survey "
            "figures (the survey table), sent as a CSV file or an Excel workbook and accepted or "
            "rejected as a whole.",
        ),
    ),
)

# The version in force, and what changed in it: the guide, the template and the validator's
# fingerprint name it.
FORMAT_VERSION = FORMAT_VERSIONS[0].number
CHANGES_IN_THIS_VERSION = FORMAT_VERSIONS[0].changes

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
    """One column of a table in the standard: its name, whether the header must hold it, its rule,
    (for a coded column) every allowed value, exactly as it must be typed, and guidance: what else is
    checked and what the values mean, in plain English, for the guide and its PDF."""

    name: str
    required: bool
    rule: str
    allowed: tuple[str, ...] = ()
    guidance: str = ""

    @property
    def described(self) -> str:
        """The rule with the allowed values, as the guide, the template and the messages say it."""
        if not self.allowed:
            return self.rule
        values = ", ".join(self.allowed[:-1]) + " or " + self.allowed[-1]
        return f"{self.rule}: {values}"


EPISODE_COLUMN_SPECS: tuple[Column, ...] = (
    Column(
        "episode_ref",
        True,
        "your reference for the episode of care: 1-64 letters, digits, - or _",
        guidance="Unique in the file, and the same for the episode every month.",
    ),
    Column(
        "person_ref",
        True,
        "your pseudonymous ID for the person: 1-64 letters, digits, - or _",
        guidance="Never a name or an NHS number: a 10-digit number or a value with a space is refused.",
    ),
    Column(
        "service_type",
        True,
        "the kind of care",
        SERVICE_TYPES,
        guidance='Short term is reablement, hospital discharge "home first" or short-term enablement; long '
        "term is ongoing homecare.",
    ),
    Column("referral_source", True, "where the referral came from", REFERRAL_SOURCES),
    Column("age_band", True, "the person's age band", AGE_BANDS),
    Column("dementia", True, "whether the person has a dementia diagnosis", YES_NO),
    Column(
        "end_of_life",
        True,
        "whether this is end-of-life care",
        YES_NO,
        guidance="Palliative care counts as end-of-life care.",
    ),
    Column(
        "referred_at",
        True,
        "a date or date and time, day first: 03/04/2025 or 03/04/2025 14:30 (or 2025-04-03T14:30)",
        guidance="When the referral was received, UK time; a date alone means midnight. Not after the end "
        "of the month.",
    ),
    Column(
        "first_visit_at",
        False,
        "a date or date and time, as referred_at; blank if care has not started",
        guidance="When the first visit happened. Not before the referral.",
    ),
    Column(
        "weekly_hours_start",
        True,
        "planned hours per week at the start, 0 to 168",
        guidance="For example 10 or 10.5.",
    ),
    Column(
        "weekly_hours_now",
        True,
        "planned hours per week now (or at the end), 0 to 168",
        guidance="As planned at the end of the month, or when the episode ended.",
    ),
    Column(
        "ended_on",
        False,
        "a date: 30/04/2025 (or 2025-04-30); blank if the episode is still open",
        guidance="Not before the first visit, and not after the end of the month.",
    ),
    Column(
        "end_reason",
        False,
        "why the episode ended; filled in exactly when ended_on is",
        END_REASONS,
        guidance="Independent: the person needs no further formal care. Transferred: to another provider or "
        "service, including ongoing homecare after reablement.",
    ),
    Column(
        "died_in_preferred_place",
        False,
        "blank unless end_reason is died",
        YES_NO,
        guidance="You are warned if it is blank for an end-of-life death.",
    ),
    Column(
        "at_home_91_days",
        False,
        "for hospital_discharge episodes, once 91 days after the referral have passed; blank before",
        YES_NO,
        guidance="Was the person living at home 91 days after the referral? Filling it in before then is an "
        "error; you are warned if it is blank once 91 days have passed by the end of the month.",
    ),
)

SURVEY_COLUMN_SPECS: tuple[Column, ...] = (
    Column(
        "measure_code",
        True,
        "the survey measure",
        SURVEY_MEASURE_CODES,
        guidance="HEALTH_NEEDS_MET: people who said their health needs were met; CARER_SUPPORTED: carers "
        "who feel supported; DIED_WITH_DIGNITY: relatives who said the person died with dignity.",
    ),
    Column("numerator", True, "a whole number, 0 or more: respondents answering yes"),
    Column("denominator", True, "a whole number, at least the numerator: respondents"),
)

TABLE_COLUMNS: dict[str, tuple[Column, ...]] = {EPISODES: EPISODE_COLUMN_SPECS, SURVEY: SURVEY_COLUMN_SPECS}

# The column names in the standard's order: the header row of the blank template.
EPISODE_COLUMNS: tuple[str, ...] = tuple(column.name for column in EPISODE_COLUMN_SPECS)
SURVEY_COLUMNS: tuple[str, ...] = tuple(column.name for column in SURVEY_COLUMN_SPECS)
