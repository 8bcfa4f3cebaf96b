"""Which guides the help pages serve, where each is, and its page read once per change of its file.

Served: every ``.md`` file in ``docs/guides/`` (found when asked, so a new guide needs no code), the
user guides at the top of ``docs/`` named in REFERENCE, and the screenshots in ``docs/guides/images/``.
The folder is the ``HELP_DOCS_DIR`` setting, so tests can serve a folder of their own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.text import slugify

from accounts.help.rendering import RenderedGuide, render_guide, title_from_name
from accounts.models import Role

# Guides at the top of docs/ that people using the service read (the others are for the people who
# run it or change it: operations, architecture, specification readings).
REFERENCE = ("glossary.md", "measures.md", "statistics.md", "api.md")
# Documents that the service shows as a page of its own: a link to one goes to that page.
SHOWN_AS_PAGES = {"data-standard.md": "returns:guide"}
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
IMAGE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

ROLE_GUIDES = "role"
SUBJECT_GUIDES = "subject"
REFERENCE_GUIDES = "reference"
GROUPS = {
    ROLE_GUIDES: "Guides for your role",
    SUBJECT_GUIDES: "Guides by subject",
    REFERENCE_GUIDES: "Reference",
}
# The guides for each role, in this order; the others are about a subject, in the order work happens.
ROLE_ORDER = (
    "provider-returns",
    "provider-admin",
    "commissioner",
    "contract-officer",
    "quality-officer",
    "scrutiny-reader",
)
# The guide to start with, by side (provider or not) and role; an admin's when they are one.
START_WITH = {
    (True, Role.SUBMITTER): "provider-returns",
    (True, Role.APPROVER): "provider-returns",
    (True, Role.VIEWER): "provider-returns",
    (False, Role.COMMISSIONER): "commissioner",
    (False, Role.CONTRACT_OFFICER): "contract-officer",
    (False, Role.QUALITY_OFFICER): "quality-officer",
    (False, Role.VIEWER): "scrutiny-reader",
}
ADMIN_GUIDE = {True: "provider-admin", False: "people-and-roles"}
SUBJECT_ORDER = (
    "people-and-roles",
    "contracts-and-targets",
    "results",
    "qaf",
    "notices",
    "reviews",
    "portfolio",
)
SUMMARY_LENGTH = 300  # characters: a longer first paragraph is cut at the end of a sentence


@dataclass(frozen=True)
class Guide:
    slug: str
    path: Path
    group: str


def docs_dir() -> Path:
    return Path(settings.HELP_DOCS_DIR)


def images_dir() -> Path:
    return docs_dir() / "guides" / "images"


def guide_list() -> list[Guide]:
    """Every guide served: role guides first, then subjects, then the reference guides."""
    order = list(GROUPS)
    return sorted(_found(), key=lambda guide: (order.index(guide.group), *_place(guide)))


def guide_get(slug: str) -> Guide | None:
    return next((guide for guide in _found() if guide.slug == slug), None)


def _found() -> list[Guide]:
    """The guides in the folder now, each with its address's slug (unique: a guide in docs/guides/
    named like a reference guide gets "-2")."""
    guides_dir = docs_dir() / "guides"
    found = sorted(guides_dir.glob("*.md")) if guides_dir.is_dir() else []
    reference = [docs_dir() / name for name in REFERENCE if (docs_dir() / name).is_file()]
    taken: set[str] = set()
    guides = []
    for path in reference + found:
        slug = base = slugify(path.stem) or "guide"
        number = 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        group = REFERENCE_GUIDES if path in reference else _group(slug)
        guides.append(Guide(slug=slug, path=path.resolve(), group=group))
    return guides


def _group(slug: str) -> str:
    return ROLE_GUIDES if slug in ROLE_ORDER else SUBJECT_GUIDES


def start_with(is_provider: bool, role: str, is_admin: bool) -> list[str]:
    """The slugs of the guides a person of this side and role starts with (their admin guide too)."""
    slugs = [START_WITH.get((is_provider, Role(role)), "")] + ([ADMIN_GUIDE[is_provider]] if is_admin else [])
    return [slug for slug in slugs if slug and guide_get(slug) is not None]


def _place(guide: Guide) -> tuple[int, str]:
    if guide.group == REFERENCE_GUIDES:
        return REFERENCE.index(guide.path.name), ""
    if guide.group == ROLE_GUIDES:
        return ROLE_ORDER.index(guide.slug), ""
    subject = SUBJECT_ORDER.index(guide.slug) if guide.slug in SUBJECT_ORDER else len(SUBJECT_ORDER)
    return subject, rendered(guide).title.casefold()


def image_path(name: str) -> Path | None:
    """The screenshot called ``name`` in the images folder, or None: only a plain file name of an image
    type, directly in that folder (no other folder, no link out of it)."""
    if not IMAGE_NAME.match(name) or ".." in name or Path(name).suffix.lower() not in IMAGE_TYPES:
        return None
    folder = images_dir().resolve()
    path = (folder / name).resolve()
    return path if path.parent == folder and path.is_file() else None


def rendered(guide: Guide) -> RenderedGuide:
    """The guide's page, made again only when its file, or the set of guides it may link to, changes."""
    stat = guide.path.stat()
    library = tuple((other.slug, other.path) for other in _found())
    folder = images_dir()
    images = tuple(sorted(path.name for path in folder.iterdir())) if folder.is_dir() else ()
    return _render(guide.path, stat.st_mtime_ns, stat.st_size, library, images)


@lru_cache(maxsize=64)
def _render(
    path: Path, mtime_ns: int, size: int, library: tuple[tuple[str, Path], ...], images: tuple[str, ...]
) -> RenderedGuide:
    addresses = {target: reverse("help:guide", args=[slug]) for slug, target in library}
    docs = docs_dir().resolve()
    folder = images_dir().resolve()

    def resolve(target: Path) -> str | None:
        if target in addresses:
            return addresses[target]
        if target.parent == docs and target.name in SHOWN_AS_PAGES:
            return reverse(SHOWN_AS_PAGES[target.name])
        if target.parent == folder and target.name in images and image_path(target.name):
            return reverse("help:image", args=[target.name])
        return None

    text = path.read_text(encoding="utf-8", errors="replace")
    return render_guide(text, source=path, resolve=resolve, fallback_title=title_from_name(path.stem))


def summary(guide: Guide) -> str:
    """The guide's first paragraph, cut at the end of a sentence when it is long."""
    text = rendered(guide).summary
    if len(text) <= SUMMARY_LENGTH:
        return text
    end = text.rfind(". ", 0, SUMMARY_LENGTH)
    return text[: end + 1] if end > 0 else text
