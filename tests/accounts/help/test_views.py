"""The help pages: the list of guides, a guide, and its screenshots, open to everyone."""

from __future__ import annotations

import re

import pytest
from django.utils.http import http_date

from accounts.help.guides import guide_list, rendered
from tests.accounts.help.conftest import PNG
from tests.factories import PASSWORD


def test_the_index_lists_every_guide_with_its_description(client, db):
    page = client.get("/help/")
    assert page.status_code == 200
    html = page.content.decode()
    guides = guide_list()
    assert {guide.path.name for guide in guides} >= {"api.md", "people-and-roles.md", "results.md"}
    for guide in guides:
        assert f'href="/help/{guide.slug}/">{rendered(guide).title}</a>' in html.replace("&#x27;", "'")
    assert "This guide is for everyone who uses the service" in html  # the first paragraph


def test_a_guide_renders_with_heading_ids_govuk_classes_and_its_contents(client, db):
    page = client.get("/help/results/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<h1 class="govuk-heading-l" id="results-scorecards-and-overrides">' in html
    assert '<h2 id="overrides" class="govuk-heading-m">Overrides</h2>' in html
    assert '<h3 id="checking-a-figure-from-the-command-line" class="govuk-heading-s">' in html
    contents = re.search(r'data-testid="help-contents">(.*?)</ul>', html, re.S).group(1)
    assert re.findall(r'href="#([^"]+)"', contents) == [
        "where-results-come-from",
        "the-scorecard",
        "a-results-page",
        "overrides",
    ]
    assert '<p class="govuk-body">' in html and '<ul class="govuk-list govuk-list--bullet">' in html
    # Its links to the other guides open them here.
    assert 'href="/help/statistics/#year-end-forecast"' in html


def test_a_guide_that_does_not_exist_is_not_found(client, db):
    assert client.get("/help/no-such-guide/").status_code == 404


def test_raw_html_in_a_guide_is_shown_as_text(client, db, docs):
    (docs / "guides" / "evil.md").write_text(
        '# Evil\n\n<script>alert("hi")</script>\n\nA <a href="https://evil.example" onclick="x()">link</a>.\n'
    )
    html = client.get("/help/evil/").content.decode()
    main = html[html.index('id="main-content"') :]
    assert "<script>alert" not in main and "&lt;script&gt;alert" in main
    assert 'href="https://evil.example"' not in main


def test_links_between_guides_are_rewritten_and_links_to_other_files_dropped(client, db, docs):
    (docs / "api.md").write_text("# The REST API\n\nSee [the returns guide](guides/returns.md#fixing).\n")
    (docs / "data-standard.md").write_text("# The monthly return\n")
    (docs / "guides" / "returns.md").write_text(
        "# Returns\n\n## Fixing\n\nRead [tokens](../api.md#tokens), [the columns](../data-standard.md), "
        "[the script](../../scripts/bench.sh) and [settings](../../config/settings.py).\n"
    )
    html = client.get("/help/returns/").content.decode()
    assert '<a href="/help/api/#tokens" class="govuk-link">tokens</a>' in html
    assert '<a href="/returns/guide/" class="govuk-link">the columns</a>' in html  # a page of its own
    assert "the script and settings." in html and "scripts/bench.sh" not in html
    api = client.get("/help/api/").content.decode()
    assert 'href="/help/returns/#fixing"' in api


def test_a_screenshot_is_served_and_shown_in_its_guide(client, db, docs):
    (docs / "guides" / "images" / "scorecard.png").write_bytes(PNG)
    (docs / "guides" / "results.md").write_text(
        "# Results\n\n![The scorecard of one contract](images/scorecard.png)\n"
    )

    html = client.get("/help/results/").content.decode()
    assert (
        '<img src="/help/images/scorecard.png" alt="The scorecard of one contract" class="app-help-image">'
        in html
    )

    image = client.get("/help/images/scorecard.png")
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert b"".join(image.streaming_content) == PNG
    assert "max-age" in image["Cache-Control"]
    modified = (docs / "guides" / "images" / "scorecard.png").stat().st_mtime
    again = client.get("/help/images/scorecard.png", headers={"if-modified-since": http_date(modified)})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/help/images/../../config/settings.py",
        "/help/images/..%2f..%2fconfig%2fsettings.py",
        "/help/images/%2e%2e",
        "/help/images/%2e%2e%2fresults.md",
        "/help/images/..%5cresults.md",
        "/help/images/.hidden.png",
        "/help/images/notes.txt",
        "/help/images/missing.png",
        "/help/images/",
        "/help/../config/settings.py",
    ],
)
def test_nothing_but_the_screenshots_is_served(client, db, docs, path):
    (docs / "guides" / "results.md").write_text("# Results\n")
    (docs / "guides" / "images" / ".hidden.png").write_bytes(PNG)
    (docs / "guides" / "images" / "notes.txt").write_text("notes")
    response = client.get(path)
    assert response.status_code == 404
    assert b"# Results" not in response.content and b"SECRET_KEY" not in response.content


def test_signed_out_people_read_the_guides_and_every_page_links_to_help(client, db):
    assert client.get("/help/").status_code == 200
    guide = client.get("/help/people-and-roles/")
    assert guide.status_code == 200 and 'id="signing-in"' in guide.content.decode()
    sign_in = client.get("/account/sign-in/").content.decode()
    assert (
        'href="/help/people-and-roles/#signing-in" data-testid="help-link">Help with this page</a>' in sign_in
    )
    assert 'href="/help/">Help</a>' in sign_in  # the footer


def test_the_api_tokens_page_links_to_the_api_guide(world, sign_in):
    client = sign_in(world.users["a_admin"])
    html = client.get("/account/api-tokens/").content.decode()
    assert 'href="/help/api/" data-testid="api-guide-link">API guide</a>' in html
    assert "docs/api.md" not in html
    assert client.get("/help/api/").status_code == 200


def test_the_guides_are_open_while_setting_up_the_second_step(world, client, settings):
    """The set-up page links to the section on two-step verification, and that section opens."""
    settings.TWO_FACTOR_REQUIRED = True
    client.post("/account/sign-in/", {"username": world.users["commissioner"].email, "password": PASSWORD})
    assert client.get("/contracts/")["Location"].startswith("/account/two-factor/set-up/")
    setup = client.get("/account/two-factor/set-up/").content.decode()
    assert (
        'href="/help/people-and-roles/#signing-in" data-testid="help-link">Help with this page</a>' in setup
    )
    assert client.get("/help/people-and-roles/").status_code == 200
    assert client.get("/help/").status_code == 200


def test_the_index_points_each_person_to_the_guide_for_their_role(world, client, docs):
    for slug in ("provider-returns", "provider-admin", "scrutiny-reader"):
        (docs / "guides" / f"{slug}.md").write_text(f"# Guide {slug}\n")
    client.force_login(world.users["a_admin"])
    yours = re.search(r'data-testid="help-yours">(.*?)</div>', client.get("/help/").content.decode(), re.S)
    assert re.findall(r'href="/help/([^/]+)/"', yours.group(1)) == ["provider-returns", "provider-admin"]
    client.force_login(world.users["c_viewer"])
    yours = re.search(r'data-testid="help-yours">(.*?)</div>', client.get("/help/").content.decode(), re.S)
    assert re.findall(r'href="/help/([^/]+)/"', yours.group(1)) == ["scrutiny-reader"]
    client.logout()
    assert 'data-testid="help-yours"' not in client.get("/help/").content.decode()
