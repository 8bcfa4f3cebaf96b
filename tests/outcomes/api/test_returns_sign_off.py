"""Signing a return off through the API: a person's act, by an approver's session or by a token
that the organisation allowed to sign off for an approver; retries never make a second version."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken, AuditEntry, Membership, Role
from outcomes.api.returns_serializers import person_label
from outcomes.models import AttemptStatus, ReturnAttempt
from outcomes.returns import files as templates_files
from outcomes.returns import services

pytestmark = pytest.mark.django_db

JUNE = templates_files.EXAMPLE_PERIOD
SIGN = {"declaration": True}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def valid(contract_obj, *, period=JUNE) -> ReturnAttempt:
    """A checked return awaiting sign-off (the worked example; in September it has 3 warnings)."""
    attempt = services.return_import(
        contract=contract_obj, period=period, file_bytes=templates_files.example_csv(), filename="june.csv"
    )
    assert attempt.status == AttemptStatus.VALID
    return attempt


def url(attempt: ReturnAttempt) -> str:
    return f"/api/v1/returns/{attempt.pk}/sign-off/"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return response.json()


def session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def test_a_token_signing_off_for_an_approver_makes_version_1_recording_both(api_world, api):
    attempt = valid(api_world.contracts["joint"])
    response = api(api_world.tokens["a_sign_off"]).post(url(attempt), SIGN)
    assert response.status_code == 200, response.content
    body = response.json()
    approver = api_world.users["a_approver"]
    label = f"{approver} via {ApiToken.objects.get(name='a_sign_off').label}"
    assert body["status"] == "accepted" and body["version"] == 1 and body["is_current"] is True
    # The API names the approver without their email address; the stored label keeps both.
    assert (
        body["signed_off_by"] == f"{approver.full_name} via {ApiToken.objects.get(name='a_sign_off').label}"
    )
    assert approver.email not in response.content.decode()
    assert body["next_step"] == "Nothing to do: this is version 1, the month's accepted return."
    attempt.refresh_from_db()
    assert attempt.signed_off_by == approver
    assert attempt.signed_off_by_label == label
    accepted = AuditEntry.objects.get(action="return.accept", object_id=str(attempt.pk))
    assert accepted.actor_label == label
    assert accepted.details["source"] == "api"
    assert AuditEntry.objects.get(action="return.sign_off", object_id=str(attempt.pk)).actor == approver


@pytest.mark.parametrize("token", ["a_submit", "a_submit_only"])
def test_a_token_not_allowed_to_sign_off_is_told_it_is_done_in_the_portal(api_world, api, token):
    attempt = valid(api_world.contracts["joint"])
    body = problem(api(api_world.tokens[token]).post(url(attempt), SIGN), 403)
    assert "signed off in the portal by an approver" in body["detail"]
    assert "turned on API sign-off" in body["detail"]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID


def test_turning_api_sign_off_off_stops_the_token(api_world, api):
    attempt = valid(api_world.contracts["joint"])
    api_world.provider_a.api_sign_off_enabled = False
    api_world.provider_a.save(update_fields=["api_sign_off_enabled"])
    assert problem(api(api_world.tokens["a_sign_off"]).post(url(attempt), SIGN), 403)


def test_a_token_of_someone_no_longer_an_approver_cannot_sign_off(api_world, api):
    attempt = valid(api_world.contracts["joint"])
    Membership.objects.filter(user=api_world.users["a_approver"], organisation=api_world.provider_a).update(
        role=Role.SUBMITTER
    )
    assert problem(api(api_world.tokens["a_sign_off"]).post(url(attempt), SIGN), 403)


@pytest.mark.parametrize(
    ("token", "contract_key", "status"),
    [
        ("a_read", "joint", 403),  # no submit scope
        ("c_read", "joint", 403),  # read-only commissioner token
        ("icb_read", "joint", 403),
        ("other_read", "other", 403),
        ("b_submit", "joint", 404),  # cannot see J-1's returns
        ("a_sign_off", "council_b", 404),  # A only subcontracts on C-2
        ("a_sign_off", "other", 404),
    ],
)
def test_who_cannot_sign_off_with_a_token(api_world, api, token, contract_key, status):
    attempt = valid(api_world.contracts[contract_key])
    assert api(api_world.tokens[token]).post(url(attempt), SIGN).status_code == status
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("a_approver", 200),
        ("a_admin", 200),
        ("a_submitter", 403),
        ("a_viewer", 403),
        ("commissioner", 403),
        ("icb_admin", 403),
        ("b_admin", 404),
    ],
)
def test_with_a_session_only_an_approver_signs_off_as_on_the_page(api_world, user, status):
    attempt = valid(api_world.contracts["joint"])
    response = session(api_world.users[user]).post(url(attempt), SIGN, format="json")
    assert response.status_code == status, response.content
    if status == 200:
        assert response.json()["signed_off_by"] == api_world.users[user].full_name
        assert ReturnAttempt.objects.get().signed_off_by_label == str(api_world.users[user])
        assert AuditEntry.objects.get(action="return.accept").details["source"] == "portal"
    if user == "a_submitter":
        assert "sign off monthly returns" in response.json()["detail"]


def test_without_the_declaration_it_is_a_field_error(api_world, api):
    attempt = valid(api_world.contracts["joint"])
    client = api(api_world.tokens["a_sign_off"])
    refused = problem(client.post(url(attempt), {"declaration": False}), 400)
    assert refused["field_errors"] == {"declaration": ["Confirm the declaration to sign off the return"]}
    missing = problem(client.post(url(attempt), {}), 400)
    assert list(missing["field_errors"]) == ["declaration"]
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID


def test_warnings_must_be_acknowledged(api_world, api):
    attempt = valid(api_world.contracts["joint"], period="2025-09")
    client = api(api_world.tokens["a_sign_off"])
    refused = problem(client.post(url(attempt), SIGN), 400)
    assert refused["field_errors"]["acknowledge_warnings"] == [
        "This return has 3 warnings. Have the approver read each one in the validation report, "
        "then send acknowledge_warnings: true."
    ]
    accepted = client.post(url(attempt), {**SIGN, "acknowledge_warnings": True})
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["version"] == 1


def test_signing_off_again_is_a_409_naming_who_signed_it_off(api_world, api):
    attempt = valid(api_world.contracts["joint"])
    client = api(api_world.tokens["a_sign_off"])
    assert client.post(url(attempt), SIGN).status_code == 200
    body = problem(client.post(url(attempt), SIGN), 409)
    assert body["detail"].startswith("This return was already signed off by ")
    assert ReturnAttempt.objects.filter(version__isnull=False).count() == 1


def test_a_rejected_return_cannot_be_signed_off(api_world, api):
    attempt = services.return_import(
        contract=api_world.contracts["joint"],
        period=JUNE,
        file_bytes=b"not,a\nreturn,file\n",
        filename="x.csv",
    )
    assert attempt.status == AttemptStatus.REJECTED
    body = problem(api(api_world.tokens["a_sign_off"]).post(url(attempt), SIGN), 409)
    assert "cannot be signed off: it is rejected" in body["detail"]


def test_a_retried_sign_off_with_its_key_replays_and_makes_no_second_version(api_world, api):
    attempt = valid(api_world.contracts["joint"])
    client = api(api_world.tokens["a_sign_off"])
    first = client.post(url(attempt), SIGN, HTTP_IDEMPOTENCY_KEY="sign-june")
    again = client.post(url(attempt), SIGN, HTTP_IDEMPOTENCY_KEY="sign-june")
    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert ReturnAttempt.objects.filter(version__isnull=False).count() == 1
    assert AuditEntry.objects.filter(action="return.accept").count() == 1
    different = client.post(
        url(attempt), {**SIGN, "acknowledge_warnings": True}, HTTP_IDEMPOTENCY_KEY="sign-june"
    )
    assert problem(different, 422)["type"] == "/api/v1/problems/idempotency-key-reused/"


def test_a_sign_off_is_sent_as_json(api_world, api):
    attempt = valid(api_world.contracts["joint"])
    response = api(api_world.tokens["a_sign_off"]).post(
        url(attempt), {"declaration": "true"}, format="multipart"
    )
    assert problem(response, 415)["status"] == 415


def test_the_signed_off_version_shows_on_the_month(api_world, api):
    attempt = valid(api_world.contracts["joint"])
    api(api_world.tokens["a_sign_off"]).post(url(attempt), SIGN)
    month = (
        api(api_world.tokens["c_read"]).get(f"/api/v1/monthly-returns/{attempt.monthly_return_id}/").json()
    )
    assert month["status"] == "accepted"
    assert month["current_version"]["attempt_id"] == attempt.pk
    assert month["current_version"]["source"] == "import"  # how the file came; the sign-off is the token's
    assert month["current_version"]["signed_off_by"].endswith(
        f"via API token 'a_sign_off' ({attempt_prefix()}…)"
    )


def attempt_prefix() -> str:
    return ApiToken.objects.get(name="a_sign_off").prefix


@pytest.mark.parametrize(
    ("label", "shown"),
    [
        ("Jane Smith <jane@acme.example>", "Jane Smith"),
        (
            "Jane Smith <jane@acme.example> via API token 'CarePlan' (hco_ab12…)",
            "Jane Smith via API token 'CarePlan' (hco_ab12…)",
        ),
        ("jane@acme.example", "Acme Homecare Ltd"),
        (
            "jane@acme.example via API token 'CarePlan' (hco_ab12…)",
            "Acme Homecare Ltd via API token 'CarePlan' (hco_ab12…)",
        ),
        ("API token 'CarePlan' (hco_ab12…)", "API token 'CarePlan' (hco_ab12…)"),
        ("Data import (import_return)", "Data import (import_return)"),
        ("", ""),
    ],
)
def test_people_are_named_without_their_email_address(label, shown):

    assert person_label(label, "Acme Homecare Ltd") == shown
