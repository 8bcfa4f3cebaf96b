"""The provider register (commissioners) and provider pages (the provider itself and commissioners)."""

from __future__ import annotations

from providers.models import CqcRating
from tests.factories import ProviderFactory


def test_commissioners_see_every_provider_with_its_cqc_rating(client, world):
    ProviderFactory(name="Castle Home Support", cqc_rating=CqcRating.REQUIRES_IMPROVEMENT)
    client.force_login(world.users["c_viewer"])
    page = client.get("/providers/").content.decode()
    for name in ("Acme Homecare Ltd", "Brookside Care Services", "Castle Home Support"):
        assert name in page
    assert "Requires improvement" in page
    assert "3 providers" in page


def test_the_register_filters_by_name_and_rating(client, world):
    ProviderFactory(name="Castle Home Support", cqc_rating=CqcRating.REQUIRES_IMPROVEMENT)
    client.force_login(world.users["commissioner"])
    by_name = client.get("/providers/", {"q": "brook"}).content.decode()
    assert "Brookside Care Services" in by_name and "Acme Homecare Ltd" not in by_name
    by_rating = client.get("/providers/", {"rating": "requires_improvement"}).content.decode()
    assert "Castle Home Support" in by_rating and "Brookside Care Services" not in by_rating
    unknown_rating = client.get("/providers/", {"rating": "<script>"})
    assert unknown_rating.status_code == 200  # an unknown value is ignored, never an error


def test_home_counts_providers_by_rating_not_by_people(client, world):
    """Each provider counts once however many people it has (regression: counts once multiplied by members)."""
    client.force_login(world.users["commissioner"])
    page = client.get("/").content.decode()
    assert "2 providers registered" in page
    good_row = page.split('?rating=good">Good</a></th>')[1].split("</tr>")[0]
    assert ">2</td>" in good_row


def test_a_provider_sees_its_own_page_only(client, world):
    client.force_login(world.users["a_viewer"])
    own = client.get(f"/providers/{world.provider_a.pk}/")
    assert own.status_code == 200
    assert "Acme Homecare Ltd" in own.content.decode()
    other = client.get(f"/providers/{world.provider_b.pk}/")
    assert other.status_code == 404
    assert "Brookside" not in other.content.decode()


def test_provider_home_shows_cqc_rating_and_role(client, world):
    world.provider_a.cqc_rating = CqcRating.NOT_YET_INSPECTED
    world.provider_a.save()
    client.force_login(world.users["a_submitter"])
    page = client.get("/").content.decode()
    assert "Not yet inspected" in page
    assert "Upload monthly returns" in page
    assert "Sign off monthly returns" not in page


def test_the_provider_page_shows_its_registered_address_and_who_may_change_it(client, world):
    from tests.factories import contract

    contract(world.council, world.provider_a, reference="PA-1")
    provider = world.provider_a
    provider.legal_name = "Acme Homecare Limited"
    provider.address_line_1, provider.address_postcode = "Unit 4, Mill Yard", "RV1 3QT"
    provider.save()
    for role, can_change in (("contract_officer", True), ("commissioner", True), ("quality_officer", False)):
        client.force_login(world.users[role])
        page = client.get(f"/providers/{provider.pk}/").content.decode()
        assert "Acme Homecare Limited<br>Unit 4, Mill Yard<br>Riverton<br>RV1 3QT" in page, role
        assert (f'href="/providers/{provider.pk}/address/"' in page) is can_change, role
    client.force_login(world.users["icb_admin"])  # a body that leads no contract with it reads it only
    page = client.get(f"/providers/{provider.pk}/").content.decode()
    assert "RV1 3QT" in page and "/address/" not in page
    provider.address_line_1 = ""
    provider.save()
    page = client.get(f"/providers/{provider.pk}/").content.decode()
    assert "Not recorded (Acme Homecare Limited): notices cannot be issued until it is" in page


def test_the_admin_shows_the_registered_address(admin_client, world):
    page = admin_client.get(f"/admin/providers/provider/{world.provider_a.pk}/change/").content.decode()
    for field in ("legal_name", "address_line_1", "address_line_2", "address_town", "address_postcode"):
        assert f'name="{field}"' in page
