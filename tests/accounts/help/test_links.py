"""Each page's "Help with this page" link: every page mapped exists, and so does every section."""

from __future__ import annotations

import pytest
from django.urls import get_resolver

from accounts.help.links import PAGE_HELP, Page, Section, help_link
from tests.fixtures.matrix import url_names

SECTIONS = sorted({target for target in PAGE_HELP.values() if isinstance(target, Section)}, key=str)
PAGES = sorted({target for target in PAGE_HELP.values() if isinstance(target, Page)}, key=str)


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


@pytest.mark.parametrize("target", PAGES, ids=lambda target: f"{target.url_name}#{target.anchor}")
def test_every_mapped_page_of_help_opens_at_its_section(world, sign_in, target):
    client = sign_in(world.users["a_submitter"])
    page = client.get(target.href.partition("#")[0])
    assert page.status_code == 200
    if target.anchor:
        assert f'id="{target.anchor}"' in page.content.decode()


def test_a_mapped_page_links_to_the_section_that_explains_it(world, sign_in):
    client = sign_in(world.users["commissioner"])
    html = client.get("/contracts/").content.decode()
    assert (
        '<a class="govuk-link govuk-link--inverse govuk-body-s service-header__account-link" '
        'href="/help/contracts-and-targets/#who-sees-a-contract" data-testid="help-link">Help with this page</a>'
    ) in html
    returns = client.get("/returns/").content.decode()
    assert 'href="/returns/guide/" data-testid="help-link">Help with this page</a>' in returns


def test_a_page_without_a_section_links_to_the_list_of_guides(world, sign_in):
    client = sign_in(world.users["a_viewer"])
    html = client.get("/accessibility/").content.decode()
    assert 'href="/help/" data-testid="help-link">Help</a>' in html
    assert help_link(None).href == "/help/"
    assert help_link("results:scorecard").href == "/help/results/#the-scorecard"
