"""The service navigation under the header: which sections a person sees, and the one that is current."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.urls import reverse

from accounts.access import Acting, Capability


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    exact: bool = False  # current only on this very address (Home), not on the pages under it
    current: bool = False


def current_item(path: str, items: Sequence[NavItem]) -> int | None:
    """The index of the one section ``path`` belongs to: the item whose address is the longest start of
    the path (the trend page /portfolio/contracts/1/targets/2/trend/ is under Portfolio, not Contracts);
    an exact item only on its own address. None when the page is in no section (your account)."""
    best: int | None = None
    for index, item in enumerate(items):
        matches = path == item.href if item.exact else path.startswith(item.href)
        if matches and (best is None or len(item.href) > len(items[best].href)):
            best = index
    return best


def service_navigation(path: str, acting: Acting) -> list[NavItem]:
    """The sections the acting person may use, in order, with the current one marked. Labels are short
    so that every role's sections fit one row at 1280 px (the commissioner sees the most); the pages
    about the organisation itself (its team, its audit log) are linked from the header, beside the
    organisation's name and "Your account"."""
    items = [NavItem("Home", reverse("home"), exact=True)]
    if acting.can(Capability.VIEW_PORTFOLIO):
        items += [
            NavItem("Portfolio", reverse("portfolio:dashboard")),
            NavItem("Providers", reverse("providers:list")),
        ]
    elif acting.is_provider:
        items.append(NavItem("Our organisation", reverse("providers:detail", args=[acting.organisation.pk])))
    items += [
        NavItem("Contracts", reverse("commissioning:contract-list")),
        NavItem("Returns", reverse("returns:list")),
    ]
    if acting.is_commissioner or acting.is_provider:
        items += [
            NavItem("Quality", reverse("qaf:tracker")),
            NavItem("Notices", reverse("notices:register")),
            NavItem("Reviews", reverse("reviews:list")),
        ]
    items.append(NavItem("Measures", reverse("outcomes:measure-list")))
    current = current_item(path, items)
    return [replace(item, current=True) if index == current else item for index, item in enumerate(items)]
