"""Working for more than one organisation: the header shows which, and the switcher changes it."""

from __future__ import annotations

import re

import pytest

from accounts.middleware import SESSION_KEY
from accounts.models import Role
from tests.factories import MembershipFactory, UserFactory, member


@pytest.fixture
def two_hats(world):
    """Someone who submits returns for Acme and is a commissioner at the council."""
    user = member(world.provider_a, Role.SUBMITTER, email="two.hats@example.org")
    MembershipFactory(user=user, organisation=world.council, role=Role.COMMISSIONER)
    return user


def _current_organisation(response) -> str:
    (name,) = re.findall(r'data-testid="current-organisation">([^<]*)<', response.content.decode())
    return name


def test_person_in_two_organisations_sees_switch_organisation_in_the_header(client, two_hats, sign_in):
    sign_in(two_hats)

    response = client.get("/")

    assert response.status_code == 200
    assert "Switch organisation" in response.content.decode()
    assert 'href="/account/organisation/"' in response.content.decode()


def test_person_in_one_organisation_has_no_switch_link(client, world, sign_in):
    sign_in(world.users["a_admin"])

    response = client.get("/")

    assert response.status_code == 200
    assert "Switch organisation" not in response.content.decode()


def test_first_organisation_by_name_is_the_starting_one(client, two_hats, sign_in):
    sign_in(two_hats)

    response = client.get("/")

    assert _current_organisation(response) == "Acme Homecare Ltd"


def test_switch_page_lists_both_organisations_with_the_current_one_chosen(client, world, two_hats, sign_in):
    sign_in(two_hats)

    response = client.get("/account/organisation/")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Which organisation are you working for?" in content
    options = re.findall(r'<input[^>]*name="organisation"[^>]*>', content)
    assert len(options) == 2
    (checked,) = [o for o in options if "checked" in o]
    assert f'value="{world.provider_a.pk}"' in checked
    assert "Riverton City Council" in content
    assert "Commissioner" in content


def test_switching_changes_the_organisation_in_the_header(client, world, two_hats, sign_in):
    sign_in(two_hats)

    response = client.post("/account/organisation/", {"organisation": world.council.pk}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "You are now working as Riverton City Council." in response.content.decode()
    assert _current_organisation(response) == "Riverton City Council"
    assert client.session[SESSION_KEY] == world.council.pk


def test_switching_changes_what_the_person_can_do(client, world, two_hats, sign_in):
    sign_in(two_hats)
    as_provider = client.get("/providers/")
    own_page_as_provider = client.get(f"/providers/{world.provider_a.pk}/")
    other_provider_as_provider = client.get(f"/providers/{world.provider_b.pk}/")

    client.post("/account/organisation/", {"organisation": world.council.pk})
    as_commissioner = client.get("/providers/")
    other_provider_as_commissioner = client.get(f"/providers/{world.provider_b.pk}/")

    assert as_provider.status_code == 403
    assert "does not let you do this" in as_provider.content.decode()
    assert own_page_as_provider.status_code == 200
    assert other_provider_as_provider.status_code == 404
    assert as_commissioner.status_code == 200
    assert "Brookside Care Services" in as_commissioner.content.decode()
    assert other_provider_as_commissioner.status_code == 200


def test_switching_back_restores_the_first_organisation(client, world, two_hats, sign_in):
    sign_in(two_hats)
    client.post("/account/organisation/", {"organisation": world.council.pk})

    response = client.post("/account/organisation/", {"organisation": world.provider_a.pk}, follow=True)

    assert _current_organisation(response) == "Acme Homecare Ltd"
    assert client.get("/providers/").status_code == 403


def test_switching_to_an_organisation_the_person_does_not_belong_to_gives_404(
    client, world, two_hats, sign_in
):
    sign_in(two_hats)
    client.post("/account/organisation/", {"organisation": world.council.pk})

    response = client.post("/account/organisation/", {"organisation": world.provider_b.pk})

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert client.session[SESSION_KEY] == world.council.pk
    assert _current_organisation(client.get("/")) == "Riverton City Council"


@pytest.mark.parametrize("value", ["", "not-a-number", "99999999999999999999999"])
def test_switching_with_a_nonsense_organisation_gives_404(client, world, two_hats, sign_in, value):
    sign_in(two_hats)

    response = client.post("/account/organisation/", {"organisation": value})

    assert response.status_code == 404
    assert SESSION_KEY not in client.session
    assert _current_organisation(client.get("/")) == "Acme Homecare Ltd"


def test_switching_returns_to_a_page_on_this_site(client, world, two_hats, sign_in):
    sign_in(two_hats)

    response = client.post(
        "/account/organisation/", {"organisation": world.council.pk, "next": "/providers/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/providers/"


def test_switching_never_sends_the_person_to_another_site(client, world, two_hats, sign_in):
    sign_in(two_hats)

    response = client.post(
        "/account/organisation/", {"organisation": world.council.pk, "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_person_in_one_organisation_gets_the_list_with_one_option(client, world, sign_in):
    sign_in(world.users["a_admin"])

    response = client.get("/account/organisation/")

    assert response.status_code == 200
    content = response.content.decode()
    options = re.findall(r'<input[^>]*name="organisation"[^>]*>', content)
    assert len(options) == 1
    assert f'value="{world.provider_a.pk}"' in options[0]
    assert "checked" in options[0]
    assert "Acme Homecare Ltd" in content


def test_switch_page_needs_sign_in(client, db):
    response = client.get("/account/organisation/")

    assert response.status_code == 302
    assert response["Location"] == "/account/sign-in/?next=/account/organisation/"


def test_switch_page_for_someone_without_an_organisation(client, db, sign_in):
    sign_in(UserFactory(email="loner@example.org"))

    response = client.get("/account/organisation/")

    assert response.status_code == 403
    assert "You are not part of an organisation yet" in response.content.decode()


def test_removal_from_the_current_organisation_falls_back_to_another(client, world, two_hats, sign_in):
    sign_in(two_hats)
    client.post("/account/organisation/", {"organisation": world.council.pk})
    two_hats.memberships.filter(organisation=world.council).delete()

    response = client.get("/")

    assert response.status_code == 200
    assert _current_organisation(response) == "Acme Homecare Ltd"
