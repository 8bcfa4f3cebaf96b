"""The demo data command end to end (once), and the people and organisations step on its own.

`seed_demo` is the one test that loads the whole demo, returns included: each other demo test calls
only the seeding step it is about (``demo_seed``, ``notice_seed``, ``review_seed``,
``demo_api_tokens_seed``…), so the suite stays quick. Loading it a second time (nothing duplicated,
the earlier tokens refused) is checked by the embedded smoke run (scripts/smoke_embedded.sh), which
loads it twice anyway.
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import Membership, Organisation, Role, User
from commissioning.demo.organisations import DEMO_PASSWORD, PEOPLE, demo_seed
from commissioning.notices.models import Notice
from commissioning.qaf.models import QafStatus
from outcomes.models import AttemptStatus, ComplianceResult, MonthlyReturn, ReturnAttempt
from outcomes.reviews.models import ReviewMeeting
from providers.models import CqcRating, Provider

BEARER = re.compile(r'curl -H "Authorization: Bearer (hco_\S+)" \S+/api/v1/me/')


def _me(raw: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.get("/api/v1/me/")


@pytest.mark.django_db
def test_the_whole_demo_loads(settings):
    settings.DEBUG = True
    first = StringIO()
    call_command("seed_demo", stdout=first)
    output = first.getvalue()
    # Every demo person and the published password are printed.
    assert DEMO_PASSWORD in output
    for person in PEOPLE:
        assert person.email in output
    # Eighteen months of returns for each active contract: one late, one corrected, one rejected.
    active = 11  # the draft 2027 re-let has no returns
    assert MonthlyReturn.objects.filter(attempts__is_current=True).count() == active * 18
    assert ReturnAttempt.objects.filter(status=AttemptStatus.REJECTED).count() == 1
    corrected = ReturnAttempt.objects.get(version=2)
    assert corrected.changes == {"added": 0, "removed": 0, "changed": 2}
    assert ReturnAttempt.objects.filter(status=AttemptStatus.SUPERSEDED).count() == 1
    late = ReturnAttempt.objects.filter(version=1, late=True)
    assert [attempt.monthly_return.contract.reference for attempt in late] == ["RCC-HC-003"]
    # Results, QAF statuses, notices and review meetings follow from them.
    assert ComplianceResult.objects.exists() and QafStatus.objects.exists()
    assert Notice.objects.exists() and ReviewMeeting.objects.count() == 8
    # Two API tokens, each printed once with a curl line that works.
    tokens = BEARER.findall(output)
    assert len(tokens) == 2
    provider, council = (_me(raw).json() for raw in tokens)
    assert (provider["organisation"]["name"], provider["token"]["scopes"]) == (
        "Acme Homecare Ltd",
        ["read", "submit"],
    )
    assert (council["organisation"]["name"], council["token"]["scopes"]) == (
        "Riverton City Council",
        ["read"],
    )


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo", "--skip-returns", stdout=StringIO())
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_has_a_joint_council_and_icb_and_twelve_providers():
    demo_seed()
    assert set(Organisation.objects.exclude(kind="provider").values_list("kind", flat=True)) == {
        "council",
        "icb",
    }
    assert Provider.objects.count() == 12
    ratings = list(Provider.objects.values_list("cqc_rating", flat=True))
    assert ratings.count(CqcRating.OUTSTANDING) == 0
    assert ratings.count(CqcRating.GOOD) == 7
    assert ratings.count(CqcRating.REQUIRES_IMPROVEMENT) == 2
    assert ratings.count(CqcRating.NOT_YET_INSPECTED) == 3
    counts = (Organisation.objects.count(), User.objects.count(), Membership.objects.count())
    demo_seed()
    assert (Organisation.objects.count(), User.objects.count(), Membership.objects.count()) == counts


@pytest.mark.django_db
def test_every_role_has_a_demo_person_who_can_sign_in(client):
    demo_seed()
    roles = {(p.role, p.is_admin) for p in PEOPLE}
    for role in Role:
        assert any(r == role for r, _ in roles), f"no demo person is {role}"
    assert any(admin for _, admin in roles)
    for person in PEOPLE:
        response = client.post("/account/sign-in/", {"username": person.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, person.email
        assert person.organisation in client.get("/").content.decode()
        client.post("/account/sign-out/")
