"""Which guides are served, how the list groups them, and which screenshots may be served."""

from __future__ import annotations

from accounts.help.guides import (
    REFERENCE_GUIDES,
    ROLE_GUIDES,
    SUBJECT_GUIDES,
    guide_get,
    guide_list,
    image_path,
    rendered,
    start_with,
    summary,
)
from tests.accounts.help.conftest import PNG


def test_every_markdown_file_in_guides_is_a_guide_with_its_first_heading_as_title(docs):
    (docs / "guides" / "notices.md").write_text("# Notices\n\nAbout notices.\n")
    (docs / "guides" / "provider-returns.md").write_text("# Sending monthly returns\n\nFor submitters.\n")
    (docs / "guides" / "provider-admin.md").write_text("# Running your organisation\n")
    (docs / "guides" / "contract-officer.md").write_text("# Chasing returns and raising notices\n")
    (docs / "guides" / "people-and-roles.md").write_text("Text before any heading.\n\n# People\n")
    (docs / "guides" / "untitled_notes.md").write_text("No heading at all.\n")
    (docs / "guides" / "notes.txt").write_text("# Not a guide\n")
    (docs / "api.md").write_text("# The REST API\n")
    (docs / "operations.md").write_text("# Operations\n")  # for those who run the service: not served

    listed = [(guide.slug, guide.group, rendered(guide).title) for guide in guide_list()]

    assert listed == [
        ("provider-returns", ROLE_GUIDES, "Sending monthly returns"),
        ("provider-admin", ROLE_GUIDES, "Running your organisation"),
        ("contract-officer", ROLE_GUIDES, "Chasing returns and raising notices"),
        ("people-and-roles", SUBJECT_GUIDES, "People"),
        ("notices", SUBJECT_GUIDES, "Notices"),
        ("untitled_notes", SUBJECT_GUIDES, "Untitled notes"),
        ("api", REFERENCE_GUIDES, "The REST API"),
    ]
    assert summary(guide_get("provider-returns")) == "For submitters."


def test_each_person_is_pointed_to_the_guide_for_their_role(docs):
    for slug in ("provider-returns", "provider-admin", "commissioner", "scrutiny-reader", "people-and-roles"):
        (docs / "guides" / f"{slug}.md").write_text(f"# {slug}\n")
    assert start_with(True, "approver", True) == ["provider-returns", "provider-admin"]
    assert start_with(False, "viewer", False) == ["scrutiny-reader"]
    assert start_with(False, "commissioner", True) == ["commissioner", "people-and-roles"]
    assert start_with(False, "quality_officer", False) == []  # no such guide in this folder


def test_a_guide_named_like_a_reference_guide_gets_an_address_of_its_own(docs):
    (docs / "api.md").write_text("# The REST API\n")
    (docs / "guides" / "api.md").write_text("# Connecting your system\n")
    assert rendered(guide_get("api")).title == "The REST API"
    assert rendered(guide_get("api-2")).title == "Connecting your system"


def test_a_long_first_paragraph_is_cut_at_the_end_of_a_sentence(docs):
    sentence = "This sentence is about forty characters. "
    (docs / "guides" / "long.md").write_text(f"# Long\n\n{sentence * 20}\n")
    assert summary(guide_get("long")) == (sentence * 7).strip()


def test_a_guide_is_read_again_when_its_file_changes(docs):
    guide = docs / "guides" / "changing.md"
    guide.write_text("# Before\n")
    assert rendered(guide_get("changing")).title == "Before"
    guide.write_text("# After the change\n")
    assert rendered(guide_get("changing")).title == "After the change"


def test_only_image_files_directly_in_the_images_folder_may_be_served(docs):
    images = docs / "guides" / "images"
    (images / "scorecard.png").write_bytes(PNG)
    (images / "notes.txt").write_text("not an image")
    (images / "drawing.svg").write_text("<svg></svg>")  # could carry a script: never served
    (images / "sub").mkdir()
    (images / "sub" / "nested.png").write_bytes(PNG)
    (docs / "outside.png").write_bytes(PNG)
    (images / "link.png").symlink_to(docs / "outside.png")

    assert image_path("scorecard.png") == (images / "scorecard.png").resolve()
    for name in (
        "notes.txt",
        "drawing.svg",
        "sub",
        "sub/nested.png",
        "../outside.png",
        "..",
        "link.png",
        "missing.png",
    ):
        assert image_path(name) is None, name
