"""`python manage.py data_standard_doc`: docs/data-standard.md is written from the data standard's
definitions, and the committed file is what they give (so it cannot drift from the validator)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from outcomes.mds.columns import (
    EPISODE_COLUMN_SPECS,
    FORMAT_VERSION,
    FORMAT_VERSIONS,
    MAX_EPISODE_ROWS,
    SURVEY_COLUMN_SPECS,
)
from outcomes.returns.data_standard import DOC_PATH, data_standard_markdown


def test_the_committed_data_standard_doc_is_what_the_definitions_give():
    assert DOC_PATH.read_text(encoding="utf-8") == data_standard_markdown(), (
        "docs/data-standard.md is out of date: run DEBUG=true python manage.py data_standard_doc --write"
    )


def test_the_doc_names_the_version_every_column_and_every_version_newest_first():
    text = data_standard_markdown()
    assert text.splitlines()[2] == f"# Monthly data standard, version {FORMAT_VERSION}"
    for column in (*EPISODE_COLUMN_SPECS, *SURVEY_COLUMN_SPECS):
        (row,) = [line for line in text.splitlines() if line.startswith(f"| `{column.name}` |")]
        assert column.guidance in row and all(f"`{value}`" in row for value in column.allowed)
    assert f"{MAX_EPISODE_ROWS:,} episode rows" in text
    history = text.split("## What changed in each version", 1)[1]
    positions = [history.index(f"### Version {version.number}") for version in FORMAT_VERSIONS]
    assert positions == sorted(positions)
    assert all(change in history for version in FORMAT_VERSIONS for change in version.changes)
    assert "&#x27;" not in text and "&quot;" not in text  # Markdown, not HTML-escaped text


def test_check_passes_on_the_committed_file():
    out = io.StringIO()
    call_command("data_standard_doc", "--check", stdout=out, stderr=io.StringIO())
    assert "is current" in out.getvalue()


def test_check_fails_on_a_stale_file_and_write_brings_it_up_to_date(tmp_path):
    stale = tmp_path / "data-standard.md"
    stale.write_text(
        data_standard_markdown().replace("| `episode_ref` |", "| `episode_id` |"), encoding="utf-8"
    )
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("data_standard_doc", "--check", "--file", str(stale), stdout=io.StringIO(), stderr=err)
    assert exit_.value.code == 1
    assert "data_standard_doc --write" in err.getvalue()
    call_command("data_standard_doc", "--write", "--file", str(stale), stdout=io.StringIO())
    assert stale.read_text(encoding="utf-8") == data_standard_markdown()
    call_command("data_standard_doc", "--check", "--file", str(stale), stdout=io.StringIO())


def test_without_an_option_it_prints_the_document():
    out = io.StringIO()
    call_command("data_standard_doc", stdout=out)
    assert out.getvalue() == data_standard_markdown()
