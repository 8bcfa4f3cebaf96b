"""The standard's versions, declared once in outcomes.mds.columns (return-format.md). Pure Python."""

from __future__ import annotations

from outcomes.mds import columns


def test_every_version_is_listed_newest_first_and_the_newest_is_in_force():
    numbers = [version.number for version in columns.FORMAT_VERSIONS]
    assert numbers == ["1.1", "1.0"]
    assert numbers == sorted(numbers, key=lambda number: tuple(map(int, number.split("."))), reverse=True)
    assert columns.FORMAT_VERSION == "1.1"
    assert columns.CHANGES_IN_THIS_VERSION == columns.FORMAT_VERSIONS[0].changes


def test_each_version_says_what_changed_and_no_date_is_invented():
    first = columns.FORMAT_VERSIONS[-1]
    assert len(first.changes) == 1 and first.changes[0].startswith("First version")
    assert all(version.changes and all(version.changes) for version in columns.FORMAT_VERSIONS)
    # The specification gives no date of publication for either version.
    assert all(version.published is None for version in columns.FORMAT_VERSIONS)
