"""Each page's "Help with this page" link: every page mapped exists, and so does every section."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from accounts.help.links import HOME_SECTIONS, PAGE_HELP, BySide, Section, help_link
from tests.fixtures.matrix import url_names

TARGETS = {
    side
    for target in PAGE_HELP.values()
    for side in ((target.provider, target.council) if isinstance(target, BySide) else (target,))
}
TARGETS |= {Section(slug, anchor) for slug, anchor in HOME_SECTIONS.items()}
SECTIONS = sorted({target for target in TARGETS if isinstance(target, Section)}, key=str)


def test_every_mapped_page_is_a_url_of_the_service():
    unknown = set(PAGE_HELP) - url_names(get_resolver().url_patterns)
    assert not unknown, f"PAGE_HELP names pages that do not exist: {sorted(unknown)}"


@pytest.mark.parametrize("section", SECTIONS, ids=lambda section: f"{section.guide}#{section.anchor}")
def test_every_mapped_section_is_in_its_guide(client, db, section):
    """A renamed heading fails here: rename the anchor in accounts/help/links.py with it."""
    page = client.get(section.href.partition("#")[0])
    assert page.status_code == 200, f"there is no guide {section.guide!r}"
    if section.anchor:
        assert f'id="{section.anchor}"' in page.content.decode(), (
            f"{section.guide} has no section #{section.anchor}"
        )


def test_a_mapped_page_links_to_the_section_that_explains_it(world, sign_in):
    client = sign_in(world.users["commissioner"])
    html = client.get("/contracts/").content.decode()
    assert (
        '<a class="govuk-link govuk-link--inverse govuk-body-s service-header__account-link" '
        'href="/help/contracts-and-targets/#who-sees-a-contract" data-testid="help-link">Help with this page</a>'
    ) in html
    returns = client.get("/returns/").content.decode()
    assert (
        'href="/help/contract-officer/#returns-outstanding-and-chasing" data-testid="help-link">Help with this page'
    ) in returns
    # The same page, seen by a provider, is explained in the provider's guide.
    client.logout()
    provider = sign_in(world.users["a_submitter"]).get("/returns/").content.decode()
    assert (
        'href="/help/provider-returns/#which-returns-are-due-and-when" data-testid="help-link">Help with this page'
    ) in provider


def test_a_page_without_a_section_links_to_the_list_of_guides(world, sign_in):
    client = sign_in(world.users["a_viewer"])
    html = client.get("/accessibility/").content.decode()
    assert 'href="/help/" data-testid="help-link">Help</a>' in html
    assert help_link(None).href == "/help/"
    assert help_link("results:scorecard").href == "/help/commissioner/#a-contracts-scorecard"
    assert (
        help_link("results:scorecard", is_provider=True).href
        == "/help/provider-returns/#your-results-and-scorecard"
    )


def test_the_home_page_links_to_the_guide_for_the_persons_role():
    assert help_link("home", False, "contract_officer").href == "/help/contract-officer/#your-first-day"
    assert help_link("home", False, "viewer").href == "/help/scrutiny-reader/#your-first-day"
    assert help_link("home", True, "approver", True).href == "/help/provider-returns/#your-home-page"
    assert help_link("home").href == "/help/commissioner/#your-home-page"  # no one signed in: the council's
