"""The monthly-returns API: submitting files and nil returns, following the checks, the validation
report, the lists and their filters, and each contract's months. Sign-off is in
test_api_returns_sign_off.py.

Uploads queue their checks after commit; these tests run the queued callbacks in-process with
django_capture_on_commit_callbacks(execute=True), as the service tests do.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken, AuditEntry
from outcomes.api import returns_inputs
from outcomes.mds import MAX_FILE_BYTES
from outcomes.models import AttemptKind, MonthlyReturn, ReturnAttempt
from outcomes.periods import add_months
from outcomes.returns import files as templates_files
from outcomes.returns import services
from outcomes.returns.selectors import outstanding_month_default
from tests.outcomes.return_files import (
    ERROR_EPISODE,
    VALID_EPISODES,
    episode,
    episodes_csv,
    survey_csv,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/returns/"
JUNE = templates_files.EXAMPLE_PERIOD
EXAMPLE = templates_files.example_csv()
MAY = "2025-05"
BROKEN = episodes_csv(*VALID_EPISODES, ERROR_EPISODE, episode("EP-X", service_type="sometimes"))


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def submit(api, django_capture_on_commit_callbacks):
    """``submit(token, contract, content, …)``: POST a return file; its checks run as it commits."""

    def _submit(raw, contract_obj, content=EXAMPLE, *, period=JUNE, filename="june.csv", key=None, **extra):
        data = {"contract": contract_obj.pk, "period": period, "file": SimpleUploadedFile(filename, content)}
        data.update(extra)
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        with django_capture_on_commit_callbacks(execute=True):
            return api(raw).post(URL, data, format="multipart", **headers)

    return _submit


def token_label(name: str) -> str:
    return ApiToken.objects.get(name=name).label


def checked(contract_obj, content=EXAMPLE, *, period=JUNE, accept=False) -> ReturnAttempt:
    """A return put in by the data team's path (checked at once; accepted if asked)."""
    return services.return_import(
        contract=contract_obj, period=period, file_bytes=content, filename="june.csv", accept=accept
    )


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


# --- Submitting a file ----------------------------------------------------------------------------


def test_upload_answers_202_with_location_and_the_checks_run_in_the_background(api_world, api, submit):
    response = submit(api_world.tokens["a_submit"], api_world.contracts["joint"])
    assert response.status_code == 202, response.content
    body = response.json()
    attempt = ReturnAttempt.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/returns/{attempt.pk}/"
    assert body["id"] == attempt.pk
    assert body["status"] == "received"  # answered before the checks ran
    assert body["next_step"].startswith("Waiting for checks")
    assert body["contract"] == {
        "id": api_world.contracts["joint"].pk,
        "reference": "J-1",
        "title": "Homecare J-1",
        "provider": "Acme Homecare Ltd",
    }
    assert body["period"] == JUNE
    assert body["checksum"] == hashlib.sha256(EXAMPLE).hexdigest()
    assert body["links"]["web_url"] == f"http://testserver/returns/attempts/{attempt.pk}/"

    polled = api(api_world.tokens["a_submit"]).get(response["Location"])
    assert polled.status_code == 200
    polled = polled.json()
    assert polled["status"] == "valid"
    assert polled["error_count"] == 0 and polled["warning_count"] == 0
    assert polled["episode_count"] == 8
    assert polled["next_step"] == "Ready for an approver to sign off."
    assert polled["late"] is True  # June 2025's return was due in July 2025


def test_an_api_upload_is_recorded_as_the_token_with_source_api_and_audited(api_world, api, submit):
    submit(api_world.tokens["a_submit"], api_world.contracts["joint"])
    attempt = ReturnAttempt.objects.get()
    label = token_label("a_submit")
    assert label.startswith("API token 'a_submit' (hco_")
    assert attempt.source == "api"
    assert attempt.submitted_by_label == label
    assert attempt.submitted_by is None
    entry = AuditEntry.objects.get(action="return.upload", object_id=str(attempt.pk))
    assert entry.actor_label == label
    assert entry.details["source"] == "api"
    assert entry.organisation_id == api_world.provider_a.pk
    body = api(api_world.tokens["a_read"]).get(f"{URL}{attempt.pk}/").json()
    assert body["source"] == "api"
    assert body["submitted_by"] == label


def test_a_broken_file_round_trip_upload_poll_report(api_world, api, submit):
    response = submit(api_world.tokens["a_submit"], api_world.contracts["joint"], BROKEN, period=MAY)
    assert response.status_code == 202
    client = api(api_world.tokens["a_submit"])
    polled = client.get(response["Location"]).json()
    assert polled["status"] == "rejected"
    assert polled["error_count"] == 2
    assert polled["next_step"].startswith("Fix the 2 errors listed in the validation report")

    report = client.get(polled["links"]["validation_report"])
    assert report.status_code == 200
    report = report.json()
    assert report["status"] == "rejected"
    assert report["error_count"] == 2 and report["warning_count"] == 0
    assert report["listing_limit"] == 1000
    assert [(e["severity"], e["sheet"], e["row"], e["column"]) for e in report["errors"]] == [
        ("error", "episodes", 5, "person_ref"),
        ("error", "episodes", 6, "service_type"),
    ]
    assert report["errors"][0]["value"] == "94***"  # identifiers masked, as in the portal
    assert all(entry["message"] for entry in report["errors"])
    assert report["errors"] == ReturnAttempt.objects.get().errors
    assert report["survey_figures"] == []  # a CSV file with no survey file: none


def test_an_xlsx_workbook_is_accepted_like_a_csv(api_world, api, submit):
    rows = [line.split(",") for line in EXAMPLE.decode().splitlines()]
    workbook = xlsx_bytes({"episodes": rows, "survey": [["measure_code", "numerator", "denominator"]]})
    response = submit(
        api_world.tokens["a_submit"], api_world.contracts["joint"], workbook, filename="june.xlsx"
    )
    assert response.status_code == 202
    polled = api(api_world.tokens["a_submit"]).get(response["Location"]).json()
    assert polled["status"] == "valid", polled
    assert polled["episode_count"] == 8


def test_a_survey_file_is_stored_with_the_return(api_world, api, submit):
    survey = survey_csv(("HEALTH_NEEDS_MET", 4, 5))
    response = submit(
        api_world.tokens["a_submit"],
        api_world.contracts["joint"],
        survey_file=SimpleUploadedFile("survey.csv", survey),
    )
    assert response.status_code == 202
    assert response.json()["survey_filename"] == "survey.csv"
    report = api(api_world.tokens["a_submit"]).get(f"{response['Location']}validation-report/").json()
    assert report["status"] == "valid"
    assert report["survey_figures"] is None  # still only in the file until sign-off


# --- Idempotency-Key --------------------------------------------------------------------------------


def test_a_retried_upload_with_the_same_key_replays_the_first_answer_and_adds_nothing(api_world, submit):
    first = submit(api_world.tokens["a_submit"], api_world.contracts["joint"], key="upload-june-1")
    again = submit(api_world.tokens["a_submit"], api_world.contracts["joint"], key="upload-june-1")
    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert again["Location"] == first["Location"]
    assert again.json()["id"] == first.json()["id"]
    assert ReturnAttempt.objects.count() == 1
    assert AuditEntry.objects.filter(action="return.upload").count() == 1


def test_the_same_key_with_a_different_file_is_a_422_problem(api_world, submit):
    submit(api_world.tokens["a_submit"], api_world.contracts["joint"], key="upload-june-1")
    other = submit(api_world.tokens["a_submit"], api_world.contracts["joint"], BROKEN, key="upload-june-1")
    body = problem(other, 422)
    assert body["type"] == "/api/v1/problems/idempotency-key-reused/"
    assert ReturnAttempt.objects.count() == 1


def test_without_a_key_each_upload_is_a_new_attempt(api_world, submit):
    submit(api_world.tokens["a_submit"], api_world.contracts["joint"])
    submit(api_world.tokens["a_submit"], api_world.contracts["joint"])
    assert ReturnAttempt.objects.count() == 2


def test_a_refused_upload_leaves_its_key_free_for_the_corrected_request(api_world, submit):
    refused = submit(api_world.tokens["a_submit"], api_world.contracts["joint"], period="2025-13", key="k-1")
    assert refused.status_code == 400
    assert submit(api_world.tokens["a_submit"], api_world.contracts["joint"], key="k-1").status_code == 202


# --- Who may submit ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "contract_key", "status"),
    [
        ("a_submit", "joint", 202),
        ("a_submit_only", "joint", 202),
        ("a_sign_off", "joint", 202),
        ("a_read", "joint", 403),  # no submit scope
        ("c_read", "joint", 403),  # commissioners' tokens are read-only
        ("icb_read", "joint", 403),
        ("b_submit", "joint", 404),  # B cannot see J-1's returns
        ("b_submit", "council_b", 202),
        ("a_submit", "council_b", 404),  # A only subcontracts on C-2: the month page is a 404 too
        ("a_submit", "other", 404),
    ],
)
def test_who_may_upload(api_world, submit, token, contract_key, status):
    response = submit(api_world.tokens[token], api_world.contracts[contract_key])
    assert response.status_code == status, response.content
    assert ReturnAttempt.objects.count() == (1 if status == 202 else 0)


def test_a_read_token_is_told_which_scope_it_lacks(api_world, submit):
    body = problem(submit(api_world.tokens["a_read"], api_world.contracts["joint"]), 403)
    assert "'submit' scope" in body["detail"]


def test_a_submit_only_token_can_follow_its_submission(api_world, api, submit):
    response = submit(api_world.tokens["a_submit_only"], api_world.contracts["joint"])
    client = api(api_world.tokens["a_submit_only"])
    assert client.get(response["Location"]).status_code == 200
    assert client.get(f"{response['Location']}validation-report/").status_code == 200
    assert client.get(URL).status_code == 200
    assert client.get("/api/v1/monthly-returns/").status_code == 200


@pytest.mark.parametrize(
    ("user", "status"),
    [("a_submitter", 202), ("a_approver", 202), ("a_viewer", 403), ("commissioner", 403), ("b_admin", 404)],
)
def test_sessions_follow_the_month_page_rules(api_world, django_capture_on_commit_callbacks, user, status):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(api_world.users[user])
    data = {
        "contract": api_world.contracts["joint"].pk,
        "period": JUNE,
        "file": SimpleUploadedFile("j.csv", EXAMPLE),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, data, format="multipart")
    assert response.status_code == status, response.content
    if status == 202:
        assert response.json()["source"] == "portal"  # a person signed in, not a token
    if status == 403 and user == "commissioner":
        assert "does not let you" in response.json()["detail"]


def test_anonymous_is_a_401_problem(api_world, api):
    assert problem(api(None).post(URL, {}, format="multipart"), 401)["status"] == 401


# --- Bad input -------------------------------------------------------------------------------------------


def test_missing_file_and_period_are_field_errors(api_world, api):
    response = api(api_world.tokens["a_submit"]).post(
        URL, {"contract": api_world.contracts["joint"].pk}, format="multipart"
    )
    body = problem(response, 400)
    assert body["type"] == "/api/v1/problems/validation/"
    assert set(body["field_errors"]) == {"file", "period"}
    assert "'file' part" in body["field_errors"]["file"][0]


@pytest.mark.parametrize(
    ("period", "says"),
    [
        ("2025-13", "the month must be 01 to 12"),
        ("June 2025", "YYYY-MM"),
        ("1999-12", "returns cover 2000 to 2099"),
        ("2025-03", "outside contract J-1's term"),
        ("2099-01", "outside contract J-1's term"),
    ],
)
def test_a_month_the_return_cannot_be_for_is_a_period_error(api_world, submit, period, says):
    body = problem(submit(api_world.tokens["a_submit"], api_world.contracts["joint"], period=period), 400)
    assert list(body["field_errors"]) == ["period"]
    assert says in body["field_errors"]["period"][0]
    assert MonthlyReturn.objects.count() == 0


def test_a_month_that_has_not_begun_is_a_period_error(api_world, submit):
    from django.utils import timezone

    next_month = add_months(timezone.localdate().replace(day=1), 1)
    contract_obj = api_world.contracts["joint"]
    contract_obj.end_date = next_month.replace(year=next_month.year + 5)
    contract_obj.save()
    body = problem(submit(api_world.tokens["a_submit"], contract_obj, period=f"{next_month:%Y-%m}"), 400)
    assert "has not begun" in body["field_errors"]["period"][0]


def test_an_empty_file_is_a_field_error(api_world, submit):
    body = problem(submit(api_world.tokens["a_submit"], api_world.contracts["joint"], b""), 400)
    assert body["field_errors"]["file"] == [
        "The file is empty. Send the return file with its header row and one row per episode"
    ]


def test_a_file_over_the_portals_size_limit_is_a_field_error(api_world, submit, monkeypatch):

    assert MAX_FILE_BYTES == services.RETURN_UPLOAD.file_bytes == 20 * 1024 * 1024  # the portal's limit
    # A lower limit in the serializer alone: its own check (the request's is tested in tests/accounts).
    monkeypatch.setattr(
        returns_inputs, "RETURN_UPLOAD", replace(services.RETURN_UPLOAD, file_bytes=1024 * 1024)
    )
    big = EXAMPLE + b"x" * (1024 * 1024)
    body = problem(submit(api_world.tokens["a_submit"], api_world.contracts["joint"], big), 400)
    assert "a file may be at most 1 MB" in body["field_errors"]["file"][0]
    assert ReturnAttempt.objects.count() == 0


def test_an_unknown_contract_is_a_404_problem(api_world, submit):
    class Missing:
        pk = 987654

    body = problem(submit(api_world.tokens["a_submit"], Missing), 404)
    assert body["type"] == "/api/v1/problems/not-found/"


def test_json_is_not_accepted_for_an_upload(api_world, api):
    response = api(api_world.tokens["a_submit"]).post(
        URL, {"contract": api_world.contracts["joint"].pk, "period": JUNE}, format="json"
    )
    assert problem(response, 415)["type"] == "/api/v1/problems/unsupported-media-type/"


# --- Nil returns -------------------------------------------------------------------------------------------


def nil(api, raw, contract_obj, *, period=MAY, key=None, **extra):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return api(raw).post(f"{URL}nil/", {"contract": contract_obj.pk, "period": period, **extra}, **headers)


def test_a_nil_return_with_survey_figures_is_received_then_checked(
    api_world, api, django_capture_on_commit_callbacks
):
    survey = [{"measure_code": "CARER_SUPPORTED", "numerator": 3, "denominator": 4}]
    with django_capture_on_commit_callbacks(execute=True):
        response = nil(api, api_world.tokens["a_submit"], api_world.contracts["joint"], survey=survey)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["kind"] == "nil" and body["filename"] == "" and body["source"] == "api"
    assert response["Location"] == f"http://testserver/api/v1/returns/{body['id']}/"
    attempt = ReturnAttempt.objects.get()
    assert attempt.kind == AttemptKind.NIL
    assert attempt.survey_entered == survey
    assert AuditEntry.objects.filter(action="return.nil_declare", object_id=str(attempt.pk)).exists()
    client = api(api_world.tokens["a_submit"])
    assert client.get(response["Location"]).json()["status"] == "valid"
    assert client.get(f"{response['Location']}validation-report/").json()["survey_figures"] == survey


def test_a_nil_return_retried_with_its_key_is_one_attempt(api_world, api):
    first = nil(api, api_world.tokens["a_submit"], api_world.contracts["joint"], key="nil-may")
    again = nil(api, api_world.tokens["a_submit"], api_world.contracts["joint"], key="nil-may")
    assert first.status_code == again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert ReturnAttempt.objects.count() == 1
    other = nil(
        api, api_world.tokens["a_submit"], api_world.contracts["joint"], period="2025-04", key="nil-may"
    )
    assert problem(other, 422)["status"] == 422


@pytest.mark.parametrize(
    ("survey", "field"),
    [
        ([{"measure_code": "NOT_A_MEASURE", "numerator": 1, "denominator": 2}], "survey.0.measure_code"),
        ([{"measure_code": "CARER_SUPPORTED", "numerator": -1, "denominator": 2}], "survey.0.numerator"),
        ([{"measure_code": "CARER_SUPPORTED", "numerator": 1}], "survey.0.denominator"),
        (
            [
                {"measure_code": "CARER_SUPPORTED", "numerator": 1, "denominator": 2},
                {"measure_code": "CARER_SUPPORTED", "numerator": 1, "denominator": 3},
            ],
            "survey",
        ),
    ],
)
def test_bad_survey_figures_of_a_nil_return_are_field_errors(api_world, api, survey, field):
    body = problem(nil(api, api_world.tokens["a_submit"], api_world.contracts["joint"], survey=survey), 400)
    assert field in body["field_errors"], body
    assert ReturnAttempt.objects.count() == 0


@pytest.mark.parametrize(
    ("token", "contract_key", "status"),
    [
        ("a_read", "joint", 403),
        ("c_read", "joint", 403),
        ("b_submit", "joint", 404),
        ("a_submit", "council_b", 404),
    ],
)
def test_who_may_declare_a_nil_return(api_world, api, token, contract_key, status):
    assert nil(api, api_world.tokens[token], api_world.contracts[contract_key]).status_code == status


# --- Reading submissions -----------------------------------------------------------------------------------


@pytest.fixture
def attempts(api_world):
    """A rejected and an accepted May return on J-1, a valid June one on J-1, one on C-2 and one on X-3."""
    joint = api_world.contracts["joint"]
    return {
        "rejected": checked(joint, BROKEN, period=MAY),
        "accepted": checked(joint, episodes_csv(*VALID_EPISODES), period=MAY, accept=True),
        "valid": checked(joint),
        "council_b": checked(api_world.contracts["council_b"]),
        "other": checked(api_world.contracts["other"]),
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("token", "visible"),
    [
        ("a_read", ["valid", "accepted", "rejected"]),
        ("a_submit_only", ["valid", "accepted", "rejected"]),
        ("b_submit", ["council_b"]),
        ("c_read", ["council_b", "valid", "accepted", "rejected"]),  # lead of J-1 and C-2
        ("icb_read", ["valid", "accepted", "rejected"]),  # partner in J-1 only
        ("other_read", ["other"]),
    ],
)
def test_the_list_shows_what_the_pages_show_newest_first(api_world, api, attempts, token, visible):
    # Same second of submission for some: newest first, then by id.
    expected = sorted(
        (attempts[name] for name in visible), key=lambda a: (a.submitted_at, a.pk), reverse=True
    )
    assert ids(api(api_world.tokens[token]).get(URL)) == [a.pk for a in expected]


def test_a_submission_of_another_organisation_is_a_404(api_world, api, attempts):
    client = api(api_world.tokens["a_read"])
    for name in ("council_b", "other"):
        assert problem(client.get(f"{URL}{attempts[name].pk}/"), 404)["status"] == 404
        assert client.get(f"{URL}{attempts[name].pk}/validation-report/").status_code == 404
    assert api(api_world.tokens["icb_read"]).get(f"{URL}{attempts['council_b'].pk}/").status_code == 404
    assert api(api_world.tokens["c_read"]).get(f"{URL}{attempts['valid'].pk}/").status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=rejected", ["rejected"]),
        ("status=valid", ["valid"]),
        ("current=true", ["accepted"]),
        ("current=false", ["valid", "rejected"]),
        (f"period={MAY}", ["accepted", "rejected"]),
        ("kind=file", ["valid", "accepted", "rejected"]),
        ("kind=nil", []),
        ("contract_reference=j-1", ["valid", "accepted", "rejected"]),
        ("contract_reference=C-2", []),
    ],
)
def test_filters(api_world, api, attempts, query, expected):
    assert ids(api(api_world.tokens["a_read"]).get(f"{URL}?{query}")) == [attempts[n].pk for n in expected]


def test_filter_by_contract_id_and_submission_time(api_world, api, attempts):
    from datetime import timedelta

    client = api(api_world.tokens["c_read"])
    b_id = api_world.contracts["council_b"].pk
    assert ids(client.get(f"{URL}?contract={b_id}")) == [attempts["council_b"].pk]
    ReturnAttempt.objects.filter(pk=attempts["rejected"].pk).update(
        submitted_at=attempts["rejected"].submitted_at - timedelta(days=3)
    )
    cutoff = (attempts["rejected"].submitted_at - timedelta(days=1)).isoformat()
    before = client.get(URL, {"submitted_before": cutoff})
    after = client.get(URL, {"submitted_after": cutoff})
    assert ids(before) == [attempts["rejected"].pk]
    assert ids(after) == [attempts[n].pk for n in ("council_b", "valid", "accepted")]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=lost", "status"),
        ("period=2025-6", "period"),
        ("current=maybe", "current"),
        ("contract=abc", "contract"),
        ("contract=1.5", "contract"),
        ("submitted_after=yesterday", "submitted_after"),
    ],
)
def test_a_bad_filter_value_is_a_400_problem(api_world, api, attempts, query, field):
    body = problem(api(api_world.tokens["a_read"]).get(f"{URL}?{query}"), 400)
    assert field in body["field_errors"]


def test_the_list_is_newest_submission_first_whatever_the_ids(api_world, api, attempts):
    from datetime import timedelta

    ReturnAttempt.objects.filter(pk=attempts["rejected"].pk).update(
        submitted_at=attempts["valid"].submitted_at + timedelta(minutes=5)
    )
    expected = [attempts[n].pk for n in ("rejected", "valid", "accepted")]
    assert ids(api(api_world.tokens["a_read"]).get(URL)) == expected
    first = api(api_world.tokens["a_read"]).get(URL, {"page_size": 1}).json()
    second = api(api_world.tokens["a_read"]).get(first["next"]).json()
    assert [first["results"][0]["id"], second["results"][0]["id"]] == expected[:2]


def test_the_list_pages_with_a_cursor(api_world, api, attempts):
    client = api(api_world.tokens["a_read"])
    first = client.get(URL, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert {r["id"] for r in first["results"] + second["results"]} == {
        attempts[n].pk for n in ("valid", "accepted", "rejected")
    }


def test_the_list_reads_a_fixed_number_of_queries(api_world, api, attempts):
    client = api(api_world.tokens["c_read"])
    client.get(URL)  # the token's last use is written once a minute, not on every request
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"contract": api_world.contracts["council_b"].pk})
    with CaptureQueriesContext(connection) as many:
        assert len(ids(client.get(URL))) == 4
    assert len(many) == len(few)


def test_the_list_has_an_etag_and_answers_304_when_nothing_changed(api_world, api, attempts):
    client = api(api_world.tokens["a_read"])
    first = client.get(URL)
    again = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_next_step_for_each_status(api_world, api, attempts, django_capture_on_commit_callbacks):
    client = api(api_world.tokens["a_read"])

    def step(name):
        return client.get(f"{URL}{attempts[name].pk}/").json()["next_step"]

    assert step("accepted") == "Nothing to do: this is version 1, the month's accepted return."
    # June leaves out two episodes open at the end of May: a warning to read first (return-format v1.1).
    assert step("valid") == (
        "Ready for an approver to sign off, after reading the 1 warning in the validation report."
    )
    again = checked(api_world.contracts["joint"], episodes_csv(*VALID_EPISODES[:2]), period=MAY, accept=True)
    assert again.version == 2
    assert step("accepted") == (
        "Nothing to do: version 1 was replaced by a later version of the month's return."
    )
    warned = checked(api_world.contracts["joint"], period="2025-09")
    body = client.get(f"{URL}{warned.pk}/").json()
    assert body["warning_count"] == 3
    assert body["next_step"] == (
        "Ready for an approver to sign off, after reading the 3 warnings in the validation report."
    )


def test_the_validation_report_of_an_accepted_version_has_its_stored_survey_figures(api_world, api):
    joint = api_world.contracts["joint"]
    attempt = services.return_import(
        contract=joint,
        period=MAY,
        file_bytes=episodes_csv(*VALID_EPISODES),
        filename="may.csv",
        survey_bytes=survey_csv(("HEALTH_NEEDS_MET", 4, 5)),
        survey_filename="survey.csv",
        accept=True,
    )
    report = api(api_world.tokens["c_read"]).get(f"{URL}{attempt.pk}/validation-report/").json()
    assert report["survey_figures"] == [
        {"measure_code": "HEALTH_NEEDS_MET", "numerator": 4, "denominator": 5}
    ]
    assert report["status"] == "accepted"
    assert report["errors"] == [] and report["warnings"] == []


def test_the_validation_report_lists_warnings_as_the_portal_does(api_world, api):
    warned = checked(api_world.contracts["joint"], period="2025-09")
    report = api(api_world.tokens["a_read"]).get(f"{URL}{warned.pk}/validation-report/").json()
    assert report["warning_count"] == len(report["warnings"]) == 3
    assert {w["column"] for w in report["warnings"]} == {"at_home_91_days"}
    assert all(w["severity"] == "warning" for w in report["warnings"])


# --- Monthly returns ----------------------------------------------------------------------------------------

MONTHS = "/api/v1/monthly-returns/"


def test_a_month_shows_its_versions_and_attempts(api_world, api, attempts):
    joint = api_world.contracts["joint"]
    second = checked(joint, episodes_csv(*VALID_EPISODES[:2]), period=MAY, accept=True)
    may = MonthlyReturn.objects.get(contract=joint, month__month=5)
    body = api(api_world.tokens["icb_read"]).get(f"{MONTHS}{may.pk}/")
    assert body.status_code == 200, body.content
    body = body.json()
    assert body["period"] == MAY
    assert body["status"] == "accepted" and body["status_label"] == "Accepted"
    assert body["overdue"] is False
    assert body["late"] is True
    assert body["current_version"]["version"] == 2
    assert body["current_version"]["attempt_id"] == second.pk
    assert [(v["version"], v["attempt_id"], v["is_current"]) for v in body["versions"]] == [
        (1, attempts["accepted"].pk, False),
        (2, second.pk, True),
    ]
    assert body["versions"][1]["changes"] == {"added": 0, "removed": 1, "changed": 0}
    assert body["versions"][0]["signed_off_by"] == services.IMPORT_LABEL
    assert body["versions"][1]["episode_count"] == 2
    assert [a["id"] for a in body["attempts"]] == [
        second.pk,
        attempts["accepted"].pk,
        attempts["rejected"].pk,
    ]
    assert [a["status"] for a in body["attempts"]] == ["accepted", "superseded", "rejected"]
    assert body["web_url"] == f"http://testserver/returns/{joint.pk}/{MAY}/"


def test_the_months_list_filters_and_statuses(api_world, api, attempts):
    client = api(api_world.tokens["c_read"])
    rows = client.get(MONTHS).json()["results"]
    by_key = {(r["contract"]["reference"], r["period"]): r for r in rows}
    assert set(by_key) == {("J-1", JUNE), ("C-2", JUNE), ("J-1", MAY)}  # not X-3: another council's
    assert by_key["J-1", JUNE]["status"] == "awaiting_sign_off"
    assert by_key["J-1", JUNE]["overdue"] is True  # due July 2025, no accepted version
    assert by_key["J-1", MAY]["overdue"] is False
    assert [r["period"] for r in rows] == [JUNE, JUNE, MAY]  # newest month first

    def periods(query):
        response = client.get(f"{MONTHS}?{query}")
        assert response.status_code == 200, response.content
        return sorted((r["contract"]["reference"], r["period"]) for r in response.json()["results"])

    assert periods("overdue=true") == [("C-2", JUNE), ("J-1", JUNE)]
    assert periods("overdue=false") == [("J-1", MAY)]
    assert periods(f"period={MAY}") == [("J-1", MAY)]
    assert periods(f"period_from={JUNE}") == [("C-2", JUNE), ("J-1", JUNE)]
    assert periods(f"period_to={MAY}") == [("J-1", MAY)]
    assert periods(f"contract={api_world.contracts['council_b'].pk}") == [("C-2", JUNE)]
    assert periods("contract_reference=J-1") == [("J-1", MAY), ("J-1", JUNE)]
    assert problem(client.get(f"{MONTHS}?period_from=May"), 400)["field_errors"]["period_from"]
    assert problem(client.get(f"{MONTHS}?overdue=perhaps"), 400)["field_errors"]["overdue"]


def test_the_months_list_is_newest_month_first_whatever_the_ids(api_world, api):
    joint = api_world.contracts["joint"]
    for period in ("2025-07", "2025-04", "2025-06"):
        checked(joint, period=period)
    rows = api(api_world.tokens["a_read"]).get(MONTHS).json()["results"]
    assert [r["period"] for r in rows] == ["2025-07", "2025-06", "2025-04"]


def test_the_months_list_reads_a_fixed_number_of_queries(api_world, api, attempts):
    client = api(api_world.tokens["c_read"])
    client.get(MONTHS)
    with CaptureQueriesContext(connection) as few:
        client.get(MONTHS, {"contract": api_world.contracts["council_b"].pk})
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(MONTHS).json()["results"]) == 3
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("token", "visible"),
    [
        ("a_read", {("J-1", MAY), ("J-1", JUNE)}),
        ("b_submit", {("C-2", JUNE)}),
        ("icb_read", {("J-1", MAY), ("J-1", JUNE)}),
        ("other_read", {("X-3", JUNE)}),
    ],
)
def test_months_are_seen_as_the_pages_show_them(api_world, api, attempts, token, visible):
    rows = api(api_world.tokens[token]).get(MONTHS).json()["results"]
    assert {(r["contract"]["reference"], r["period"]) for r in rows} == visible
    hidden = MonthlyReturn.objects.exclude(pk__in=[r["id"] for r in rows]).first()
    assert api(api_world.tokens[token]).get(f"{MONTHS}{hidden.pk}/").status_code == 404


def test_outstanding_lists_months_not_accepted_including_those_never_submitted(api_world, api, attempts):
    response = api(api_world.tokens["c_read"]).get(f"{MONTHS}outstanding/", {"month": "2025-07"})
    assert response.status_code == 200, response.content
    rows = response.json()
    assert [(r["contract"]["reference"], r["status"], r["overdue"], r["monthly_return"]) for r in rows] == [
        ("J-1", "not_submitted", True, None),
        ("C-2", "not_submitted", True, None),
    ]  # ordered as on the page: by provider, then contract
    june = api(api_world.tokens["c_read"]).get(f"{MONTHS}outstanding/", {"month": JUNE}).json()
    assert {(r["contract"]["reference"], r["status"]) for r in june} == {
        ("J-1", "awaiting_sign_off"),
        ("C-2", "awaiting_sign_off"),
    }
    assert all(r["monthly_return"].startswith("http://testserver/api/v1/monthly-returns/") for r in june)


def test_outstanding_is_for_commissioners_and_defaults_to_the_last_month_due(api_world, api, attempts):

    assert problem(api(api_world.tokens["a_read"]).get(f"{MONTHS}outstanding/", {"month": JUNE}), 403)
    body = problem(api(api_world.tokens["c_read"]).get(f"{MONTHS}outstanding/", {"month": "June"}), 400)
    assert "month" in body["field_errors"]
    latest = api(api_world.tokens["c_read"]).get(f"{MONTHS}outstanding/").json()
    assert {row["period"] for row in latest} <= {f"{outstanding_month_default():%Y-%m}"}
    icb = api(api_world.tokens["icb_read"]).get(f"{MONTHS}outstanding/", {"month": JUNE}).json()
    assert [r["contract"]["reference"] for r in icb] == ["J-1"]


@pytest.mark.parametrize(
    ("token", "status"),
    [
        ("a_read", 200),
        ("a_submit", 200),
        ("a_submit_only", 200),
        ("a_sign_off", 200),
        ("b_submit", 404),
        ("c_read", 200),
        ("icb_read", 200),
        ("other_read", 404),
        (None, 401),
    ],
)
def test_who_may_read_a_j1_submission_its_report_and_its_month(api_world, api, token, status):
    attempt = checked(api_world.contracts["joint"])
    client = api(api_world.tokens[token] if token else None)
    for path in (
        f"{URL}{attempt.pk}/",
        f"{URL}{attempt.pk}/validation-report/",
        f"{MONTHS}{attempt.monthly_return_id}/",
    ):
        assert client.get(path).status_code == status, path


@pytest.mark.parametrize(
    ("user", "status"),
    [("a_viewer", 200), ("a_submitter", 200), ("c_viewer", 200), ("icb_admin", 200), ("b_admin", 404)],
)
def test_sessions_read_a_j1_submission_as_the_pages_do(api_world, user, status):
    from rest_framework.test import APIClient

    attempt = checked(api_world.contracts["joint"])
    client = APIClient()
    client.force_login(api_world.users[user])
    assert client.get(f"{URL}{attempt.pk}/").status_code == status
    assert client.get(f"{MONTHS}{attempt.monthly_return_id}/").status_code == status


@pytest.mark.parametrize(
    ("token", "status"),
    [
        ("a_read", 403),
        ("a_sign_off", 403),
        ("b_submit", 403),
        ("c_read", 200),
        ("icb_read", 200),
        ("other_read", 200),
    ],
)
def test_outstanding_is_answered_for_commissioners_only(api_world, api, token, status):
    response = api(api_world.tokens[token]).get(f"{MONTHS}outstanding/", {"month": JUNE})
    assert response.status_code == status
    if token == "other_read":
        assert [r["contract"]["reference"] for r in response.json()] == ["X-3"]
