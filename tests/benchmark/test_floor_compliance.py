"""The SQL floor of the nightly full recompute (scripts/benchmark/floor_compliance.py) gives exactly the
engine's results: same contracts, periods and targets, same figures, RAG, direction of travel,
missing and outside-term months and sources.

First over demo contracts loaded through the real return pipeline (every measure, end of life and
surveys, a corrected month, a late return and a month with no accepted return), then over small
hand-made cases where the engine is subtle, each also checked against hand-computed figures so that
the case is known to be exercised.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from commissioning.demo.organisations import demo_seed
from commissioning.models import Contract, TargetVersion
from outcomes.demo.returns import correction_seed, demo_calendar, month_file, results_seed, simulate
from outcomes.models import AttemptStatus, ComplianceResult, RecomputeRequest
from outcomes.periods import LONDON, add_months, due_at
from outcomes.results.compute import results_recompute_all
from outcomes.results.requests import recompute_deferred
from outcomes.returns.services import return_import
from scripts.benchmark.floor_compliance import floor_mismatches, floor_recompute
from tests.factories import contract as make_contract
from tests.factories import target
from tests.outcomes.return_files import episode, episodes_csv, survey_csv

pytestmark = pytest.mark.django_db

# The demo as loaded on 22 November 2026 (returns from April 2025 to October 2026).
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def _now(monkeypatch):
    """Every computation (at acceptance, and the nightly run) as at NOW."""
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def engine_and_floor() -> dict[tuple[int, str], dict]:
    """Run the engine's nightly full recompute and the floor as at NOW; assert they agree, and
    return the floor's rows by (target id, period)."""
    stored = results_recompute_all()
    run = floor_recompute(now=NOW)
    count, examples = floor_mismatches()
    assert count == 0, "\n".join(examples)
    assert run.rows == stored == ComplianceResult.objects.filter(is_latest=True).count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT target_id, period, numerator, denominator, pending, missing, value, rag, "
            "not_rated_reason, direction, missing_months, outside_term_months, sources FROM bench_floor_result"
        )
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:  # jsonb comes back as text from a plain cursor
        for name in ("missing_months", "outside_term_months", "sources"):
            row[name] = json.loads(row[name])
    return {(row["target_id"], row["period"]): row for row in rows}


def figures(rows: dict, target_obj, period: str) -> tuple:
    row = rows[target_obj.pk, period]
    return row["numerator"], row["denominator"], row["pending"], row["missing"]


def accept(contract, period: str, *rows, submitted_at: datetime | None = None) -> None:
    """Load and accept a month's return, on time unless ``submitted_at`` says otherwise."""
    month = date.fromisoformat(f"{period}-01")
    attempt = return_import(
        contract=contract,
        period=period,
        file_bytes=episodes_csv(*rows),
        filename=f"{period}.csv",
        accept=True,
        submitted_at=submitted_at or due_at(month, contract.return_due_day) - timedelta(days=2),
    )
    assert attempt.status == AttemptStatus.ACCEPTED, attempt.errors


# --- The demo contracts ----------------------------------------------------------------------------

REABLEMENT, HOMECARE, END_OF_LIFE = "RCC-RB-001", "RCC-HC-003", "RICB-EOL-001"
TODAY = date(2026, 11, 22)  # the demo as loaded that day: returns from April 2025 to October 2026
CALENDAR = demo_calendar(TODAY)
LATE = date(2026, 1, 1)  # the homecare contract's January 2026 return, four days late
NONE_ACCEPTED = date(2025, 11, 1)  # the homecare contract has no return for November 2025


def _demo_returns(contract: Contract, surveys: tuple[str, ...]) -> None:
    """The contract's demo returns, through validation and acceptance, with survey figures."""
    episodes = simulate(contract, CALENDAR.last)
    with recompute_deferred():
        for step, month in enumerate(CALENDAR.months(contract)):
            if contract.reference == HOMECARE and month == NONE_ACCEPTED:
                continue
            due = due_at(month, contract.return_due_day)
            late = contract.reference == HOMECARE and month == LATE
            survey = [(code, 5 + (step + index) % 5, 10 + step % 4) for index, code in enumerate(surveys)]
            attempt = return_import(
                contract=contract,
                period=f"{month:%Y-%m}",
                file_bytes=month_file(episodes, month),
                filename=f"{contract.reference}-{month:%Y-%m}.csv",
                survey_bytes=survey_csv(*survey) if survey else None,
                survey_filename="survey.csv" if survey else "",
                accept=True,
                submitted_at=due + timedelta(days=4) if late else due - timedelta(days=3),
                label="Demo data",
            )
            assert attempt.status == AttemptStatus.ACCEPTED, attempt.errors
            if step == 1:
                # Fresh tables inside the test's transaction have no planner statistics: without
                # them, keeping the latest-row flags can take minutes instead of seconds.
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE outcomes_episoderecord, outcomes_returnattempt")


def test_the_floor_equals_the_engine_over_demo_contracts():
    demo_seed(today=TODAY)
    contracts = {
        c.reference: c for c in Contract.objects.filter(reference__in=[REABLEMENT, HOMECARE, END_OF_LIFE])
    }
    # Measures and parameters the demo target sets leave out, so that every one is computed.
    homecare, reablement = contracts[HOMECARE], contracts[REABLEMENT]
    target(homecare, "HOSPITAL_ADMISSION", "8")
    target(homecare, "RESIDENTIAL_ENTRY", "6", {"lookback": "period", "dementia": "N", "service_type": "any"})
    target(homecare, "PACKAGE_REDUCED", "10", {"min_tenure_days": 0})
    target(reablement, "AT_HOME_91D", "80", {"age_bands": ["18-64", "85+"]})
    target(reablement, "INDEPENDENT_WITHIN", "50", {"window_days": 28, "exclude": [], "service_type": "any"})
    _demo_returns(reablement, ())
    _demo_returns(homecare, ("HEALTH_NEEDS_MET", "CARER_SUPPORTED"))
    _demo_returns(contracts[END_OF_LIFE], ("CARER_SUPPORTED", "DIED_WITH_DIGNITY"))
    results_seed(list(contracts.values()))  # as the demo: results computed once the returns are in
    correction_seed(
        CALENDAR
    )  # the reablement contract's February 2026 return, corrected: its results restated
    RecomputeRequest.objects.all().delete()

    rows = engine_and_floor()

    # What the demo exercises: every measure counted, every judgement and direction.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.measure, max(r.denominator), max(r.numerator), max(r.pending), max(r.missing) "
            "FROM bench_floor_result r JOIN commissioning_target t ON t.id = r.target_id GROUP BY t.measure"
        )
        counted = {measure: rest for measure, *rest in cursor.fetchall()}
    assert set(counted) == {
        "HELP_48H",
        "INDEPENDENT_WITHIN",
        "RESIDENTIAL_ENTRY",
        "PACKAGE_REDUCED",
        "PACKAGE_INCREASED",
        "AT_HOME_91D",
        "HOSPITAL_ADMISSION",
        "DIED_PREFERRED_PLACE",
        "HEALTH_NEEDS_MET",
        "CARER_SUPPORTED",
        "DIED_WITH_DIGNITY",
        "RETURNS_ON_TIME",
    }
    assert all(denominator > 0 and numerator > 0 for denominator, numerator, _, _ in counted.values())
    assert counted["INDEPENDENT_WITHIN"][2] > 0 and counted["AT_HOME_91D"][2] > 0  # pending
    values = list(rows.values())
    assert {row["rag"] for row in values} == {"green", "amber", "red", "not_rated"}
    assert {row["direction"] for row in values} == {"improved", "stable", "worsened", "none"}
    assert any(row["missing_months"] == ["2025-11"] for row in values)
    assert any(row["outside_term_months"] for row in values)
    on_time = homecare.targets.get(measure="RETURNS_ON_TIME")
    assert figures(rows, on_time, "2025-26-Q4") == (2, 3, 0, 0)  # January late
    assert figures(rows, on_time, "2025-26-Q3") == (2, 3, 0, 0)  # no return for November
    assert rows[on_time.pk, "2025-26-Q3"]["missing_months"] == ["2025-11"]
    assert ComplianceResult.objects.filter(is_latest=True, restated=True).exists()  # the corrected month
    assert any(source["version"] == 2 for row in values for source in row["sources"].values())


# --- Hand-made cases where the engine is subtle ----------------------------------------------------


@pytest.fixture
def acme(world):
    """A contract from 1 April 2025, returns due on the 10th."""
    return make_contract(world.council, world.provider_a, reference="RCC-HC-001", return_due_day=10)


def long_term(ref: str, hours_now: str, **cells) -> dict:
    """A long-term episode (first visited on 2 April 2025 unless given), 10 weekly hours at the start."""
    cells.setdefault("referred_at", "2025-04-01T09:00")
    cells.setdefault("first_visit_at", "2025-04-02T10:00")
    return episode(
        ref, service_type="long_term", weekly_hours_start="10", weekly_hours_now=hours_now, **cells
    )


def test_package_hours_are_read_from_the_snapshot_months_newest_version(acme):
    reduced = target(acme, "PACKAGE_REDUCED", "10", {"min_tenure_days": 30}, min_denominator=1)
    increased = target(acme, "PACKAGE_INCREASED", "10", {"min_tenure_days": 30}, min_denominator=1)
    for period, k1 in (("2025-04", "10"), ("2025-05", "10"), ("2025-06", "8"), ("2025-07", "10")):
        accept(acme, period, long_term("K1", k1), long_term("K2", "5"))
    accept(acme, "2025-08", long_term("K1", "7"), long_term("K2", "5"))
    # August corrected: K1's hours were 11, and K2 was left out. No return for September.
    accept(acme, "2025-08", long_term("K1", "11"))
    accept(acme, "2025-10", long_term("K1", "12"), long_term("K2", "5"))

    rows = engine_and_floor()

    def both(period: str) -> tuple:
        return figures(rows, reduced, period)[:2], figures(rows, increased, period)[:2]

    assert both("2025-04") == ((0, 0), (0, 0))  # first visit less than 30 days before 30 April
    assert rows[reduced.pk, "2025-04"]["not_rated_reason"] == "low_numbers"
    assert both("2025-06") == ((2, 2), (0, 2))  # June's hours: K1 8, K2 5
    assert both("2025-07") == ((1, 2), (0, 2))  # July's: K1 back to 10
    # August's newest version: K1 11, K2 not in it (counted, neither reduced nor increased).
    assert both("2025-08") == ((0, 2), (1, 2))
    # The quarter ends on 30 September, a month with no return: August's newest version again.
    assert both("2025-26-Q2") == ((0, 2), (1, 2))
    assert both("2025-10") == ((1, 2), (1, 2))  # the latest rows (October's): K1 12, K2 5


def test_help_within_48_hours_is_elapsed_time_across_clock_changes(acme):
    help_48h = target(acme, "HELP_48H", "90", min_denominator=1)
    accept(
        acme,
        "2025-10",
        # The clocks went back on 26 October: 10:00 BST to 09:30 GMT two days later is 48.5 hours.
        episode("A", referred_at="2025-10-25T10:00", first_visit_at="2025-10-27T09:30"),
        episode("B", referred_at="2025-10-25T10:00", first_visit_at="2025-10-27T08:30"),  # 47.5 hours
        # October ends at 1 November 00:00 GMT: 47.5 hours before, still running (left out) ...
        episode("C", referred_at="2025-10-30T00:30", first_visit_at=""),
        # ... 48.5 hours before, run out (counted, not helped in time).
        episode("D", referred_at="2025-10-29T23:30", first_visit_at=""),
    )
    accept(
        acme,
        "2026-03",
        # The clocks went forward on 29 March 2026: 10:00 GMT to 10:30 BST two days later is 47.5 hours.
        episode("E", referred_at="2026-03-28T10:00", first_visit_at="2026-03-30T10:30"),
    )

    rows = engine_and_floor()

    assert figures(rows, help_48h, "2025-10") == (1, 3, 0, 0)
    assert figures(rows, help_48h, "2026-03") == (1, 1, 0, 0)
    assert rows[help_48h.pk, "2025-26-YTD-10"]["missing_months"] == [f"2025-{m:02d}" for m in range(4, 10)]
    assert rows[help_48h.pk, "2025-26-Q4"]["missing_months"] == ["2026-01", "2026-02"]


def visited(ref: str, first_visit: str, ended_on: str = "", end_reason: str = "", **cells) -> dict:
    """An episode (short-term, community, unless given) referred the day before its first visit."""
    day = date.fromisoformat(first_visit)
    cells.setdefault("referred_at", f"{day - timedelta(days=1)}T09:00")
    return episode(
        ref, first_visit_at=f"{first_visit}T10:00", ended_on=ended_on, end_reason=end_reason, **cells
    )


def test_pending_cohorts_blank_follow_ups_and_an_empty_exclusion_list(acme):
    six_weeks = target(acme, "INDEPENDENT_WITHIN", "60", {"referral_source": "community"}, min_denominator=1)
    two_weeks = target(
        acme, "INDEPENDENT_WITHIN", "60", {"window_days": 14, "referral_source": "community", "exclude": []}
    )
    at_home = target(acme, "AT_HOME_91D", "80", min_denominator=1)
    preferred = target(acme, "DIED_PREFERRED_PLACE", "75", min_denominator=1)
    died = {"end_of_life": "Y", "service_type": "long_term", "end_reason": "died"}
    hospital = {"referral_source": "hospital_discharge"}
    june = (
        visited("I2", "2025-05-01", "2025-06-01", "independent"),
        visited("I3", "2025-05-03", "2025-05-10", "died"),
        visited("H1", "2025-04-11", referred_at="2025-04-10T09:00", **hospital),
        visited("H3", "2025-04-06", referred_at="2025-04-05T09:00", **hospital),
    )
    accept(acme, "2025-06", *june)
    accept(
        acme,
        "2025-07",
        visited("I1", "2025-07-01"),  # judged on 12 August (six weeks): after July, pending
        *june[:3],
        visited("H2", "2025-06-02", referred_at="2025-06-01T09:00", **hospital),  # 91 days: 31 August
        visited("H3", "2025-04-06", referred_at="2025-04-05T09:00", at_home_91_days="Y", **hospital),
        visited("H4", "2025-04-06", referred_at="2025-04-05T09:00", age_band="18-64", **hospital),
        visited("EOL1", "2025-06-10", ended_on="2025-07-05", died_in_preferred_place="Y", **died),
        visited("EOL2", "2025-06-10", ended_on="2025-07-06", **died),  # blank: not known
        visited("EOL3", "2025-06-10", ended_on="2025-07-07", died_in_preferred_place="N", **died),
    )

    rows = engine_and_floor()

    # Six weeks: I2 judged 12 June, independent; I3 died before its judging day (left out).
    assert figures(rows, six_weeks, "2025-06") == (1, 1, 0, 0)
    assert figures(rows, six_weeks, "2025-26-Q2") == (0, 0, 1, 0)  # I1 pending, never a failure
    assert rows[six_weeks.pk, "2025-26-Q2"]["not_rated_reason"] == "low_numbers"
    # Two weeks with nothing excluded: I3 (died) counts; I2 ended after its judging day (15 May).
    assert figures(rows, two_weeks, "2025-26-Q1") == (0, 2, 0, 0)
    assert figures(rows, two_weeks, "2025-07") == (0, 1, 0, 0)  # I1, judged on 15 July
    assert rows[two_weeks.pk, "2025-26-Q1"]["missing_months"] == ["2025-04", "2025-05"]
    # 91 days at home: H1 (blank: not at home, missing) and H3 judged in July; H2 pending; H4 18-64.
    assert figures(rows, at_home, "2025-07") == (1, 2, 0, 1)
    assert figures(rows, at_home, "2025-26-Q2") == (1, 2, 1, 1)
    # Died in the preferred place: a blank counts as not, and is reported missing.
    assert figures(rows, preferred, "2025-07") == (1, 3, 0, 1)


def test_minimum_denominator_and_target_versions_changed_mid_year(acme):
    help_48h = target(acme, "HELP_48H", "90", min_denominator=5)

    def version(day: str, value: str | None, **fields) -> None:
        TargetVersion.objects.create(
            target=help_48h,
            effective_from=date.fromisoformat(day),
            target_value=Decimal(value) if value else None,
            tolerance=Decimal("0.5") if value else None,
            min_denominator=3 if value else None,
            recorded_by_label="test",
            **fields,
        )

    version("2025-09-15", "70", recorded_at=NOW)
    version("2025-09-15", "60", recorded_at=NOW + timedelta(minutes=1))  # recorded later: in force
    version("2025-11-01", None, is_end=True, recorded_at=NOW)  # the target stops applying from November

    def referrals(month: str, helped: int, count: int) -> list[dict]:
        """``count`` referrals on the 10th, the first ``helped`` visited a day later, the rest not at all."""
        return [
            episode(
                f"{month}-{index}",
                referred_at=f"{month}-10T09:00",
                first_visit_at=f"{month}-11T09:00" if index < helped else "",
            )
            for index in range(count)
        ]

    accept(acme, "2025-08", *referrals("2025-08", 4, 4))
    accept(acme, "2025-09", *referrals("2025-09", 2, 3))
    accept(acme, "2025-10", *referrals("2025-10", 3, 3))
    accept(acme, "2025-11", *referrals("2025-11", 1, 3))

    rows = engine_and_floor()

    august, september, october = (rows[help_48h.pk, period] for period in ("2025-08", "2025-09", "2025-10"))
    # 4 of 4 with a minimum denominator of 5: not rated, whatever the value.
    assert (august["value"], august["rag"], august["not_rated_reason"]) == (
        Decimal("100.0"),
        "not_rated",
        "low_numbers",
    )
    # September is judged against the version recorded last from 15 September (60, not 70).
    assert (september["value"], september["rag"], september["direction"]) == (
        Decimal("66.7"),
        "green",
        "none",
    )
    assert (october["rag"], october["direction"]) == ("green", "improved")
    assert rows[help_48h.pk, "2025-26-Q2"]["rag"] == "green"  # 6 of 7 against 60 at 30 September
    assert rows[help_48h.pk, "2025-26-YTD-08"]["rag"] == "not_rated"  # the first version at 31 August
    # From November the target no longer applies: no result for November or the quarter holding it.
    assert (help_48h.pk, "2025-11") not in rows and (help_48h.pk, "2025-26-Q3") not in rows


def test_a_contract_ending_mid_period_names_the_months_outside_its_term(world):
    short = make_contract(
        world.council,
        world.provider_a,
        reference="RCC-HC-009",
        start_date=date(2025, 4, 10),
        end_date=date(2025, 8, 15),
        return_due_day=10,
    )
    residential = target(short, "RESIDENTIAL_ENTRY", "5", min_denominator=1)
    admissions = target(short, "HOSPITAL_ADMISSION", "10", min_denominator=1)
    on_time = target(short, "RETURNS_ON_TIME", "100", min_denominator=1)
    first = {"referred_at": "2025-04-11T09:00", "first_visit_at": "2025-04-12T10:00"}
    l1, l2, l3 = (long_term(ref, "10", **first) for ref in ("L1", "L2", "L3"))
    l2_ended = long_term("L2", "10", ended_on="2025-07-20", end_reason="residential_care", **first)
    l3_ended = long_term("L3", "10", ended_on="2025-08-02", end_reason="hospital", **first)
    for period in ("2025-04", "2025-05", "2025-06"):
        accept(short, period, l1, l2, l3)
    accept(short, "2025-07", l1, l2_ended, l3)
    accept(
        short,
        "2025-08",
        l1,
        l2_ended,
        l3_ended,
        submitted_at=due_at(date(2025, 8, 1), 10) + timedelta(days=1),
    )

    rows = engine_and_floor()

    quarter = rows[admissions.pk, "2025-26-Q2"]
    assert (quarter["missing_months"], quarter["outside_term_months"]) == ([], ["2025-09"])
    assert figures(rows, admissions, "2025-26-Q2") == (1, 3, 0, 0)
    assert figures(rows, on_time, "2025-26-Q2") == (1, 2, 0, 0)  # July on time, August late; not September
    year = rows[on_time.pk, "2025-26-YTD-03"]
    assert year["outside_term_months"] == [
        f"{month:%Y-%m}" for month in (add_months(date(2025, 9, 1), n) for n in range(7))
    ]
    twelve = rows[residential.pk, "R12-2025-08"]
    assert twelve["outside_term_months"] == [f"{add_months(date(2024, 9, 1), n):%Y-%m}" for n in range(7)]
    assert figures(rows, residential, "R12-2025-08") == (1, 3, 0, 0)
