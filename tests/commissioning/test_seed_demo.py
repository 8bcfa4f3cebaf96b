"""The demo data command: idempotent, a realistic CQC mix, one working sign-in per role."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership, Organisation, Role, User
from commissioning.demo.organisations import DEMO_PASSWORD, PEOPLE
from providers.models import CqcRating, Provider


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_the_sign_ins(settings):
    settings.DEBUG = True
    first = StringIO()
    call_command("seed_demo", "--skip-returns", stdout=first)
    counts = (Organisation.objects.count(), User.objects.count(), Membership.objects.count())
    call_command("seed_demo", "--skip-returns", stdout=StringIO())
    assert (Organisation.objects.count(), User.objects.count(), Membership.objects.count()) == counts
    output = first.getvalue()
    assert DEMO_PASSWORD in output
    for person in PEOPLE:
        assert person.email in output


@pytest.mark.django_db
def test_demo_has_a_joint_council_and_icb_and_twelve_providers(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--skip-returns", stdout=StringIO())
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


@pytest.mark.django_db
def test_every_role_has_a_demo_person_who_can_sign_in(client, settings):
    settings.DEBUG = True
    call_command("seed_demo", "--skip-returns", stdout=StringIO())
    roles = {(p.role, p.is_admin) for p in PEOPLE}
    for role in Role:
        assert any(r == role for r, _ in roles), f"no demo person is {role}"
    assert any(admin for _, admin in roles)
    for person in PEOPLE:
        response = client.post("/account/sign-in/", {"username": person.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, person.email
        assert person.organisation in client.get("/").content.decode()
        client.post("/account/sign-out/")


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo", "--skip-returns", stdout=StringIO())
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_returns_cover_18_months_with_a_late_a_corrected_and_a_rejected_month(settings):
    from outcomes.models import AttemptStatus, MonthlyReturn, ReturnAttempt

    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    active = 11  # the draft 2027 re-let has no returns
    assert MonthlyReturn.objects.filter(attempts__is_current=True).count() == active * 18
    assert ReturnAttempt.objects.filter(status=AttemptStatus.REJECTED).count() == 1
    corrected = ReturnAttempt.objects.get(version=2)
    assert corrected.changes == {"added": 0, "removed": 0, "changed": 2}
    assert ReturnAttempt.objects.filter(status=AttemptStatus.SUPERSEDED).count() == 1
    first_versions_late = ReturnAttempt.objects.filter(version=1, late=True)
    assert [a.monthly_return.contract.reference for a in first_versions_late] == ["RCC-HC-003"]
    before = ReturnAttempt.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert ReturnAttempt.objects.count() == before
