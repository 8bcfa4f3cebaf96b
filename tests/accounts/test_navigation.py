"""The service navigation: one current section per page, chosen by the longest matching address."""

from __future__ import annotations

import re

import pytest

from accounts.navigation import NavItem, current_item

ITEMS = [
    NavItem("Home", "/", exact=True),
    NavItem("Portfolio", "/portfolio/"),
    NavItem("Providers", "/providers/"),
    NavItem("Contracts", "/contracts/"),
    NavItem("Returns", "/returns/"),
    NavItem("Notices", "/notices/"),
    NavItem("Team", "/account/team/"),
    NavItem("Audit log", "/account/audit/"),
]


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/", "Home"),
        ("/portfolio/contracts/4/targets/9/trend/", "Portfolio"),  # not Contracts, though it names one
        ("/portfolio/", "Portfolio"),
        ("/contracts/4/", "Contracts"),
        ("/providers/7/", "Providers"),
        ("/notices/suggestions/", "Notices"),
        ("/returns/2026-11/contracts/3/", "Returns"),
        ("/account/team/invite/", "Team"),
        ("/account/audit/", "Audit log"),
        ("/account/", None),  # your account is in the header, no section
        ("/results/12/", None),  # Home is current only on its own address
    ],
)
def test_the_current_section_is_the_longest_address_the_page_starts_with(path, label):
    index = current_item(path, ITEMS)
    assert (ITEMS[index].label if index is not None else None) == label


def test_a_longer_address_wins_over_a_shorter_one_in_any_order():
    items = [NavItem("Account", "/account/"), NavItem("Team", "/account/team/")]
    assert current_item("/account/team/", items) == 1
    assert current_item("/account/team/", list(reversed(items))) == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("c_admin", "/"),
        ("c_admin", "/portfolio/"),
        ("c_admin", "/measures/"),
        ("commissioner", "/contracts/"),
        ("a_admin", "/returns/"),
    ],
)
def test_every_page_marks_exactly_one_section(client, world, who, path):
    client.force_login(world.users[who])
    page = client.get(path).content.decode()
    navigation = page[page.index('id="navigation"') : page.index("</nav>")]
    assert navigation.count('aria-current="page"') == 1
    assert len(re.findall(r"govuk-service-navigation__item--active", navigation)) == 1


@pytest.mark.django_db
def test_the_trend_page_marks_portfolio_alone(client, world):
    from tests.factories import contract, target

    agreement = contract(world.council, world.provider_a, reference="NAV-1")
    goal = target(agreement)
    client.force_login(world.users["commissioner"])
    page = client.get(f"/portfolio/contracts/{agreement.pk}/targets/{goal.pk}/trend/").content.decode()
    navigation = page[page.index('id="navigation"') : page.index("</nav>")]
    assert re.findall(r'aria-current="page"><strong[^>]*>([^<]*)<', navigation) == ["Portfolio"]
