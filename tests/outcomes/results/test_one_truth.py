"""One truth for every figure: what an acceptance recomputes (by the episodes' own dates), windows
reaching outside the contract's term, `compliance --stored`, and the nightly check (measures.md v1.1)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import AuditEntry
from outcomes.models import ComplianceResult, EpisodeRecord, RecomputeRequest
from outcomes.periods import LONDON, parse_period, periods_kept
from outcomes.results import compute
from outcomes.results.calculators import queries_kept
from outcomes.results.compute import (
    contract_periods,
    results_check,
    results_check_all,
    results_compute_periods,
    results_fresh,
    results_recompute,
)
from outcomes.results.overrides import result_override
from outcomes.results.selectors import coverage_texts
from tests.factories import acting, contract, target
from tests.outcomes.results.invariant import assert_stored_equals_fresh
from tests.outcomes.results.test_compute import accept, visited
from tests.outcomes.return_files import episode

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(returns):
    return returns.contract


def stored(contract, period: str) -> dict:
    """`compliance --stored --json` for the period, by measure."""
    out = io.StringIO()
    call_command("compliance", contract=contract.reference, period=period, stored=True, json=True, stdout=out)
    return {row["measure"]: row for row in json.loads(out.getvalue())["results"]}


def drain(contract) -> list[str]:
    """What the background work does after acceptances: recompute what the requests name."""
    return results_recompute(contract_id=contract.pk)


def referred(ref: str, referred_at: str, hours_to_visit: int | None, **cells) -> dict:
    """An episode referred at ``referred_at`` (London), first visited ``hours_to_visit`` hours later."""
    start = datetime.fromisoformat(referred_at)
    visit = "" if hours_to_visit is None else (start + timedelta(hours=hours_to_visit)).isoformat()
    return episode(ref, referred_at=referred_at, first_visit_at=visit[:16], **cells)


# --- Worked example 7: a rolling window reaching before the contract's start ---------------------


def test_worked_example_7_r12_before_the_contract_started_is_incomplete_not_missing(acme):
    target(
        acme, "RESIDENTIAL_ENTRY", "5", params={"lookback": "R12", "service_type": "any"}, min_denominator=1
    )
    for month in ("2025-04", "2025-05", "2025-06"):
        accept(
            acme,
            month,
            visited("A", "2025-04-02"),
            visited("B", "2025-04-03", "2025-04-20", "residential_care"),
        )
    drain(acme)

    row = stored(acme, "2025-26-Q1")["RESIDENTIAL_ENTRY"]

    assert (row["numerator"], row["denominator"], row["value"], row["rag"]) == (1, 2, "50.0", "red")
    assert row["incomplete"] is True
    assert row["missing_months"] == []  # no return owed is missing
    result = ComplianceResult.objects.get(target__contract=acme, period="2025-26-Q1", is_latest=True)
    assert result.outside_term_months == [f"{m:%Y-%m}" for m in parse_period("R12-2025-03").months[3:]]
    assert coverage_texts(result) == [
        "Incomplete: covers Apr–Jun 2025 only. The contract started on 1 April 2025, "
        "so no return is owed for Jul 2024–Mar 2025."
    ]


def test_a_missing_month_is_named_apart_from_months_before_the_start(acme):
    target(
        acme, "RESIDENTIAL_ENTRY", "5", params={"lookback": "R12", "service_type": "any"}, min_denominator=1
    )
    accept(acme, "2025-04", visited("A", "2025-04-02"))
    accept(acme, "2025-06", visited("A", "2025-04-02"))
    drain(acme)
    result = ComplianceResult.objects.get(target__contract=acme, period="2025-26-Q1", is_latest=True)
    assert result.missing_months == ["2025-05"]
    assert coverage_texts(result)[-1] == "Incomplete: no accepted return for May 2025."


# --- Worked example 8: a late-reported episode changes the periods of its own dates ----------------


def test_worked_example_8_a_late_reported_episode_restates_august_q2_ytd_and_r12(returns):
    contract = returns.contract
    contract.start_date = date(2025, 7, 1)
    contract.save(update_fields=["start_date"])
    target(contract, "HELP_48H", "65", min_denominator=1)
    quick = [referred(f"J{m}{i}", f"2025-0{m}-1{i}T09:00", 4) for m in (7, 8, 9) for i in range(2)]
    for count, month in enumerate(("2025-07", "2025-08", "2025-09"), start=1):
        accept(contract, month, *quick[: 2 * count])
    drain(contract)
    before = {
        period: stored(contract, period)["HELP_48H"] for period in ("2025-08", "2025-26-Q2", "2025-26-YTD-09")
    }
    assert before["2025-08"]["denominator"] == 2 and not before["2025-08"]["restated"]

    late = referred("LATE", "2025-08-20T09:00", 50)  # reported first in October, visited 50 hours later
    accept(contract, "2025-10", *quick, late, referred("OCT", "2025-10-02T09:00", 3))
    assert "2025-08" in RecomputeRequest.objects.get(contract=contract).months
    recomputed = drain(contract)

    for period in ("2025-08", "2025-26-Q2", "2025-26-YTD-08", "2025-26-YTD-09", "R12-2025-08", "R12-2025-09"):
        assert period in recomputed
        row = stored(contract, period)["HELP_48H"]
        earlier = ComplianceResult.objects.filter(target__contract=contract, period=period, is_latest=False)
        assert row["restated"] is True, period
        assert earlier.exists(), period  # the earlier figure stays beside the new one
    assert (
        stored(contract, "2025-08")["HELP_48H"]["numerator"],
        stored(contract, "2025-08")["HELP_48H"]["denominator"],
    ) == (2, 3)
    assert stored(contract, "2025-26-Q2")["HELP_48H"]["denominator"] == 7
    assert stored(contract, "2025-26-YTD-10")["HELP_48H"]["denominator"] == 8
    assert stored(contract, "2025-26-YTD-10")["HELP_48H"]["restated"] is False  # first computed now
    assert_stored_equals_fresh(contract)


def test_an_episode_moved_between_months_by_a_correction_recomputes_both(acme):
    target(acme, "HELP_48H", "65", min_denominator=1)
    accept(acme, "2025-04", referred("X", "2025-04-10T09:00", 3))
    accept(acme, "2025-05", referred("X", "2025-04-10T09:00", 3), referred("Y", "2025-05-10T09:00", 3))
    accept(acme, "2025-06", referred("Y", "2025-05-10T09:00", 3))
    drain(acme)
    # June's correction says X was referred in June after all (its April and May rows are older).
    accept(acme, "2025-06", referred("Y", "2025-05-10T09:00", 3), referred("X", "2025-06-01T09:00", 60))
    drain(acme)
    assert stored(acme, "2025-04")["HELP_48H"]["denominator"] == 0
    assert stored(acme, "2025-06")["HELP_48H"]["numerator"] == 0
    assert_stored_equals_fresh(acme)


# --- The default periods kept --------------------------------------------------------------------


def test_years_to_date_and_rolling_windows_are_kept_only_to_the_latest_ended_month():
    kept = {p.identifier for p in periods_kept([date(2026, 9, 1)], today=date(2026, 11, 20))}
    assert {"2026-27-YTD-09", "2026-27-YTD-10", "R12-2026-10"} <= kept
    assert not {"2026-27-YTD-11", "2026-27-YTD-03", "R12-2026-11"} & kept
    assert "2026-27-Q2" in kept


# --- compliance --stored ---------------------------------------------------------------------------


def test_stored_prints_the_rag_in_force_beside_the_computed_one(acme, returns):
    independent = target(acme, "INDEPENDENT_WITHIN", "66", min_denominator=1)
    accept(acme, "2025-04", visited("A", "2025-03-01", "2025-03-20", "independent"))
    drain(acme)
    row = stored(acme, "2025-04")["INDEPENDENT_WITHIN"]
    assert (row["rag"], row["computed_rag"]) == ("green", "green")
    result = ComplianceResult.objects.get(target=independent, period="2025-04", is_latest=True)
    lead = acting(returns.world.users["commissioner"], returns.world.council)
    result_override(acting=lead, result=result, rag_value="red", reason="Agreed at the review")
    row = stored(acme, "2025-04")["INDEPENDENT_WITHIN"]
    assert (row["rag"], row["computed_rag"]) == ("red", "green")


def test_stored_says_so_and_exits_1_when_nothing_is_stored(acme):
    target(acme, "HELP_48H", "65")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("compliance", contract=acme.reference, period="2025-26-Q1", stored=True, stderr=err)
    assert exit_.value.code == 1
    assert "No results are stored for RCC-HC-001 2025-26-Q1" in err.getvalue()


# --- The nightly check -------------------------------------------------------------------------------


def test_the_nightly_check_repairs_drift_and_records_it(acme):
    target(acme, "HELP_48H", "65", min_denominator=1)
    accept(acme, "2025-04", referred("X", "2025-04-10T09:00", 3), referred("Y", "2025-04-11T09:00", 90))
    drain(acme)
    ComplianceResult.objects.filter(contract=acme, period="2025-04").update(numerator=2)  # drift, by hand

    check = results_check(acme)

    assert [(d["period"], d["fields"]) for d in check.drifted] == [("2025-04", ["numerator"])]
    entry = AuditEntry.objects.get(action="results.drift_repaired")
    assert entry.details["results"][0]["period"] == "2025-04"
    assert stored(acme, "2025-04")["HELP_48H"]["numerator"] == 1
    assert results_check(acme).drifted == []  # nothing left to repair


def test_the_nightly_check_repairs_broken_latest_row_flags(acme):
    target(acme, "HELP_48H", "65", min_denominator=1)
    accept(acme, "2025-04", referred("X", "2025-04-10T09:00", 3))
    accept(acme, "2025-05", referred("X", "2025-04-10T09:00", 3))
    drain(acme)
    EpisodeRecord.objects.filter(contract=acme, month=date(2025, 4, 1)).update(
        is_latest=True
    )  # two latest rows

    check = results_check(acme)

    assert check.latest_rows_repaired == 1
    assert EpisodeRecord.objects.filter(contract=acme, episode_ref="X", is_latest=True).count() == 1
    assert AuditEntry.objects.filter(action="results.latest_rows_repaired").count() == 1
    assert_stored_equals_fresh(acme)


def test_the_nightly_check_rolls_forward_when_a_month_ends(acme):
    target(acme, "HELP_48H", "65", min_denominator=1)
    accept(acme, "2025-04", referred("X", "2025-04-10T09:00", 3))
    drain(acme)
    may_first = datetime(2025, 5, 1, 0, 30, tzinfo=LONDON)
    kept_then = {p.identifier for p in contract_periods(acme, may_first.date())}
    assert "2025-26-YTD-04" in kept_then and "2025-26-YTD-05" not in kept_then
    ComplianceResult.objects.filter(contract=acme, period="2025-26-YTD-05").delete()
    results_compute_periods(contract=acme, periods=[], now=may_first)
    check = results_check(acme)
    assert check.rolled_forward >= 1 and check.drifted == []
    assert stored(acme, "2025-26-YTD-05")["HELP_48H"]["missing_months"] == ["2025-05"]


def test_work_still_waiting_is_finished_by_the_nightly_check_not_taken_for_drift(acme):
    target(acme, "HELP_48H", "65", min_denominator=1)
    accept(acme, "2025-04", referred("X", "2025-04-10T09:00", 3))
    drain(acme)
    accept(acme, "2025-04", referred("X", "2025-04-10T09:00", 60))  # its recompute has not run yet

    check = results_check(acme)

    assert check.drifted == [] and not AuditEntry.objects.filter(action="results.drift_repaired").exists()
    assert stored(acme, "2025-04")["HELP_48H"]["numerator"] == 0
    assert_stored_equals_fresh(acme)


def test_each_chunk_of_the_nightly_check_counts_its_own_contracts_with_the_queries_kept(acme, monkeypatch):
    other = contract(acme.lead_commissioner, acme.provider, reference="RCC-HC-002", return_due_day=10)
    helped = {}
    for each in (acme, other):
        helped[each] = target(each, "HELP_48H", "65", min_denominator=1)
        target(each, "RESIDENTIAL_ENTRY", "5", min_denominator=1)
    accept(acme, "2025-04", referred("X", "2025-04-10T09:00", 3), referred("Y", "2025-04-11T09:00", 90))
    accept(other, "2025-04", referred("Z", "2025-04-12T09:00", 2))
    drain(acme), drain(other)
    now = timezone.now()
    alone = {each: results_fresh({each: contract_periods(each)}, now=now) for each in (acme, other)}

    with queries_kept():  # the second contract's counts run the queries built for the first's
        together = {each: results_fresh({each: contract_periods(each)}, now=now) for each in (acme, other)}
    monkeypatch.setattr(compute, "CONTRACTS_PER_RUN", 1)
    check = results_check_all([acme, other], now=now)

    assert together == alone
    assert alone[acme][helped[acme].pk, "2025-04"]["denominator"] == 2
    assert alone[other][helped[other].pk, "2025-04"]["denominator"] == 1
    assert check.contracts == 2 and check.drifted == []


def test_the_nightly_check_withdraws_a_year_to_date_reaching_a_month_to_come(acme):
    target(acme, "HELP_48H", "65", min_denominator=1)
    accept(acme, "2025-04", referred("X", "2025-04-10T09:00", 3))
    drain(acme)
    may = datetime(2025, 5, 20, 12, tzinfo=LONDON)
    results_compute_periods(contract=acme, periods=[parse_period("2025-26-YTD-03")], now=may)  # on request

    check = results_check(acme, now=may)

    # As at 20 May 2025 only April has ended: every later year to date and rolling twelve months goes.
    assert "2025-26-YTD-03" in check.withdrawn and check.drifted == []
    assert all(parse_period(p).end > date(2025, 4, 30) for p in check.withdrawn)
    assert "2025-26-YTD-04" not in check.withdrawn and "R12-2025-04" not in check.withdrawn
    assert not ComplianceResult.objects.filter(
        contract=acme, period="2025-26-YTD-03", is_latest=True
    ).exists()
    assert AuditEntry.objects.get(action="results.withdrawn").details["periods"] == check.withdrawn
