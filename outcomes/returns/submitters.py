"""Who submits or signs off a return: a person in the portal, an API token (alone, or signing off for
a named approver), or the data team's import with a label. The return's history names them."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.access import Acting
from accounts.models import Organisation, User


@dataclass(frozen=True)
class Submitter:
    """Who submits or signs off: a person in the portal, or a data-team import with a label; and the
    organisation they act for (none for an import)."""

    user: User | None
    label: str
    source: str = "portal"
    organisation: Organisation | None = None


def submitter_for(acting: Acting) -> Submitter:
    """The person, or the API token, acting; a token signing off for an approver names both."""
    if acting.token is None:
        return Submitter(user=acting.user, label=str(acting.user), organisation=acting.organisation)
    if acting.user is None:
        return Submitter(user=None, label=acting.token.label, source="api", organisation=acting.organisation)
    label = f"{acting.user} via {acting.token.label}"
    return Submitter(user=acting.user, label=label, source="api", organisation=acting.organisation)
