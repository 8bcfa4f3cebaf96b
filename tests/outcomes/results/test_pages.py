"""The result pages: the contract scorecard, a result in detail, the RAG override and "Recompute now".

Results are seen by the prime provider and the contract's commissioners (404 for anyone else);
only the lead body's commissioners override (OVERRIDE_RESULTS) or recompute (403 for others).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AuditEntry, Role
from outcomes.models import AttemptStatus, ComplianceResult, RecomputeRun
from outcomes.periods import parse_period
from outcomes.results import compute as compliance
from outcomes.results.compute import recompute_run_execute, results_compute, results_recompute
from outcomes.results.episodes import result_episodes
from outcomes.results.selectors import Cell
from outcomes.returns.services import return_import
from tests.factories import ProviderFactory, contract, member, target
from tests.outcomes.return_files import episode, episodes_csv

pytestmark = pytest.mark.django_db


def visited(ref: str, day: str, ended_on: str = "", end_reason: str = "") -> dict:
    """An April 2025 episode: referred the day before its first visit."""
    return episode(
        ref,
        referred_at=f"2025-04-{int(day) - 1:02d}T09:00" if int(day) > 1 else "2025-04-01T08:00",
        first_visit_at=f"2025-04-{int(day):02d}T10:00",
        ended_on=ended_on,
        end_reason=end_reason,
    )


# First visits in early April: judged at first visit + 42 days, in May (Q1). Four of six ended
# independent by then: 66.7% (4/6) against a target of 66 → Green.
APRIL = (
    visited("E1", "1", "2025-04-20", "independent"),
    visited("E2", "2", "2025-04-21", "independent"),
    visited("E3", "3", "2025-04-22", "independent"),
    visited("E4", "4", "2025-04-23", "independent"),
    visited("E5", "5"),
    visited("E6", "6"),
)


def accept(contract_obj, period: str, *rows):
    attempt = return_import(
        contract=contract_obj,
        period=period,
        file_bytes=episodes_csv(*rows) if rows else None,
        filename="x.csv" if rows else "",
        nil=not rows,
        accept=True,
    )
    assert attempt.status == AttemptStatus.ACCEPTED, attempt.errors
    return attempt


class Setup:
    def __init__(self, world):
        self.world = world
        self.subcontractor = ProviderFactory(name="Carewell Subcontracting Ltd")
        world.users["subcontractor"] = member(self.subcontractor, Role.APPROVER, email="sub@carewell.example")
        self.contract = contract(
            world.council,
            world.provider_a,
            reference="RCC-HC-009",
            partners=[world.icb],
            subcontractors=[self.subcontractor],
        )
        self.target = target(self.contract, "INDEPENDENT_WITHIN", "66")
        accept(self.contract, "2025-04", *APRIL)
        accept(self.contract, "2025-05")
        accept(self.contract, "2025-06")
        results_recompute(contract_id=self.contract.pk)  # what the background work does after acceptance
        self.q1 = ComplianceResult.objects.get(target=self.target, period="2025-26-Q1", is_latest=True)
        self.ytd = ComplianceResult.objects.get(target=self.target, period="2025-26-YTD-06", is_latest=True)

    @property
    def scorecard_url(self) -> str:
        return f"/results/contracts/{self.contract.pk}/"

    def detail_url(self, result=None) -> str:
        return f"/results/{(result or self.q1).pk}/"


@pytest.fixture
def setup(world, media_root) -> Setup:
    return Setup(world)


def test_figures_are_stored_as_expected(setup):
    assert (setup.q1.numerator, setup.q1.denominator, str(setup.q1.value), setup.q1.rag) == (
        4,
        6,
        "66.7",
        "green",
    )


@pytest.mark.parametrize("role", ["commissioner", "c_viewer", "icb_admin", "a_viewer", "a_approver"])
def test_scorecard_for_commissioners_and_prime_provider(client, setup, role):
    client.force_login(setup.world.users[role])
    response = client.get(setup.scorecard_url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Financial year 2025-26 (April 2025 to March 2026)" in page
    assert "66.7% (4/6)" in page
    assert ">Green</strong>" in page
    assert "66% or more" in page
    assert "0.7 pp better" in page
    assert "Latest quarter that has ended, 2025-26-Q1: 1 Green" in page
    assert "to 31 March 2026" in page  # the year to date of a year that has ended runs to March
    assert '<th scope="row"' in page and "<caption" in page


@pytest.mark.parametrize("role", ["subcontractor", "b_admin"])
def test_scorecard_hidden_from_subcontractor_and_other_providers(client, setup, role):
    client.force_login(setup.world.users[role])
    assert client.get(setup.scorecard_url).status_code == 404
    assert client.get(setup.detail_url()).status_code == 404


def test_scorecard_year_without_results_shows_dashes(client, setup):
    client.force_login(setup.world.users["commissioner"])
    page = client.get(setup.scorecard_url, {"year": "2026"}).content.decode()
    assert "Financial year 2026-27" in page
    assert "66.7% (4/6)" not in page
    assert "—" in page


def test_recompute_button_only_for_lead_commissioners(client, setup):
    client.force_login(setup.world.users["commissioner"])
    assert "Recompute now" in client.get(setup.scorecard_url).content.decode()
    for role in ("icb_admin", "contract_officer", "a_approver"):
        client.force_login(setup.world.users[role])
        assert "Recompute now" not in client.get(setup.scorecard_url).content.decode()


def test_recompute_runs_in_the_background_and_shows_progress(
    client, setup, django_capture_on_commit_callbacks
):
    """The button queues a run (computed in-process here); the scorecard shows how it went."""
    client.force_login(setup.world.users["commissioner"])
    with django_capture_on_commit_callbacks(execute=True):  # the task is queued once the request commits
        response = client.post(f"{setup.scorecard_url}recompute/", {"year": "2025"})
    assert response.url == f"{setup.scorecard_url}?year=2025#recompute"
    page = client.get(response.url).content.decode()
    assert "Results recomputed at" in page
    # The kept periods of the year: three months, Q1, and twelve years to date and rolling twelve months.
    assert "28 results for 28 periods of 2025-26" in page
    run = RecomputeRun.objects.get(contract=setup.contract)
    assert (run.status, run.done, run.results) == ("done", 28, 28)
    assert {"2025-26-Q1", "2025-26-YTD-03", "R12-2026-03"} <= set(run.periods)
    assert "2025-26-Q4" not in run.periods  # no month of it has an accepted return
    entry = AuditEntry.objects.get(action="results.recompute")
    assert entry.details["contract"] == "RCC-HC-009"


def test_recompute_progress_panel_polls_while_running_and_reloads_when_done(client, setup):
    client.force_login(setup.world.users["commissioner"])
    run = RecomputeRun.objects.create(
        contract=setup.contract,
        year=2025,
        periods=["2025-26-Q1", "2025-26-YTD-06", "2025-26-Q2", "2025-26-YTD-09"],
        status=RecomputeRun.Status.RUNNING,
        done=1,
        requested_by_label="Sam Commissioner",
    )
    page = client.get(setup.scorecard_url).content.decode()
    assert "Recomputing: 1 of 4 periods computed." in page
    assert f'hx-get="/results/recomputes/{run.pk}/"' in page
    assert "Recompute now<" not in page, "no second request while one is under way"
    status = client.get(f"/results/recomputes/{run.pk}/", HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in status
    assert 'value="1"' in status.content.decode()
    run.status, run.done, run.results, run.finished_at = "done", 4, 4, timezone.now()
    run.save()
    status = client.get(f"/results/recomputes/{run.pk}/", HTTP_HX_REQUEST="true")
    assert status["HX-Refresh"] == "true"
    assert "hx-get" not in status.content.decode()
    assert "Results recomputed at" in status.content.decode()


def test_a_second_request_while_one_is_under_way_is_not_queued(client, setup):
    client.force_login(setup.world.users["commissioner"])
    RecomputeRun.objects.create(
        contract=setup.contract, year=2025, periods=["2025-26-Q1"], requested_by_label="Sam Commissioner"
    )
    response = client.post(f"{setup.scorecard_url}recompute/", {"year": "2025"}, follow=True)
    assert "already under way" in response.content.decode()
    assert RecomputeRun.objects.filter(contract=setup.contract).count() == 1


def test_a_stale_run_does_not_block_a_new_one(client, setup, django_capture_on_commit_callbacks):
    client.force_login(setup.world.users["commissioner"])
    RecomputeRun.objects.create(
        contract=setup.contract,
        year=2025,
        periods=["2025-26-Q1"],
        requested_by_label="Sam Commissioner",
        requested_at=timezone.now() - timedelta(minutes=16),
    )
    assert "has not finished" in client.get(setup.scorecard_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{setup.scorecard_url}recompute/", {"year": "2025"})
    assert RecomputeRun.objects.filter(contract=setup.contract, status="done").count() == 1


def test_a_failed_run_is_recorded_and_shown(client, setup, monkeypatch):

    def broken(**kwargs):
        raise RuntimeError("database went away")

    run = RecomputeRun.objects.create(
        contract=setup.contract,
        year=2025,
        periods=["2025-26-Q1", "2025-26-YTD-06"],
        requested_by_label="Sam Commissioner",
    )
    monkeypatch.setattr(compliance, "results_compute", broken)
    assert compliance.recompute_run_execute(run.pk) == "failed"
    run.refresh_from_db()
    assert (run.status, run.done) == ("failed", 0)
    assert "RuntimeError: database went away" in run.error
    client.force_login(setup.world.users["commissioner"])
    page = client.get(setup.scorecard_url).content.decode()
    assert "stopped after 0 of 2 periods" in page
    assert "Recompute now" in page


def test_a_finished_run_is_not_run_again(setup):

    run = RecomputeRun.objects.create(
        contract=setup.contract,
        year=2025,
        periods=["2025-26-Q1"],
        status=RecomputeRun.Status.DONE,
        done=1,
        results=1,
        requested_by_label="Sam Commissioner",
    )
    assert recompute_run_execute(run.pk) == "done"
    run.refresh_from_db()
    assert run.started_at is None


@pytest.mark.parametrize("role", ["icb_admin", "contract_officer", "c_viewer", "a_approver"])
def test_recompute_forbidden_to_others(client, setup, role):
    client.force_login(setup.world.users[role])
    assert client.post(f"{setup.scorecard_url}recompute/", {"year": "2025"}).status_code == 403


def test_override_shown_beside_computed_rag_and_audited(client, setup):
    client.force_login(setup.world.users["commissioner"])
    response = client.post(
        f"{setup.detail_url()}override/", {"rag": "red", "reason": "Agreed at the Q1 review: data quality"}
    )
    assert response.status_code == 302
    detail = client.get(setup.detail_url()).content.decode()
    assert "overridden: Red (computed Green)" in detail
    assert "Agreed at the Q1 review: data quality" in detail
    scorecard = client.get(setup.scorecard_url).content.decode()
    assert "overridden: Red (computed Green)" in scorecard
    assert ">Red</strong>" in scorecard
    entry = AuditEntry.objects.get(action="result.override")
    assert entry.details["rag"] == "red" and entry.details["computed_rag"] == "green"

    withdrawn = client.post(f"{setup.detail_url()}override/", {"rag": "withdraw", "reason": "Data corrected"})
    assert withdrawn.status_code == 302
    assert "overridden:" not in client.get(setup.scorecard_url).content.decode()
    assert AuditEntry.objects.filter(action="result.override_withdraw").exists()


def test_override_without_reason_shows_error_summary(client, setup):
    client.force_login(setup.world.users["commissioner"])
    response = client.post(f"{setup.detail_url()}override/", {"rag": "red", "reason": "  "})
    assert response.status_code == 200
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert page.index("govuk-error-summary") < page.index("<h1")
    assert "Give the reason for the override" in page
    assert "<title>Error:" in page
    assert not AuditEntry.objects.filter(action="result.override").exists()


@pytest.mark.parametrize("role", ["icb_admin", "a_approver", "contract_officer"])
def test_override_forbidden_to_partners_providers_and_officers(client, setup, role):
    client.force_login(setup.world.users[role])
    response = client.post(f"{setup.detail_url()}override/", {"rag": "red", "reason": "Because"})
    assert response.status_code == 403
    assert "Save the override" not in client.get(setup.detail_url()).content.decode()


def test_detail_shows_definition_figures_sources_and_episodes(client, setup):
    client.force_login(setup.world.users["a_viewer"])
    page = client.get(setup.detail_url()).content.decode()
    assert '<h1 class="govuk-heading-l">Independent 42 days after first visit (short-term care)</h1>' in page
    assert "66.7% (4/6)" in page
    assert "April 2025" in page and "Version 1" in page
    assert "ended independent on 20 April 2025, 19 days after first visit" in page
    assert "still receiving help when judged on" in page
    assert "Save the override" not in page


def test_detail_shows_the_period_before_that_the_change_compares_with(client, setup):
    client.force_login(setup.world.users["a_viewer"])
    first = client.get(setup.detail_url()).content.decode()
    assert re.search(r'data-testid="before">No result is stored for 2024-25-Q4<', first)
    april, may = (
        ComplianceResult.objects.get(target=setup.target, period=month, is_latest=True)
        for month in ("2025-04", "2025-05")
    )
    page = client.get(setup.detail_url(may)).content.decode()
    before = re.search(r'data-testid="before">(.*?)</dd>', page, re.S).group(1)
    shown = Cell(april)
    assert before.startswith(
        f'<a class="govuk-link" href="/results/{april.pk}/">April 2025</a>: {shown.figures} '
    )
    assert f">{shown.rag_label}</strong>" in before


def test_counts_are_labelled_as_episodes_not_people(client, setup):
    # measures.md v1.1: every measure counts episodes (a person readmitted counts twice), so the
    # labels say "episodes", never "people".
    ComplianceResult.objects.filter(pk=setup.q1.pk).update(pending=2)
    client.force_login(setup.world.users["commissioner"])
    detail = client.get(setup.detail_url()).content.decode()
    assert "What is counted (denominator)" in detail
    assert "rated from 5 episodes;" in detail
    assert "2 episodes whose judging day falls after the last month with an accepted return" in detail
    scorecard = client.get(setup.scorecard_url).content.decode()
    assert "Each figure is the value, then the episodes counted" in scorecard
    assert '"Low numbers": fewer episodes than the target' in scorecard
    for page in (detail, scorecard):
        assert "people counted" not in page and "person,people" not in page
        assert "Who is counted" not in page and "fewer people" not in page.lower()


def test_result_episodes_reapplies_the_cohort(setup):
    table = result_episodes(setup.q1)
    assert table.kind == "episodes" and table.total == 6
    counted = {row.episode_ref: row.in_numerator for row in table.rows}
    assert counted == {"E1": True, "E2": True, "E3": True, "E4": True, "E5": False, "E6": False}
    assert sum(counted.values()) == setup.q1.numerator
    capped = result_episodes(setup.q1, limit=2)
    assert len(capped.rows) == 2 and capped.capped


def test_detail_history_shows_restated_row(client, setup):
    # A correction to April after every month of Q1 had a return: E4 did not end independent.
    corrected = [*APRIL[:3], visited("E4", "4"), *APRIL[4:]]
    accept(setup.contract, "2025-04", *corrected)
    restated = results_compute(contract=setup.contract, period=parse_period("2025-26-Q1"))[0]
    assert restated.restated and restated.pk != setup.q1.pk
    client.force_login(setup.world.users["commissioner"])
    page = client.get(setup.detail_url(restated)).content.decode()
    assert "50.0% (3/6)" in page and "66.7% (4/6)" in page
    assert page.index("50.0% (3/6)") < page.index("66.7% (4/6)", page.index('data-testid="history"'))
    assert "Restated" in page and "2025-04 version 2" in page
    earlier = client.get(setup.detail_url(setup.q1)).content.decode()
    assert "This is an earlier figure" in earlier
    scorecard = client.get(setup.scorecard_url).content.decode()
    assert "50.0% (3/6)" in scorecard and "restated" in scorecard


def test_contract_page_links_to_scorecard(client, setup):
    client.force_login(setup.world.users["commissioner"])
    page = client.get(f"/contracts/{setup.contract.pk}/").content.decode()
    assert f'href="/results/contracts/{setup.contract.pk}/"' in page
    client.force_login(setup.world.users["subcontractor"])
    response = client.get(f"/contracts/{setup.contract.pk}/")
    if response.status_code == 200:
        assert "/results/contracts/" not in response.content.decode()
