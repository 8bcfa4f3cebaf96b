"""The data standard for providers: the guide page and its PDF, both from the definitions the validator
checks files against (outcomes.mds.columns), with every version's changes. Who may reach each URL is
pinned in the permission matrix; these tests pin what they show."""

from __future__ import annotations

import html
import re

from accounts.downloads import PDF_CONTENT_TYPE
from outcomes.mds.columns import (
    EPISODE_COLUMN_SPECS,
    FORMAT_VERSION,
    FORMAT_VERSIONS,
    SURVEY_COLUMN_SPECS,
)
from tests.fixtures.pdf import pdf_text


def page_text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_guide_is_the_data_standard_named_with_its_version(client, world):
    client.force_login(world.users["a_submitter"])
    response = client.get("/returns/guide/")
    assert response.status_code == 200
    content = response.content.decode()
    assert "<title>Monthly data standard, version 1.1 –" in content
    assert re.search(r"<h1[^>]*>Monthly data standard, version 1\.1</h1>", content)
    link = re.search(r'<a [^>]*href="/returns/guide\.pdf"[^>]*>([^<]*)</a>', content)
    assert link and link.group(1) == "Download the data standard as a PDF (version 1.1)"


def test_the_guide_lists_every_version_newest_first_with_its_changes(client, world):
    client.force_login(world.users["c_viewer"])
    text = page_text(client.get("/returns/guide/"))
    section = text.split("What changed in each version", 2)[-1]
    assert section.index("Version 1.1 (this version)") < section.index("Version 1.0")
    for version in FORMAT_VERSIONS:
        assert f"Version {version.number}" in section
        for change in version.changes:
            assert change in section
    assert "First version" in section


def test_the_pdf_is_the_same_standard_named_with_its_version(client, world, tmp_path):
    client.force_login(world.users["a_viewer"])
    response = client.get("/returns/guide.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == PDF_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="monthly-data-standard-v1.1.pdf"'
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content, tmp_path)
    assert "Monthly data standard, version 1.1" in text and FORMAT_VERSION == "1.1"
    for column in (*EPISODE_COLUMN_SPECS, *SURVEY_COLUMN_SPECS):
        assert column.name in text, column.name
    for value in ("residential_care", "moved_away", "DIED_WITH_DIGNITY", "85+"):
        assert value in text
    assert "At most 20 MB and 100,000 episode rows" in text
    assert "What changed in each version" in text
    for version in FORMAT_VERSIONS:
        assert f"Version {version.number}" in text
    assert "Page 1 of" in text
    # What works only on screen stays on screen; the paper says where the current version is.
    assert "Download the data standard" not in text and "Go to your monthly returns" not in text
    assert "http://testserver/returns/guide/" in text


def test_the_page_and_the_pdf_show_the_same_sections(client, world, tmp_path):
    client.force_login(world.users["a_viewer"])
    page = client.get("/returns/guide/").content.decode()
    headings = [
        html.unescape(heading)
        for heading in re.findall(r'<h2 class="govuk-heading-m"[^>]*>([^<]+)</h2>', page)
    ]
    screen_only = {"Templates and a worked example"}
    text = pdf_text(client.get("/returns/guide.pdf").content, tmp_path)
    assert len(headings) > 5
    for heading in headings:
        assert (heading in text) != (heading in screen_only), heading
