"""Computing and storing results (outcomes.compliance.results_compute).

One latest result per target and period, kept append-only; low numbers, no data, incomplete
windows, direction of travel, target versions in force, and restatement (measures.md).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from commissioning.models import TargetVersion
from outcomes.models import AttemptStatus, ComplianceResult, RecomputeRequest, ReturnAttempt
from outcomes.periods import LONDON, parse_period
from outcomes.results.compute import results_compute, results_compute_all, results_recompute
from outcomes.returns.services import return_import
from tests.factories import contract as make_contract
from tests.factories import target
from tests.outcomes.return_files import episode, episodes_csv, survey_csv

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=LONDON)
HEALTH = "HEALTH_NEEDS_MET"


@pytest.fixture
def acme(returns):
    return returns.contract


def accept(contract, period: str, *rows, survey=None) -> ReturnAttempt:
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
    )
    assert attempt.status == AttemptStatus.ACCEPTED, attempt.errors
    return attempt


def health(contract, period: str, numerator: int, denominator: int = 20) -> ReturnAttempt:
    """A nil return carrying only the month's HEALTH_NEEDS_MET survey figures."""
    return accept(contract, period, survey=[(HEALTH, numerator, denominator)])


def compute(contract, period: str, now: datetime = NOW) -> dict[str, ComplianceResult]:
    """results_compute for the period, by measure code."""
    return {
        r.target.measure: r for r in results_compute(contract=contract, period=parse_period(period), now=now)
    }


def visited(ref: str, first_visit: str, ended_on: str = "", end_reason: str = "", **cells) -> dict:
    day = date.fromisoformat(first_visit)
    return episode(
        ref,
        referred_at=f"{day - timedelta(days=1)}T09:00",
        first_visit_at=f"{first_visit}T10:00",
        ended_on=ended_on,
        end_reason=end_reason,
        **cells,
    )


# May 2025 with 42 days: judged in May are A, B (13 May) and C (17 May); A ended independent.
# Open in May: B and C; C went into hospital on 1 May.
APRIL = (
    visited("A", "2025-04-01", "2025-04-20", "independent"),
    visited("B", "2025-04-01"),
    visited("C", "2025-04-05"),
)
MAY = (
    visited("A", "2025-04-01", "2025-04-20", "independent"),
    visited("B", "2025-04-01"),
    visited("C", "2025-04-05", "2025-05-01", "hospital"),
)


def test_results_are_stored_one_latest_per_target_and_period_with_sources(acme):
    independent = target(acme, "INDEPENDENT_WITHIN", "66", min_denominator=1)
    hospital = target(acme, "HOSPITAL_ADMISSION", "10", min_denominator=1)
    april = accept(acme, "2025-04", *APRIL)
    may = accept(acme, "2025-05", *MAY)

    results = compute(acme, "2025-05")

    assert set(results) == {"INDEPENDENT_WITHIN", "HOSPITAL_ADMISSION"}
    first = results["INDEPENDENT_WITHIN"]
    assert (first.target, first.target_version) == (independent, independent.versions.get())
    assert (first.numerator, first.denominator, first.value, first.rag) == (1, 3, Decimal("33.3"), "red")
    assert (first.period, first.period_kind, first.period_start, first.period_end) == (
        "2025-05",
        "month",
        date(2025, 5, 1),
        date(2025, 5, 31),
    )
    assert first.is_latest and not first.restated and first.missing_months == []
    assert first.sources == {"2025-05": {"attempt": may.pk, "version": 1}}
    second = results["HOSPITAL_ADMISSION"]
    assert second.target == hospital
    assert (second.numerator, second.denominator, second.value, second.rag) == (1, 2, Decimal("50.0"), "red")

    quarter = compute(acme, "2025-26-Q1")["INDEPENDENT_WITHIN"]
    assert quarter.sources == {
        "2025-04": {"attempt": april.pk, "version": 1},
        "2025-05": {"attempt": may.pk, "version": 1},
    }
    assert quarter.missing_months == ["2025-06"]
    assert ComplianceResult.objects.filter(is_latest=True).count() == 4
    for measure in ("INDEPENDENT_WITHIN", "HOSPITAL_ADMISSION"):
        for period in ("2025-05", "2025-26-Q1"):
            assert ComplianceResult.objects.filter(target__measure=measure, period=period).count() == 1


def test_recomputing_unchanged_data_adds_no_rows(acme):
    target(acme, "INDEPENDENT_WITHIN", "66", min_denominator=1)
    accept(acme, "2025-04", *APRIL)
    accept(acme, "2025-05", *MAY)
    first = compute(acme, "2025-05")["INDEPENDENT_WITHIN"]
    later = NOW + timedelta(days=1)
    again = compute(acme, "2025-05", now=later)["INDEPENDENT_WITHIN"]
    assert again.pk == first.pk
    assert ComplianceResult.objects.count() == 1
    again.refresh_from_db()
    assert again.computed_at == NOW and again.checked_at == later
    # Accepting a later month that does not change May's figures adds no row either.
    accept(acme, "2025-06", *MAY)
    assert compute(acme, "2025-05")["INDEPENDENT_WITHIN"].pk == first.pk
    assert ComplianceResult.objects.count() == 1


def test_low_numbers_are_not_rated_but_keep_their_figures(acme):
    target(acme, "INDEPENDENT_WITHIN", "66")  # minimum denominator 5
    accept(acme, "2025-05", *MAY)
    result = compute(acme, "2025-05")["INDEPENDENT_WITHIN"]
    assert (result.numerator, result.denominator, result.value) == (1, 3, Decimal("33.3"))
    assert (result.rag, result.not_rated_reason) == ("not_rated", "low_numbers")


def test_no_accepted_return_in_the_window_is_no_data(acme):
    target(acme, "HOSPITAL_ADMISSION", "10", min_denominator=1)
    accept(acme, "2025-04", *APRIL)
    # June: one return rejected, another checked but not accepted: still no data for June.
    rejected = return_import(
        contract=acme, period="2025-06", file_bytes=b"not,a,return\n", filename="june.csv", accept=True
    )
    assert rejected.status == AttemptStatus.REJECTED
    unaccepted = return_import(
        contract=acme, period="2025-06", file_bytes=episodes_csv(*MAY), filename="j.csv"
    )
    assert unaccepted.status == AttemptStatus.VALID

    result = compute(acme, "2025-06")["HOSPITAL_ADMISSION"]
    assert (result.rag, result.not_rated_reason) == ("not_rated", "no_data")
    assert result.missing_months == ["2025-06"]
    assert (result.numerator, result.denominator) == (0, 2)  # April's B and C, still open
    # A nil return is an accepted return: June now has data.
    accept(acme, "2025-06")
    result = compute(acme, "2025-06")["HOSPITAL_ADMISSION"]
    assert (result.rag, result.not_rated_reason, result.missing_months) == ("green", None, [])


def test_an_incomplete_window_is_rated_and_lists_the_missing_months(acme):
    target(acme, HEALTH, "90", min_denominator=1)
    health(acme, "2025-04", 18)
    health(acme, "2025-06", 19)
    result = compute(acme, "2025-26-Q1")[HEALTH]
    assert (result.numerator, result.denominator, result.value, result.rag) == (
        37,
        40,
        Decimal("92.5"),
        "green",
    )
    assert result.missing_months == ["2025-05"] and result.incomplete
    assert result.not_rated_reason is None


def test_residential_entrys_data_window_is_its_lookback_within_the_contracts_term(acme, returns):
    everyone = {"service_type": "any"}
    target(acme, "RESIDENTIAL_ENTRY", "5", params=everyone, min_denominator=1)  # lookback R12
    accept(acme, "2025-04", *APRIL)
    accept(acme, "2025-06", *MAY)
    result = compute(acme, "2025-06")["RESIDENTIAL_ENTRY"]
    # July 2024 to March 2025 are before the contract began: they owe no return.
    assert result.missing_months == ["2025-05"]
    assert (result.numerator, result.denominator, result.rag) == (0, 3, "green")

    older = make_contract(
        returns.world.council,
        returns.world.provider_b,
        reference="RCC-HC-000",
        start_date=date(2024, 10, 1),
        return_due_day=10,
    )
    target(older, "RESIDENTIAL_ENTRY", "5", params=everyone, min_denominator=1)
    accept(older, "2025-06", *MAY)
    result = compute(older, "2025-06")["RESIDENTIAL_ENTRY"]
    assert result.missing_months == [
        "2024-10", "2024-11", "2024-12", "2025-01", "2025-02", "2025-03", "2025-04", "2025-05"
    ]  # fmt: skip
    assert result.rag != "not_rated"
    period_only = target(
        older, "RESIDENTIAL_ENTRY", "5", params={**everyone, "lookback": "period"}, min_denominator=1
    )
    by_target = {
        r.target: r for r in results_compute(contract=older, period=parse_period("2025-06"), now=NOW)
    }
    assert by_target[period_only].missing_months == []


def test_direction_of_travel_against_the_previous_period(acme):
    target(acme, HEALTH, "50")
    health(acme, "2025-04", 80, 100)
    assert compute(acme, "2025-04")[HEALTH].direction == "none"  # March: no target, no data
    for may, expected in ((809, "stable"), (810, "improved"), (791, "stable"), (790, "worsened")):
        health(acme, "2025-05", may, 1000)  # a new version of May each time
        result = compute(acme, "2025-05")[HEALTH]
        assert (result.value, result.direction) == (Decimal(may) / 10, expected)


def test_no_direction_when_either_period_is_not_rated(acme):
    target(acme, HEALTH, "50")
    # April not rated (4 respondents < 5), May rated.
    health(acme, "2025-04", 4, 4)
    health(acme, "2025-05", 1, 10)
    assert compute(acme, "2025-05")[HEALTH].direction == "none"
    # May not rated, April rated.
    health(acme, "2025-04", 1, 10)
    health(acme, "2025-05", 4, 4)
    assert compute(acme, "2025-05")[HEALTH].direction == "none"
    # No data for April at all.
    assert compute(acme, "2025-06")[HEALTH].rag == "not_rated"


def test_direction_of_a_quarter_is_against_the_quarter_before(acme):
    target(acme, HEALTH, "50")
    for month, numerator in (("2025-04", 16), ("2025-05", 16), ("2025-06", 16)):
        health(acme, month, numerator)  # Q1: 48/60 = 80.0
    for month, numerator in (("2025-07", 17), ("2025-08", 16), ("2025-09", 16)):
        health(acme, month, numerator)  # Q2: 49/60 = 81.7
    result = compute(acme, "2025-26-Q2")[HEALTH]
    assert (result.value, result.direction) == (Decimal("81.7"), "improved")


def test_a_period_is_judged_by_the_target_version_in_force_at_its_end(acme):
    independent = target(acme, "INDEPENDENT_WITHIN", "60", params={"window_days": 7}, min_denominator=1)
    v60 = independent.versions.get()
    v66 = TargetVersion.objects.create(
        target=independent,
        effective_from=date(2026, 4, 1),
        target_value=Decimal("66"),
        tolerance=Decimal("0.5"),
        min_denominator=1,
        recorded_by_label="test",
    )

    def five_of_eight(prefix: str, day: str) -> list[dict]:
        """Eight first visits on ``day``, judged 7 days later; five ended independent by then."""
        ended = (date.fromisoformat(day) + timedelta(days=3)).isoformat()
        rows = [visited(f"{prefix}{n}", day, ended, "independent") for n in range(5)]
        return rows + [visited(f"{prefix}{n}", day) for n in range(5, 8)]

    accept(acme, "2026-03", *five_of_eight("MAR", "2026-03-02"))
    accept(acme, "2026-04", *five_of_eight("APR", "2026-04-02"))

    march = compute(acme, "2026-03")["INDEPENDENT_WITHIN"]
    assert (march.value, march.target_version, march.rag) == (Decimal("62.5"), v60, "green")
    quarter = compute(acme, "2025-26-Q4")["INDEPENDENT_WITHIN"]  # ends 31 March 2026
    assert (quarter.value, quarter.target_version, quarter.rag) == (Decimal("62.5"), v60, "green")
    assert quarter.missing_months == ["2026-01", "2026-02"]
    april = compute(acme, "2026-04")["INDEPENDENT_WITHIN"]
    assert (april.value, april.target_version, april.rag) == (Decimal("62.5"), v66, "red")
    # The year to date to April 2026 is a new financial year: April only, judged against 66.
    ytd = compute(acme, "2026-27-YTD-04")["INDEPENDENT_WITHIN"]
    assert (ytd.target_version, ytd.rag) == (v66, "red")


def test_a_correction_after_the_window_was_complete_is_a_restatement(acme):
    health_target = target(acme, HEALTH, "85")
    health(acme, "2025-04", 18)
    health(acme, "2025-05", 19)
    health(acme, "2025-06", 17)
    before = compute(acme, "2025-26-Q1")[HEALTH]
    assert (before.numerator, before.denominator, before.value, before.rag) == (
        54,
        60,
        Decimal("90.0"),
        "green",
    )
    assert before.missing_months == [] and not before.restated

    health(acme, "2025-05", 10)  # May version 2
    after = compute(acme, "2025-26-Q1")[HEALTH]

    assert after.pk != before.pk
    assert (after.numerator, after.denominator, after.value, after.rag) == (45, 60, Decimal("75.0"), "red")
    assert after.is_latest and after.restated
    assert after.restates_id == before.pk
    assert "2025-05 version 2" in after.restated_because
    before.refresh_from_db()
    assert not before.is_latest
    assert (before.numerator, before.denominator, before.value) == (54, 60, Decimal("90.0"))  # kept as it was
    assert ComplianceResult.objects.filter(target=health_target, period="2025-26-Q1").count() == 2
    # Recomputing again changes nothing more.
    assert compute(acme, "2025-26-Q1")[HEALTH].pk == after.pk
    assert ComplianceResult.objects.filter(target=health_target, period="2025-26-Q1").count() == 2


def test_a_corrected_episode_restates_a_complete_month(acme):
    target(acme, "HOSPITAL_ADMISSION", "10", min_denominator=1)
    accept(acme, "2025-04", *APRIL)
    accept(acme, "2025-05", *MAY)
    before = compute(acme, "2025-05")["HOSPITAL_ADMISSION"]
    assert (before.numerator, before.denominator) == (1, 2)
    accept(acme, "2025-05", *MAY[:2], visited("C", "2025-04-05", "2025-05-01", "other"))
    after = compute(acme, "2025-05")["HOSPITAL_ADMISSION"]
    assert (after.numerator, after.denominator, after.restated) == (0, 2, True)
    assert after.restates_id == before.pk
    assert "2025-05 version 2" in after.restated_because


def test_a_later_month_that_corrects_an_episode_recomputes_the_earlier_months(acme):
    """C's May row says it went into hospital on 28 April: April's figure, already complete, changes
    when May is accepted (later months correct earlier ones), so May's acceptance recomputes April."""
    target(acme, "HOSPITAL_ADMISSION", "10", min_denominator=1)
    accept(acme, "2025-04", *APRIL)
    before = compute(acme, "2025-04")["HOSPITAL_ADMISSION"]
    assert (before.numerator, before.denominator) == (0, 3)
    accept(acme, "2025-05", *MAY[:2], visited("C", "2025-04-05", "2025-04-28", "hospital"))
    # The episode's own dates (first visit and ending in April) put April among the months touched.
    assert {"2025-04", "2025-05"} <= set(RecomputeRequest.objects.get(contract=acme).months)
    assert "2025-04" in results_recompute(contract_id=acme.pk, months=["2025-05"])
    after = ComplianceResult.objects.get(target__contract=acme, period="2025-04", is_latest=True)
    assert (after.numerator, after.denominator, after.restated) == (1, 3, True)
    assert after.restates_id == before.pk


def test_a_change_while_the_window_was_incomplete_is_not_a_restatement(acme):
    health_target = target(acme, HEALTH, "85")
    health(acme, "2025-04", 18)
    health(acme, "2025-05", 19)
    first = compute(acme, "2025-26-Q1")[HEALTH]
    assert first.missing_months == ["2025-06"] and (first.numerator, first.denominator) == (37, 40)

    health(acme, "2025-05", 10)  # corrected while June is still missing
    second = compute(acme, "2025-26-Q1")[HEALTH]
    assert second.pk != first.pk
    assert (second.numerator, second.denominator) == (28, 40)
    assert not second.restated and second.restates is None and second.restated_because == ""

    health(acme, "2025-06", 17)  # the window becomes complete: new figures, not a restatement
    third = compute(acme, "2025-26-Q1")[HEALTH]
    assert (third.numerator, third.denominator, third.missing_months) == (45, 60, [])
    assert not third.restated and third.restates is None

    health(acme, "2025-04", 20)  # after completion: a restatement
    fourth = compute(acme, "2025-26-Q1")[HEALTH]
    assert (fourth.numerator, fourth.denominator, fourth.restated) == (47, 60, True)
    assert fourth.restates_id == third.pk
    assert "2025-04 version 2" in fourth.restated_because
    assert ComplianceResult.objects.filter(target=health_target, period="2025-26-Q1").count() == 4
    assert (
        ComplianceResult.objects.filter(target=health_target, period="2025-26-Q1", is_latest=True).get()
        == fourth
    )


def test_contracts_computed_together_get_the_figures_each_gets_alone(acme, returns):
    """The nightly run counts many contracts per query (grouped by measure, parameters and
    coverage): every figure must equal the contract computed on its own."""
    other = make_contract(
        returns.world.council, returns.world.provider_b, reference="RCC-HC-002", start_date=date(2025, 4, 1)
    )
    later = make_contract(
        returns.world.council, returns.world.provider_b, reference="RCC-HC-003", start_date=date(2025, 4, 1)
    )
    for each in (acme, other, later):
        target(each, "INDEPENDENT_WITHIN", "66", min_denominator=1)
        target(each, "HOSPITAL_ADMISSION", "10", min_denominator=1)
        target(each, "PACKAGE_REDUCED", "20", min_denominator=1, params={"min_tenure_days": 30})
        target(each, "RETURNS_ON_TIME", "100", min_denominator=1)
    target(other, "INDEPENDENT_WITHIN", "50", min_denominator=1, params={"window_days": 91})  # other params
    accept(acme, "2025-04", *APRIL)
    accept(acme, "2025-05", *MAY)
    accept(other, "2025-04", *APRIL[:2])
    accept(other, "2025-05", *MAY[:2])
    accept(later, "2025-04", *APRIL)  # covered to April only: a group of its own
    periods = [parse_period(p) for p in ("2025-04", "2025-05", "2025-26-Q1", "2025-26-YTD-05", "R12-2025-05")]

    def figures(rows) -> dict:
        return {
            (r.target_id, r.period): (
                r.numerator,
                r.denominator,
                r.pending,
                r.rag,
                r.direction,
                r.missing_months,
            )
            for r in rows
        }

    together = figures(results_compute_all(dict.fromkeys((acme, other, later), periods), now=NOW))
    ComplianceResult.objects.all().delete()
    alone = {}
    for each in (acme, other, later):
        alone |= figures(results_compute_all({each: periods}, now=NOW))
    assert together == alone
    assert len(together) == (4 + 5 + 4) * len(periods)
    hospital = ComplianceResult.objects.get(
        target__contract=acme, target__measure="HOSPITAL_ADMISSION", period="2025-05"
    )
    assert (hospital.numerator, hospital.denominator) == (1, 2)
