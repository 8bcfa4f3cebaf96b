"""`python manage.py import_return` (interfaces.md): options, the JSON report and exit statuses.

Exit status: 0 accepted (or valid without --accept), 1 rejected, 2 bad usage.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from accounts.models import AuditEntry
from outcomes.models import AttemptStatus, EpisodeRecord, MonthlyReturn, ReturnAttempt, SurveyFigure
from outcomes.periods import LONDON
from tests.outcomes.return_files import (
    ERROR_EPISODE,
    HEADER,
    PERIOD,
    SURVEY_HEADER,
    VALID_EPISODES,
    WARNING_EPISODE,
    episodes_csv,
    survey_csv,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

PROBLEM_KEYS = {"sheet", "row", "column", "message"}


def run(*args: str) -> tuple[int, str, str]:
    """Run the command in-process; its exit status, standard output and standard error."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_return", *args, stdout=out, stderr=err)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    else:
        code = 0
    return code, out.getvalue(), err.getvalue()


def report(*args: str) -> tuple[int, dict]:
    code, out, _ = run(*args, "--json")
    return code, json.loads(out)


@pytest.fixture
def files(tmp_path):
    """Writes files into a temporary folder and returns their paths as text."""

    def write(name: str, content: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(content)
        return str(path)

    return write


def base(*extra: str) -> list[str]:
    return ["--contract", "RCC-HC-001", "--period", PERIOD, *extra]


def test_a_valid_file_without_accept_is_only_checked(returns, files):
    path = files("may.csv", episodes_csv(*VALID_EPISODES))
    code, result = report(*base(path))
    assert code == 0
    assert result == {"status": "valid", "errors": [], "warnings": [], "episodes": 3}
    attempt = ReturnAttempt.objects.get()
    assert attempt.status == AttemptStatus.VALID and attempt.source == "import"
    assert attempt.version is None and not attempt.is_current
    assert not EpisodeRecord.objects.exists() and not SurveyFigure.objects.exists()
    assert not AuditEntry.objects.filter(action="return.accept").exists()


def test_accept_accepts_a_valid_file_and_the_audit_says_it_was_a_data_import(returns, files):
    path = files("may.csv", episodes_csv(*VALID_EPISODES))
    code, result = report(*base(path, "--accept"))
    assert code == 0
    assert result == {"status": "accepted", "errors": [], "warnings": [], "episodes": 3}
    attempt = ReturnAttempt.objects.get()
    assert attempt.status == AttemptStatus.ACCEPTED and attempt.version == 1 and attempt.is_current
    assert attempt.filename == "may.csv"
    assert EpisodeRecord.objects.filter(attempt=attempt).count() == 3
    accept = AuditEntry.objects.get(action="return.accept")
    assert accept.actor is None
    assert "data import" in accept.actor_label.lower()
    assert accept.details["source"] == "import"
    assert accept.organisation_id == returns.world.provider_a.pk
    upload = AuditEntry.objects.get(action="return.upload")
    assert "data import" in upload.actor_label.lower()


def test_importing_again_makes_version_2(returns, files):
    assert run(*base(files("may.csv", episodes_csv(*VALID_EPISODES)), "--accept"))[0] == 0
    code, result = report(*base(files("may-2.csv", episodes_csv(*VALID_EPISODES[:2])), "--accept"))
    assert code == 0 and result["status"] == "accepted" and result["episodes"] == 2
    first, second = ReturnAttempt.objects.order_by("id")
    assert (first.status, first.version, second.version) == (AttemptStatus.SUPERSEDED, 1, 2)
    assert second.changes == {"added": 0, "changed": 0, "removed": 1}


def test_a_rejected_file_exits_1_and_the_report_has_exactly_the_documented_keys(returns, files):
    path = files("may.csv", episodes_csv(*VALID_EPISODES, ERROR_EPISODE, WARNING_EPISODE))
    code, result = report(*base(path, "--accept"))
    assert code == 1
    assert set(result) == {"status", "errors", "warnings", "episodes"}
    assert result["status"] == "rejected" and result["episodes"] == 0
    assert result["errors"], "the errors are listed"
    for problem in result["errors"] + result["warnings"]:
        assert set(problem) == PROBLEM_KEYS
    nhs = next(p for p in result["errors"] if p["column"] == "person_ref")
    assert (nhs["sheet"], nhs["row"]) == ("episodes", 5)
    assert "NHS number" in nhs["message"]
    assert [(w["sheet"], w["row"], w["column"]) for w in result["warnings"]] == [
        ("episodes", 6, "at_home_91_days")
    ]
    attempt = ReturnAttempt.objects.get()
    assert attempt.status == AttemptStatus.REJECTED and attempt.version is None
    assert not EpisodeRecord.objects.exists()


def test_the_report_keys_for_a_file_level_error(returns, files):
    code, result = report(*base(files("may.csv", b"")))
    assert code == 1
    [problem] = result["errors"]
    assert problem == {"sheet": "file", "row": None, "column": None, "message": problem["message"]}
    assert "empty" in problem["message"]


def test_warnings_do_not_block_an_import(returns, files):
    code, result = report(*base(files("may.csv", episodes_csv(*VALID_EPISODES, WARNING_EPISODE)), "--accept"))
    assert code == 0 and result["status"] == "accepted" and len(result["warnings"]) == 1
    assert set(result["warnings"][0]) == PROBLEM_KEYS


def test_text_output_summarises_the_result(returns, files):
    code, out, _ = run(*base(files("may.csv", episodes_csv(*VALID_EPISODES, ERROR_EPISODE))))
    assert code == 1
    assert out.startswith("Rejected: 0 episodes, 1 errors, 0 warnings")
    assert "episodes, row 5, person_ref" in out
    code, out, _ = run(*base(files("may.csv", episodes_csv(*VALID_EPISODES)), "--accept"))
    assert code == 0
    assert "Accepted: 3 episodes, 0 errors, 0 warnings, version 1" in out


# --- Bad usage: exit 2, nothing stored -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--contract", "NO-SUCH", "--period", PERIOD, "FILE"], "no contract"),
        (["--contract", "RCC-HC-001", "--period", "2025-13", "FILE"], "2025-13"),
        (["--contract", "RCC-HC-001", "--period", "May 2025", "FILE"], "YYYY-MM"),
        (["--contract", "RCC-HC-001", "--period", "2025-5", "FILE"], "YYYY-MM"),
        (["--contract", "RCC-HC-001", "--period", "1999-05", "FILE"], "1999-05"),
        (["--contract", "RCC-HC-001", "--period", PERIOD, "FILE", "--nil"], "not both"),
        (["--contract", "RCC-HC-001", "--period", PERIOD], "--nil"),
        (["--contract", "RCC-HC-001", "--period", PERIOD, "/no/such/file.csv"], "no file"),
        (
            ["--contract", "RCC-HC-001", "--period", PERIOD, "FILE", "--survey", "/no/such.csv"],
            "no survey file",
        ),
        (["--contract", "RCC-HC-001", "--period", PERIOD, "FILE", "--submitted-at", "yesterday"], "ISO 8601"),
    ],
)
def test_bad_usage_exits_2_with_a_message_and_stores_nothing(returns, files, args, says):
    path = files("may.csv", episodes_csv(*VALID_EPISODES))
    code, out, err = run(*(path if arg == "FILE" else arg for arg in args))
    assert code == 2
    assert says in err
    assert out == ""
    assert not ReturnAttempt.objects.exists() and not MonthlyReturn.objects.exists()


def test_the_contract_reference_is_matched_ignoring_case(returns, files):
    code, result = report(
        "--contract", "rcc-hc-001", "--period", PERIOD, files("may.csv", episodes_csv(*VALID_EPISODES))
    )
    assert code == 0 and result["status"] == "valid"


# --- Nil returns, survey files, XLSX -------------------------------------------------------------


def test_nil_accept(returns):
    code, result = report(*base("--nil", "--accept"))
    assert code == 0
    assert result == {"status": "accepted", "errors": [], "warnings": [], "episodes": 0}
    attempt = ReturnAttempt.objects.get()
    assert attempt.kind == "nil" and attempt.version == 1 and attempt.is_current
    assert not EpisodeRecord.objects.exists()
    assert AuditEntry.objects.filter(action="return.nil_declare").count() == 1


def test_nil_without_accept_is_valid_and_not_stored_as_a_version(returns):
    code, result = report(*base("--nil"))
    assert code == 0 and result["status"] == "valid"
    assert ReturnAttempt.objects.get().version is None


def test_survey_csv_is_read_and_stored_on_acceptance(returns, files):
    episodes = files("may.csv", episodes_csv(*VALID_EPISODES))
    survey = files("survey.csv", survey_csv(("HEALTH_NEEDS_MET", 41, 44), ("CARER_SUPPORTED", 18, 20)))
    code, result = report(*base(episodes, "--survey", survey, "--accept"))
    assert code == 0 and result["status"] == "accepted"
    figures = {f.measure_code: (f.numerator, f.denominator) for f in SurveyFigure.objects.all()}
    assert figures == {"HEALTH_NEEDS_MET": (41, 44), "CARER_SUPPORTED": (18, 20)}
    assert ReturnAttempt.objects.get().survey_filename == "survey.csv"


def test_a_bad_survey_csv_rejects_the_return(returns, files):
    episodes = files("may.csv", episodes_csv(*VALID_EPISODES))
    survey = files("survey.csv", survey_csv(("HEALTH_NEEDS_MET", 45, 44)))
    code, result = report(*base(episodes, "--survey", survey, "--accept"))
    assert code == 1
    assert [p["sheet"] for p in result["errors"]] == ["survey"]
    assert not SurveyFigure.objects.exists() and not EpisodeRecord.objects.exists()


def test_nil_with_a_survey_csv(returns, files):
    survey = files("survey.csv", survey_csv(("DIED_WITH_DIGNITY", 1, 2)))
    code, result = report(*base("--nil", "--survey", survey, "--accept"))
    assert code == 0 and result["status"] == "accepted" and result["episodes"] == 0
    assert SurveyFigure.objects.get().measure_code == "DIED_WITH_DIGNITY"


def test_an_xlsx_file_works(returns, files):
    rows = [[row[column] or None for column in HEADER] for row in VALID_EPISODES]
    workbook = xlsx_bytes({"episodes": [HEADER, *rows], "survey": [SURVEY_HEADER, ["CARER_SUPPORTED", 3, 5]]})
    code, result = report(*base(files("May return.xlsx", workbook), "--accept"))
    assert code == 0
    assert result == {"status": "accepted", "errors": [], "warnings": [], "episodes": 3}
    attempt = ReturnAttempt.objects.get()
    assert attempt.filename == "May return.xlsx"
    assert EpisodeRecord.objects.filter(attempt=attempt).count() == 3
    assert SurveyFigure.objects.get().numerator == 3


# --- --submitted-at and the late flag ------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted_at", "stored", "late"),
    [
        ("2025-06-10T23:59:59", datetime(2025, 6, 10, 23, 59, 59, tzinfo=LONDON), False),  # London time
        ("2025-06-10T22:59:59Z", datetime(2025, 6, 10, 22, 59, 59, tzinfo=UTC), False),
        ("2025-06-11T00:00:00", datetime(2025, 6, 11, 0, 0, tzinfo=LONDON), True),
        ("2025-06-10T23:30:00+00:00", datetime(2025, 6, 10, 23, 30, tzinfo=UTC), True),  # 00:30 BST
        ("2025-05-31", datetime(2025, 5, 31, tzinfo=LONDON), False),
    ],
)
def test_submitted_at_sets_the_late_flag(returns, files, submitted_at, stored, late):
    path = files("may.csv", episodes_csv(*VALID_EPISODES))
    code, out, _ = run(*base(path, "--accept", "--submitted-at", submitted_at))
    assert code == 0
    attempt = ReturnAttempt.objects.get()
    assert attempt.submitted_at == stored
    assert attempt.late is late
    assert ("(late)" in out) is late


def test_without_submitted_at_the_time_is_now(returns, files):
    before = datetime.now(UTC)
    run(*base(files("may.csv", episodes_csv(*VALID_EPISODES))))
    attempt = ReturnAttempt.objects.get()
    assert attempt.submitted_at >= before and attempt.late is True


# --- Return format v1.1 through the command ----------------------------------------------------------


def test_a_uk_dated_csv_as_excel_saves_it_is_accepted(returns, files):
    text = (
        ",".join(HEADER) + "\r\n"
        "EP-1,P-1,short_term,community,85+,N,N,03/05/2025 14:30,04/05/2025 09:00,10,8,20/05/2025 00:00,independent,,\r\n"
        "EP-2,P-2,long_term,community,75-84,Y,N,01/02/2025,02/02/2025 08:00,14,14,,,,\r\n"
    )
    code, result = report(*base(files("may.csv", text.encode("utf-8-sig")), "--accept"))
    assert (code, result["status"], result["episodes"], result["errors"]) == (0, "accepted", 2, [])
    stored = EpisodeRecord.objects.get(episode_ref="EP-1")
    assert stored.referred_at == datetime(2025, 5, 3, 14, 30, tzinfo=LONDON)
    assert str(stored.ended_on) == "2025-05-20"


def test_checks_against_the_previous_month_are_warnings(returns, files):
    opened = {
        "referred_at": "2025-04-03T14:30",
        "first_visit_at": "2025-04-04T09:00",
        "ended_on": "",
        "end_reason": "",
    }
    april = episodes_csv(*(dict(row, **opened) for row in VALID_EPISODES))
    code, _ = report("--contract", "RCC-HC-001", "--period", "2025-04", files("april.csv", april), "--accept")
    assert code == 0
    changed = dict(VALID_EPISODES[0], service_type="long_term")  # EP-2 and EP-3 left out
    code, result = report(*base(files("may.csv", episodes_csv(changed)), "--accept"))
    assert code == 0 and result["status"] == "accepted"
    messages = [warning["message"] for warning in result["warnings"]]
    assert any(
        "open at the end of April 2025" in message and "missing from this return" in message
        for message in messages
    )
    assert any(m.startswith("service_type was short_term in April 2025's return") for m in messages)
