"""The measure calculators (outcomes.calculators) over returns loaded through the real pipeline.

Every case is small and hand-computed from measures.md; returns are loaded with
``return_import(..., accept=True)`` so that rows are stored exactly as accepted returns store them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from outcomes.measures import MEASURES
from outcomes.measures.rating import percentage
from outcomes.models import AttemptStatus, MonthlyReturn, ReturnAttempt
from outcomes.periods import LONDON, month_end, parse_period
from outcomes.results.calculators import Figures, Inputs, calculate
from outcomes.returns.services import return_import
from tests.factories import contract as make_contract
from tests.outcomes.return_files import ERROR_EPISODE, episode, episodes_csv, survey_csv

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=LONDON)  # every month used below has ended and is due


@pytest.fixture
def acme(returns):
    """Acme's contract RCC-HC-001 (1 April 2025 to 31 March 2028, returns due on the 10th)."""
    return returns.contract


@pytest.fixture
def older(returns):
    """A contract that began in April 2024, for March 2025 (when the clocks went forward)."""
    return make_contract(
        returns.world.council,
        returns.world.provider_a,
        reference="RCC-HC-000",
        start_date=date(2024, 4, 1),
        return_due_day=10,
    )


def accept(contract, period: str, *rows, survey=None, submitted_at: datetime | None = None) -> ReturnAttempt:
    """Load and accept a month's return (a nil return when there are no rows)."""
    attempt = return_import(
        contract=contract,
        period=period,
        file_bytes=episodes_csv(*rows) if rows else None,
        filename=f"{period}.csv" if rows else "",
        survey_bytes=survey_csv(*survey) if survey else None,
        survey_filename="survey.csv" if survey else "",
        nil=not rows,
        accept=True,
        submitted_at=submitted_at,
    )
    assert attempt.status == AttemptStatus.ACCEPTED, attempt.errors
    return attempt


def compute(contract, measure: str, period: str, *, now: datetime = NOW, **params) -> Figures:
    """A calculator's figures, with the data coverage the compliance engine gives it."""
    covered = MonthlyReturn.objects.filter(contract=contract, attempts__is_current=True).values_list(
        "month", flat=True
    )
    last = month_end(max(covered)) if covered else None
    inputs = Inputs(contract, parse_period(period), last, now)
    return calculate(measure, inputs, MEASURES[measure].clean_params(params))


def visited(ref: str, first_visit: str, ended_on: str = "", end_reason: str = "", **cells) -> dict:
    """A row referred the day before its first visit (09:00), first visited at 10:00 on ``first_visit``."""
    day = date.fromisoformat(first_visit)
    referred = date.fromordinal(day.toordinal() - 1)
    return episode(
        ref,
        referred_at=cells.pop("referred_at", f"{referred}T09:00"),
        first_visit_at=f"{first_visit}T10:00",
        ended_on=ended_on,
        end_reason=end_reason,
        **cells,
    )


# --- HELP_48H ---------------------------------------------------------------------------------


def test_worked_example_4_help_48h_two_of_four(acme):
    accept(
        acme,
        "2025-05",
        episode("H47", referred_at="2025-05-10T10:00", first_visit_at="2025-05-12T09:00"),
        episode("H48", referred_at="2025-05-10T10:00", first_visit_at="2025-05-12T10:00"),
        episode("H49", referred_at="2025-05-10T10:00", first_visit_at="2025-05-12T11:00"),
        # Referred 3 days before the period ended, never visited: its 48 hours ran out on 30 May.
        episode("H3D", referred_at="2025-05-28T10:00", first_visit_at=""),
        # Referred 1 day before the period ended, not visited yet: left out.
        episode("H1D", referred_at="2025-05-30T10:00", first_visit_at=""),
    )
    figures = compute(acme, "HELP_48H", "2025-05")
    assert figures == Figures(2, 4)
    assert percentage(figures.numerator, figures.denominator) == Decimal("50.0")


def test_help_48h_counts_referrals_in_the_period_by_their_london_date(acme):
    accept(acme, "2025-04", episode("APR", referred_at="2025-04-30T23:30", first_visit_at="2025-05-01T09:00"))
    accept(
        acme,
        "2025-05",
        episode("APR", referred_at="2025-04-30T23:30", first_visit_at="2025-05-01T09:00"),
        # A date alone is 00:00 London: 1 May in London although 30 April in UTC.
        episode("MAY", referred_at="2025-05-01", first_visit_at="2025-05-04T09:00"),
    )
    assert compute(acme, "HELP_48H", "2025-04") == Figures(1, 1)
    assert compute(acme, "HELP_48H", "2025-05") == Figures(0, 1)


def test_help_48h_reads_the_visit_from_a_later_months_row(acme):
    # Unvisited at the end of May (and inside its 48 hours); June's row gives the visit.
    accept(acme, "2025-05", episode("LATE", referred_at="2025-05-31T10:00", first_visit_at=""))
    assert compute(acme, "HELP_48H", "2025-05") == Figures(0, 0)
    accept(
        acme, "2025-06", episode("LATE", referred_at="2025-05-31T10:00", first_visit_at="2025-06-02T09:00")
    )
    assert compute(acme, "HELP_48H", "2025-05") == Figures(1, 1)
    assert compute(acme, "HELP_48H", "2025-06") == Figures(0, 0)


def test_help_48h_is_elapsed_time_when_the_clocks_go_forward(older):
    # 29 March 2025 10:00 GMT to 31 March 10:00 BST is 47 elapsed hours, not 48.
    accept(
        older,
        "2025-03",
        episode("C47", referred_at="2025-03-29T10:00", first_visit_at="2025-03-31T10:00"),
        episode("C48", referred_at="2025-03-29T10:00", first_visit_at="2025-03-31T11:00"),
        episode("C48-1", referred_at="2025-03-29T10:00", first_visit_at="2025-03-31T11:01"),
        # Date-only values across the change: 00:00 GMT to 00:00 BST is 47 hours.
        episode("CDAY", referred_at="2025-03-29", first_visit_at="2025-03-31"),
    )
    assert compute(older, "HELP_48H", "2025-03") == Figures(3, 4)


def test_help_48h_unvisited_cut_off_is_elapsed_time_across_the_clock_change(older):
    # March 2025 ends at 1 April 00:00 BST = 31 March 23:00 UTC; the clocks went forward on 30 March.
    # Its last 48 elapsed hours began at 29 March 23:00 GMT (not 30 March 00:00, two clock days back).
    accept(
        older,
        "2025-03",
        episode("RAN-OUT", referred_at="2025-03-29T22:30", first_visit_at=""),  # ran out 31 March 23:30 BST
        episode("RUNNING", referred_at="2025-03-29T23:30", first_visit_at=""),  # runs out 1 April 00:30 BST
    )
    assert compute(older, "HELP_48H", "2025-03") == Figures(0, 1)


def test_help_48h_is_elapsed_time_when_the_clocks_go_back(acme):
    # 25 October 2025 10:00 BST to 27 October 10:00 GMT is 49 elapsed hours: not within 48.
    accept(
        acme,
        "2025-10",
        episode("O49", referred_at="2025-10-25T10:00", first_visit_at="2025-10-27T10:00"),
        episode("O48", referred_at="2025-10-25T10:00", first_visit_at="2025-10-27T09:00"),
    )
    assert compute(acme, "HELP_48H", "2025-10") == Figures(1, 2)


def test_help_48h_date_only_values_are_midnight_london(acme):
    accept(
        acme,
        "2025-05",
        episode("D48", referred_at="2025-05-10", first_visit_at="2025-05-12"),  # exactly 48 h
        episode("D48-PLUS", referred_at="2025-05-10", first_visit_at="2025-05-12T00:01"),
        episode("OFFSET", referred_at="2025-05-20T09:00Z", first_visit_at="2025-05-22T10:00+01:00"),  # 48 h
    )
    assert compute(acme, "HELP_48H", "2025-05") == Figures(2, 3)


# --- INDEPENDENT_WITHIN -------------------------------------------------------------------------
# June 2025 with window_days 42: judging day in June <=> first visit from 20 April to 19 May.

JUNE_COHORT = (
    visited("I1", "2025-05-01", "2025-06-12", "independent"),  # on the judging day (12 June): counts
    visited("I2", "2025-05-01", "2025-06-13", "independent"),  # the day after: not within
    visited("I3", "2025-05-01", "2025-05-20", "independent"),
    visited("I4", "2025-05-01"),  # still open
    visited("I5", "2025-05-01", "2025-06-12", "died"),  # excluded: died on the judging day
    visited("I6", "2025-05-01", "2025-06-13", "died"),  # died after the judging day: stays in
    visited("I7", "2025-05-01", "2025-05-10", "moved_away"),  # excluded
    visited("I8", "2025-05-01", "2025-05-10", "transferred"),
    visited("I9", "2025-05-01", "2025-05-20", "independent", service_type="long_term"),
    episode("I10", referred_at="2025-04-25T09:00", first_visit_at=""),  # no first visit
    visited("B0", "2025-04-19", "2025-05-31", "independent"),  # judged 31 May: out
    visited("B1", "2025-04-20", "2025-06-01", "independent"),  # judged 1 June: in
    visited("B2", "2025-05-19", "2025-06-30", "independent"),  # judged 30 June: in
    visited("B3", "2025-05-20", "2025-06-30", "independent"),  # judged 1 July: out
)


def test_independent_within_cohort_and_judging_day(acme):
    accept(acme, "2025-06", *JUNE_COHORT)
    # Denominator I1 I2 I3 I4 I6 I8 B1 B2; numerator I1 I3 B1 B2.
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-06") == Figures(4, 8)


def test_independent_within_parameters(acme):
    rows = [dict(row) for row in JUNE_COHORT]
    for row in rows:
        if row["episode_ref"] in ("I1", "I2"):
            row["referral_source"] = "hospital_discharge"
    accept(acme, "2025-06", *rows)
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-06", referral_source="hospital_discharge") == Figures(
        1, 2
    )
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-06", referral_source="community") == Figures(3, 6)
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-06", service_type="long_term") == Figures(1, 1)
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-06", service_type="any") == Figures(5, 9)
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-06", exclude=[]) == Figures(4, 10)
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-06", exclude=["transferred"]) == Figures(4, 9)


def test_independent_within_judging_day_is_the_london_date_of_the_first_visit(acme):
    # 20 April 00:30 BST is 19 April in UTC: the judging day is 1 June (London), not 31 May.
    accept(
        acme,
        "2025-06",
        episode(
            "EARLY",
            referred_at="2025-04-19T20:00",
            first_visit_at="2025-04-20T00:30",
            ended_on="2025-05-15",
            end_reason="independent",
        ),
    )
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-05") == Figures(0, 0)
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-06") == Figures(1, 1)


def test_independent_within_pending_until_the_judging_day_is_covered(acme):
    may_rows = (
        visited("P1", "2025-04-25"),  # judged 6 June
        visited("P2", "2025-05-19"),  # judged 30 June
        visited("P3", "2025-04-19", "2025-05-20", "independent"),  # judged 31 May
    )
    accept(acme, "2025-05", *may_rows)
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-05") == Figures(1, 1, pending=0)
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-06") == Figures(0, 0, pending=2)
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-26-Q1") == Figures(1, 1, pending=2)
    accept(
        acme,
        "2025-06",
        visited("P1", "2025-04-25", "2025-06-06", "independent"),
        visited("P2", "2025-05-19"),
        visited("P3", "2025-04-19", "2025-05-20", "independent"),
    )
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-06") == Figures(1, 2, pending=0)
    assert compute(acme, "INDEPENDENT_WITHIN", "2025-26-Q1") == Figures(2, 3, pending=0)


# --- RESIDENTIAL_ENTRY --------------------------------------------------------------------------

LONG = {"service_type": "long_term"}


def _residential_returns(contract):
    r1 = visited("R1", "2025-04-02", "2025-04-15", "residential_care", **LONG)
    r6_open = visited("R6", "2025-04-02", **LONG)
    r6_ended = visited("R6", "2025-04-02", "2025-05-31", "hospital", **LONG)
    accept(
        contract,
        "2025-04",
        r1,
        visited("R2", "2025-04-02", **LONG),
        visited("R3", "2025-04-02", **LONG),
        r6_open,
        visited("R9", "2025-04-02", **LONG),
    )
    accept(
        contract,
        "2025-05",
        r1,
        visited("R2", "2025-04-02", **LONG),
        visited("R3", "2025-04-02", **LONG),
        visited("R4", "2025-05-01", dementia="Y", **LONG),
        r6_ended,
        visited("R9", "2025-04-02", **LONG),
    )
    accept(
        contract,
        "2025-06",
        r1,
        visited("R2", "2025-04-02", "2025-06-10", "nursing_care", **LONG),
        visited("R3", "2025-04-02", **LONG),
        visited("R4", "2025-05-01", "2025-06-20", "residential_care", dementia="Y", **LONG),
        visited("R5", "2025-06-01", "2025-06-05", "residential_care"),  # short-term
        r6_ended,
        episode("R7", referred_at="2025-06-25T09:00", first_visit_at="", **LONG),  # never visited
        visited("R9", "2025-04-02", "2025-06-01", "other", **LONG),  # open on 1 June
    )


def test_residential_entry_lookback_period_and_r12(acme):
    _residential_returns(acme)
    # June itself: open R2 R3 R4 R9; entered R2 R4.
    assert compute(acme, "RESIDENTIAL_ENTRY", "2025-06", lookback="period") == Figures(2, 4)
    # Twelve months to June: open R1 R2 R3 R4 R6 R9 (each once); entered R1 R2 R4.
    assert compute(acme, "RESIDENTIAL_ENTRY", "2025-06") == Figures(3, 6)
    # May itself: R2 went into a nursing home in June, outside the window.
    assert compute(acme, "RESIDENTIAL_ENTRY", "2025-05", lookback="period") == Figures(0, 5)
    assert compute(acme, "RESIDENTIAL_ENTRY", "2025-04") == Figures(1, 5)


def test_residential_entry_dementia_and_service_type(acme):
    _residential_returns(acme)
    assert compute(acme, "RESIDENTIAL_ENTRY", "2025-06", dementia="Y") == Figures(1, 1)
    assert compute(acme, "RESIDENTIAL_ENTRY", "2025-06", dementia="N") == Figures(2, 5)
    assert compute(acme, "RESIDENTIAL_ENTRY", "2025-06", dementia="any") == Figures(3, 6)
    assert compute(acme, "RESIDENTIAL_ENTRY", "2025-06", service_type="any") == Figures(4, 7)
    assert compute(acme, "RESIDENTIAL_ENTRY", "2025-06", service_type="short_term") == Figures(1, 1)


# --- PACKAGE_REDUCED / PACKAGE_INCREASED --------------------------------------------------------


def package(ref: str, first_visit: str, start: str, now: str, *ended, **cells) -> dict:
    cells.setdefault("service_type", "long_term")
    return visited(ref, first_visit, *ended, weekly_hours_start=start, weekly_hours_now=now, **cells)


def _package_returns(contract):
    accept(
        contract,
        "2025-05",
        package("K1", "2025-03-02", "10", "8"),  # 90 days before 31 May
        package("K2", "2025-03-03", "10", "6"),  # 89 days before 31 May
        package("K3", "2025-01-10", "10", "10"),
        package("K4", "2025-01-10", "10", "14"),
        package("K5", "2025-01-10", "10", "5", "2025-05-30", "hospital"),  # not open on 31 May
        package("K6", "2025-01-10", "10", "5", service_type="short_term"),
        package("K7", "2025-01-10", "10", "5", "2025-05-31", "other"),  # open on its last day
    )
    # June's rows: K1's hours went up after May; K1 and K4 are above their start now.
    accept(
        contract,
        "2025-06",
        package("K1", "2025-03-02", "10", "12"),
        package("K2", "2025-03-03", "10", "6"),
        package("K3", "2025-01-10", "10", "10"),
        package("K4", "2025-01-10", "10", "14"),
        package("K5", "2025-01-10", "10", "5", "2025-05-30", "hospital"),
        package("K6", "2025-01-10", "10", "5", service_type="short_term"),
        package("K7", "2025-01-10", "10", "5", "2025-05-31", "other"),
    )


def test_package_measures_take_the_hours_from_the_snapshot_months_row(acme):
    _package_returns(acme)
    # 31 May: K1 K3 K4 K7 (K2 too recent, K5 ended, K6 short-term); hours from May's rows.
    assert compute(acme, "PACKAGE_REDUCED", "2025-05") == Figures(2, 4)  # K1 (8) and K7 (5)
    assert compute(acme, "PACKAGE_INCREASED", "2025-05") == Figures(1, 4)  # K4
    # 30 June: K1 K2 K3 K4; hours from June's rows.
    assert compute(acme, "PACKAGE_REDUCED", "2025-06") == Figures(1, 4)  # K2
    assert compute(acme, "PACKAGE_INCREASED", "2025-06") == Figures(2, 4)  # K1, K4
    # A quarter is judged on its last day, 30 June.
    assert compute(acme, "PACKAGE_INCREASED", "2025-26-Q1") == Figures(2, 4)


def test_package_measures_min_tenure_boundary(acme):
    _package_returns(acme)
    assert compute(acme, "PACKAGE_REDUCED", "2025-05", min_tenure_days=90) == Figures(2, 4)
    assert compute(acme, "PACKAGE_REDUCED", "2025-05", min_tenure_days=91) == Figures(1, 3)  # K1 drops out
    assert compute(acme, "PACKAGE_REDUCED", "2025-05", min_tenure_days=89) == Figures(3, 5)  # K2 joins
    assert compute(acme, "PACKAGE_REDUCED", "2025-05", min_tenure_days=0) == Figures(3, 5)


def test_package_measures_use_the_newest_version_of_the_snapshot_month(acme):
    _package_returns(acme)
    accept(
        acme,
        "2025-05",
        package("K1", "2025-03-02", "10", "8"),
        package("K2", "2025-03-03", "10", "6"),
        package("K3", "2025-01-10", "10", "9"),  # corrected: reduced in May
        package("K4", "2025-01-10", "10", "14"),
        package("K5", "2025-01-10", "10", "5", "2025-05-30", "hospital"),
        package("K6", "2025-01-10", "10", "5", service_type="short_term"),
        package("K7", "2025-01-10", "10", "5", "2025-05-31", "other"),
    )
    assert compute(acme, "PACKAGE_REDUCED", "2025-05") == Figures(3, 4)


# --- AT_HOME_91D --------------------------------------------------------------------------------
# July 2025: referred_at + 91 days in July <=> referred from 1 April to 1 May.


def discharge(ref: str, referred: str, at_home: str = "", **cells) -> dict:
    cells.setdefault("referral_source", "hospital_discharge")
    day = date.fromisoformat(referred)
    return episode(
        ref,
        referred_at=f"{referred}T09:00",
        first_visit_at=f"{date.fromordinal(day.toordinal() + 1)}T10:00",
        at_home_91_days=at_home,
        **cells,
    )


AT_HOME_JULY = (
    discharge("A1", "2025-04-01", "Y"),  # judged 1 July
    discharge("A2", "2025-04-30", "N"),
    discharge("A3", "2025-04-15", ""),  # blank: not at home, and missing
    discharge("A4", "2025-03-31", "Y"),  # judged 30 June
    discharge("A5", "2025-05-01", "Y"),  # judged 31 July
    discharge("A6", "2025-05-02", ""),  # judged 1 August: not known in July, so blank
    discharge("A7", "2025-04-10", "Y", age_band="18-64"),
    discharge("A8", "2025-04-10", "Y", referral_source="community"),
    discharge("A9", "2025-04-10", "Y", service_type="long_term"),
    discharge("A10", "2025-04-20", "Y", age_band="65-74"),
)


def test_at_home_91d_cohort_age_bands_and_missing(acme):
    accept(acme, "2025-07", *AT_HOME_JULY)
    assert compute(acme, "AT_HOME_91D", "2025-07") == Figures(3, 5, missing=1)  # A1 A2 A3 A5 A10
    assert compute(acme, "AT_HOME_91D", "2025-07", age_bands="18+") == Figures(4, 6, missing=1)
    assert compute(acme, "AT_HOME_91D", "2025-07", age_bands=["18-64"]) == Figures(1, 1)
    assert compute(acme, "AT_HOME_91D", "2025-07", age_bands=["75-84", "85+"]) == Figures(2, 4, missing=1)
    assert compute(acme, "AT_HOME_91D", "2025-06") == Figures(1, 1)  # A4


def test_at_home_91d_pending_until_the_judging_day_is_covered(acme):
    june = [dict(row, at_home_91_days="") for row in AT_HOME_JULY]
    june[3]["at_home_91_days"] = "Y"  # A4's 91 days passed on 30 June
    accept(acme, "2025-06", *june)
    assert compute(acme, "AT_HOME_91D", "2025-07") == Figures(0, 0, pending=5)
    assert compute(acme, "AT_HOME_91D", "2025-06") == Figures(1, 1, pending=0)
    accept(acme, "2025-07", *AT_HOME_JULY)
    assert compute(acme, "AT_HOME_91D", "2025-07") == Figures(3, 5, pending=0, missing=1)


# --- HOSPITAL_ADMISSION and DIED_PREFERRED_PLACE ------------------------------------------------


def test_hospital_admission_open_in_period_and_admitted_in_it(acme):
    accept(
        acme,
        "2025-04",
        visited("H1", "2025-04-10"),
        visited("H2", "2025-04-10", "2025-04-30", "hospital"),
        visited("H5", "2025-04-01"),
    )
    accept(
        acme,
        "2025-05",
        visited("H1", "2025-04-10", "2025-05-10", "hospital"),
        visited("H2", "2025-04-10", "2025-04-30", "hospital"),  # ended before May: not open in it
        visited("H3", "2025-05-31"),
        episode("H4", referred_at="2025-05-20T09:00", first_visit_at=""),  # never visited: not open
        visited("H5", "2025-04-01", "2025-05-01", "other"),  # open on 1 May
        visited("H6", "2025-05-05", "2025-05-31", "hospital"),
        visited("H7", "2025-01-10", service_type="long_term"),
    )
    assert compute(acme, "HOSPITAL_ADMISSION", "2025-05") == Figures(2, 5)  # H1 H6 of H1 H3 H5 H6 H7
    # April: H2 of H1 H2 H5 H7 (May's row says H7, first visited in January, was open in April).
    assert compute(acme, "HOSPITAL_ADMISSION", "2025-04") == Figures(1, 4)
    assert compute(acme, "HOSPITAL_ADMISSION", "2025-26-Q1") == Figures(3, 6)  # each episode once


def test_died_preferred_place_blank_is_missing(acme):
    eol = {"end_of_life": "Y"}
    d5 = visited("D5", "2025-04-01", "2025-04-30", "died", died_in_preferred_place="Y", **eol)
    accept(acme, "2025-04", d5)
    accept(
        acme,
        "2025-05",
        visited("D1", "2025-04-01", "2025-05-10", "died", died_in_preferred_place="Y", **eol),
        visited("D2", "2025-04-01", "2025-05-11", "died", died_in_preferred_place="N", **eol),
        visited("D3", "2025-04-01", "2025-05-12", "died", **eol),
        visited("D4", "2025-04-01", "2025-05-13", "died", died_in_preferred_place="Y"),  # not end of life
        d5,
        visited("D6", "2025-04-01", "2025-05-14", "hospital", **eol),
    )
    assert compute(acme, "DIED_PREFERRED_PLACE", "2025-05") == Figures(1, 3, missing=1)
    assert compute(acme, "DIED_PREFERRED_PLACE", "2025-04") == Figures(1, 1)


# --- Surveys and RETURNS_ON_TIME ----------------------------------------------------------------


def test_survey_measures_sum_the_months_of_the_period(acme):
    accept(acme, "2025-04", survey=[("HEALTH_NEEDS_MET", 18, 20)])
    accept(acme, "2025-05", episode("S1"), survey=[("HEALTH_NEEDS_MET", 19, 20), ("CARER_SUPPORTED", 5, 6)])
    accept(acme, "2025-06", survey=[("HEALTH_NEEDS_MET", 17, 20)])
    assert compute(acme, "HEALTH_NEEDS_MET", "2025-26-Q1") == Figures(54, 60)
    assert compute(acme, "HEALTH_NEEDS_MET", "2025-05") == Figures(19, 20)
    assert compute(acme, "CARER_SUPPORTED", "2025-26-Q1") == Figures(5, 6)
    assert compute(acme, "DIED_WITH_DIGNITY", "2025-26-Q1") == Figures(0, 0)
    # A newer version of May replaces May's figures; the old version's are not added as well.
    accept(acme, "2025-05", episode("S1"), survey=[("HEALTH_NEEDS_MET", 20, 20)])
    assert compute(acme, "HEALTH_NEEDS_MET", "2025-26-Q1") == Figures(55, 60)
    assert compute(acme, "CARER_SUPPORTED", "2025-26-Q1") == Figures(0, 0)


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("submitted", "on_time"),
    [
        ("2025-05-10T23:59:00", 1),  # the due day's last minute
        ("2025-05-10T23:59:59", 1),
        ("2025-05-11T00:00:00", 0),  # one minute after 23:59
        ("2025-05-11T00:00:59", 0),
    ],
)
def test_returns_on_time_due_day_boundary(acme, submitted, on_time):
    accept(acme, "2025-04", submitted_at=london(submitted))
    assert compute(acme, "RETURNS_ON_TIME", "2025-04") == Figures(on_time, 1)


def test_returns_on_time_first_accepted_version_and_months_not_yet_due(acme):
    accept(acme, "2025-04", submitted_at=london("2025-05-10T23:59"))  # on time
    accept(acme, "2025-04", submitted_at=london("2025-06-20T10:00"))  # a later version does not matter
    accept(acme, "2025-05", submitted_at=london("2025-06-11T00:00"))  # late
    rejected = return_import(
        contract=acme,
        period="2025-06",
        file_bytes=episodes_csv(ERROR_EPISODE),
        filename="june.csv",
        accept=True,
        submitted_at=london("2025-07-01T10:00"),
    )
    assert rejected.status == AttemptStatus.REJECTED
    accept(acme, "2025-06", submitted_at=london("2025-07-11T09:00"))  # the first accepted one is late
    q1 = "2025-26-Q1"
    assert compute(acme, "RETURNS_ON_TIME", q1, now=london("2025-07-11T12:00")) == Figures(1, 3)
    # June's return is due at the end of 10 July: not counted before then.
    assert compute(acme, "RETURNS_ON_TIME", q1, now=london("2025-07-10T12:00")) == Figures(1, 2)
    assert compute(acme, "RETURNS_ON_TIME", q1, now=london("2025-06-30T12:00")) == Figures(1, 2)
    assert compute(acme, "RETURNS_ON_TIME", q1, now=london("2025-06-10T12:00")) == Figures(1, 1)


# --- Corrections --------------------------------------------------------------------------------


def test_the_newest_version_of_a_month_is_used(acme):
    accept(acme, "2025-05", visited("X", "2025-05-02", "2025-05-20", "hospital"), visited("W", "2025-05-02"))
    assert compute(acme, "HOSPITAL_ADMISSION", "2025-05") == Figures(1, 2)
    accept(acme, "2025-05", visited("X", "2025-05-02", "2025-05-20", "other"), visited("W", "2025-05-02"))
    assert compute(acme, "HOSPITAL_ADMISSION", "2025-05") == Figures(0, 2)


def test_a_later_months_row_wins_for_dates_and_end_reasons(acme):
    accept(
        acme,
        "2025-04",
        visited("Y", "2025-04-02", "2025-04-20", "hospital"),
        visited("W", "2025-04-02"),
        episode("F", referred_at="2025-04-07T10:00", first_visit_at="2025-04-09T09:00"),  # 47 h
    )
    assert compute(acme, "HOSPITAL_ADMISSION", "2025-04") == Figures(1, 3)
    assert compute(acme, "HELP_48H", "2025-04") == Figures(3, 3)  # Y and W after 25 h, F after 47 h
    may = (
        visited("Y", "2025-04-02", "2025-04-20", "transferred"),
        visited("W", "2025-04-02"),
        episode("F", referred_at="2025-04-07T10:00", first_visit_at="2025-04-09T11:00"),  # 49 h
    )
    accept(acme, "2025-05", *may)
    assert compute(acme, "HOSPITAL_ADMISSION", "2025-04") == Figures(0, 3)
    assert compute(acme, "HELP_48H", "2025-04") == Figures(2, 3)
    # A newer version of April does not beat May's row: May is the later month.
    accept(
        acme,
        "2025-04",
        visited("Y", "2025-04-02", "2025-04-20", "hospital"),
        visited("W", "2025-04-02"),
        episode("F", referred_at="2025-04-07T10:00", first_visit_at="2025-04-09T09:00"),
    )
    assert compute(acme, "HOSPITAL_ADMISSION", "2025-04") == Figures(0, 3)
    assert compute(acme, "HELP_48H", "2025-04") == Figures(2, 3)
