"""Sign-off uses the rows kept from validation while nothing the checks read has changed.

The validation task keeps a valid attempt's typed rows with what its checks read (the file's and the
survey's SHA-256, the rules, the previous month's newest accepted version, the contract's
commissioned services and term). Signing off an unchanged attempt writes those rows without checking
the file again; when anything they depended on has changed, it checks the stored file again, with the
same messages. Either way the accepted version's rows are the same.
"""

from __future__ import annotations

from datetime import date
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from commissioning.models import ServiceType
from outcomes.models import AttemptStatus, CheckedReturn, EpisodeRecord, SurveyFigure
from outcomes.retention.apply import retention_apply
from outcomes.returns import acceptance
from outcomes.returns.validation import attempt_inputs, rules_version
from tests.outcomes.return_files import VALID_EPISODES, episode, episodes_csv, survey_csv
from tests.outcomes.returns.test_services import sign_off, submit

pytestmark = pytest.mark.django_db

STORED = (
    "row",
    "episode_ref",
    "person_ref",
    "service_type",
    "referral_source",
    "age_band",
    "dementia",
    "end_of_life",
    "referred_at",
    "first_visit_at",
    "referred_on",
    "first_visit_on",
    "weekly_hours_start",
    "weekly_hours_now",
    "ended_on",
    "end_reason",
    "died_in_preferred_place",
    "at_home_91_days",
    "month",
    "is_latest",
)
ROWS = (
    episode("EP-1", weekly_hours_start="7.125", weekly_hours_now="0.335", first_visit_at="2025-05-04"),
    episode("EP-2", referred_at="2025-05-03T14:30:15.25+00:00", first_visit_at="03/05/2025 16:00"),
    episode("EP-3", service_type="long_term", ended_on="31/05/2025", end_reason="died", end_of_life="Y",
            died_in_preferred_place="N", referred_at="2025-02-10", first_visit_at="2025-02-11T10:00",
            referral_source="hospital_discharge", at_home_91_days="Y"),
    episode("EP-4", referred_at="2025-03-30T01:30", first_visit_at="2025-03-30T03:00"),  # clocks went forward
)  # fmt: skip


def stored_rows(attempt) -> list[tuple]:
    return list(EpisodeRecord.objects.filter(attempt=attempt).order_by("row").values_list(*STORED))


@pytest.fixture
def checks_run():
    """Counts each time sign-off checks a file again."""
    with mock.patch.object(acceptance, "inputs_validate", wraps=acceptance.inputs_validate) as checks:
        yield checks


def test_signing_off_an_unchanged_file_uses_the_kept_rows_and_checks_nothing_again(returns, checks_run):
    attempt = submit(
        returns,
        episodes_csv(*ROWS),
        survey_bytes=survey_csv(("HEALTH_NEEDS_MET", 9, 10)),
        survey_filename="survey.csv",
    )
    kept = CheckedReturn.objects.get(attempt=attempt)
    assert kept.episode_count == 4 and kept.survey == [["HEALTH_NEEDS_MET", 9, 10]]
    assert kept.against["file"] == ["may.csv", attempt.checksum]
    assert kept.against["rules"] == rules_version() and kept.against["previous"] is None

    accepted = sign_off(returns, attempt, acknowledged_warnings=True)

    assert checks_run.call_count == 0
    assert accepted.status == AttemptStatus.ACCEPTED and accepted.episode_count == 4
    assert not CheckedReturn.objects.filter(attempt=attempt).exists(), "kept only until accepted"
    [figure] = SurveyFigure.objects.filter(attempt=attempt)
    assert (figure.measure_code, figure.numerator, figure.denominator) == ("HEALTH_NEEDS_MET", 9, 10)


def test_the_kept_rows_are_stored_exactly_as_checking_the_file_again_stores_them(returns, checks_run):
    kept = submit(returns, episodes_csv(*ROWS))
    sign_off(returns, kept, acknowledged_warnings=True)
    again = submit(returns, episodes_csv(*ROWS), period="2025-06")
    CheckedReturn.objects.filter(attempt=again).delete()  # nothing kept: checked again at sign-off
    sign_off(returns, again, acknowledged_warnings=True)
    assert checks_run.call_count == 1
    from_kept = [row[:-2] for row in stored_rows(kept)]
    checked_again = [row[:-2] for row in stored_rows(again)]
    assert from_kept == checked_again
    assert [row[-1] for row in stored_rows(again)] == [True] * 4, "June's rows are the ones read"
    assert [row[-1] for row in stored_rows(kept)] == [False] * 4


def test_a_correction_to_last_month_accepted_since_the_checks_means_checking_again(returns, checks_run):
    may = submit(returns, episodes_csv(*VALID_EPISODES))
    sign_off(returns, may)
    june = submit(returns, episodes_csv(*VALID_EPISODES), period="2025-06")
    assert CheckedReturn.objects.get(attempt=june).against["previous"] == may.pk
    # May corrected (EP-2 left out) after June was checked: June's checks against May are stale.
    corrected = submit(returns, episodes_csv(VALID_EPISODES[0], VALID_EPISODES[2]))
    sign_off(returns, corrected)
    assert checks_run.call_count == 0
    sign_off(returns, june)
    assert checks_run.call_count == 1
    assert checks_run.call_args.args[0].previous_source == corrected


def test_a_stored_file_that_is_not_what_was_checked_is_checked_again_with_the_same_message(
    returns, checks_run
):
    attempt = submit(returns, episodes_csv(*VALID_EPISODES))
    attempt.file.storage.delete(attempt.file.name)
    attempt.file.storage.save(
        attempt.file.name, ContentFile(episodes_csv(episode("EP-1", weekly_hours_now="x")))
    )
    with pytest.raises(ValidationError) as refused:
        sign_off(returns, attempt)
    assert refused.value.messages == ["The stored file no longer passes its checks. Upload it again."]
    assert checks_run.call_count == 1
    assert not EpisodeRecord.objects.exists(), "nothing of it is accepted"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID


@pytest.mark.parametrize("change", ["rules", "service type", "term", "kept rows"])
def test_anything_else_the_checks_read_changing_means_checking_again(returns, checks_run, change):
    attempt = submit(returns, episodes_csv(*VALID_EPISODES))
    contract = returns.contract
    patch = mock.patch("outcomes.returns.validation.rules_version", return_value="MDS 1.1, rules changed")
    if change == "rules":
        patch.start()
    elif change == "service type":
        contract.service_type = ServiceType.SHORT_TERM
        contract.save()
    elif change == "term":
        contract.end_date = date(2029, 3, 31)
        contract.save()
    else:
        CheckedReturn.objects.filter(attempt=attempt).update(episode_count=2)
    try:
        accepted = sign_off(returns, attempt, acknowledged_warnings=True)
    finally:
        mock.patch.stopall()
    assert checks_run.call_count == 1
    assert accepted.status == AttemptStatus.ACCEPTED and accepted.episode_count == 3


def test_what_the_checks_read_is_the_same_when_nothing_changed(returns):
    attempt = submit(returns, episodes_csv(*VALID_EPISODES), survey_entered=[
        {"measure_code": "DIED_WITH_DIGNITY", "numerator": 2, "denominator": 3}
    ])  # fmt: skip
    kept = CheckedReturn.objects.get(attempt=attempt)
    assert attempt_inputs(attempt).against() == kept.against
    assert kept.against["survey"][0] == "survey (entered in the portal).csv"


def test_a_rejected_attempt_keeps_nothing(returns):
    attempt = submit(returns, episodes_csv(episode("EP-1", person_ref="9434765919")))
    assert attempt.status == AttemptStatus.REJECTED
    assert not CheckedReturn.objects.exists()


def test_a_nil_return_is_signed_off_from_its_kept_survey_figures(returns, checks_run):
    from outcomes.returns.services import return_declare_nil
    from outcomes.returns.validation import attempt_validate

    attempt = return_declare_nil(
        acting=returns.acting("a_submitter"),
        contract=returns.contract,
        period="2025-05",
        survey_entered=[{"measure_code": "DIED_WITH_DIGNITY", "numerator": 1, "denominator": 2}],
    )
    attempt = attempt_validate(attempt_id=attempt.pk)
    accepted = sign_off(returns, attempt)
    assert checks_run.call_count == 0 and accepted.episode_count == 0
    assert SurveyFigure.objects.filter(attempt=attempt).count() == 1


def test_retention_deletes_the_rows_kept_for_a_sign_off_that_never_came(returns):
    attempt = submit(returns, episodes_csv(*VALID_EPISODES))
    contract = returns.contract
    contract.end_date = date(2020, 3, 31)
    contract.start_date = date(2019, 4, 1)
    contract.save()
    retention_apply(today=date(2040, 1, 1))
    contract.refresh_from_db()
    assert contract.person_data_deleted_on is not None
    assert not CheckedReturn.objects.filter(attempt=attempt).exists()


def _planner_rows() -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'outcomes_episoderecord'")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("large", [True, False])
def test_a_large_file_refreshes_the_planner_statistics_before_anything_reads_its_rows(
    returns, monkeypatch, large
):
    """A contract's first large file is planned for with statistics that count its rows (not as the
    few rows PostgreSQL last sampled, which made the recompute after it run for minutes); an ordinary
    file leaves the statistics to PostgreSQL's own analysis."""
    from outcomes.returns import checked

    monkeypatch.setattr(checked, "STATISTICS_AFTER_ROWS", len(ROWS) if large else len(ROWS) + 1)
    before = _planner_rows()
    sign_off(returns, submit(returns, episodes_csv(*ROWS)), acknowledged_warnings=True)
    if large:
        assert _planner_rows() == EpisodeRecord.objects.count() >= len(ROWS)
    else:
        assert _planner_rows() == before


def test_the_next_large_file_of_a_contract_the_statistics_know_leaves_them_as_they_are(returns, monkeypatch):
    """Once the statistics count a contract's rows, its next month of about as many is planned well
    without sampling the table again (a few tenths of a second in a national table)."""
    from outcomes.returns import checked

    monkeypatch.setattr(checked, "STATISTICS_AFTER_ROWS", len(ROWS))
    sign_off(returns, submit(returns, episodes_csv(*ROWS)), acknowledged_warnings=True)
    known = _planner_rows()
    assert known == EpisodeRecord.objects.count()
    june = submit(returns, episodes_csv(*ROWS), period="2025-06", filename="june.csv")
    sign_off(returns, june, acknowledged_warnings=True)
    assert EpisodeRecord.objects.count() == known + len(ROWS)
    assert _planner_rows() == known
