"""Demo API tokens: one for the demo provider and one for the demo council, made afresh on every seed.

The full token is shown only when it is made, so each run revokes the previous demo tokens (an audit
entry each) and removes them, then makes new ones to print.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.access import acting_for
from accounts.api.tokens import api_token_create, api_token_revoke
from accounts.models import ApiScope, ApiToken, Membership, User

DEMO_TOKEN_DAYS = 90


@dataclass(frozen=True)
class DemoToken:
    """A demo token: made by ``admin_email`` for ``organisation`` (names as in commissioning/demo.py)."""

    organisation: str
    admin_email: str
    name: str
    scopes: tuple[str, ...]

    @property
    def can(self) -> str:
        return " and ".join(ApiScope(scope).label.lower() for scope in self.scopes)


DEMO_TOKENS = (
    DemoToken("Acme Homecare Ltd", "admin@acme.example", "Demo care planning system", ("read", "submit")),
    DemoToken("Riverton City Council", "admin@riverton.example", "Demo performance dashboard", ("read",)),
)


@transaction.atomic
def demo_api_tokens_seed(demos: tuple[DemoToken, ...] = DEMO_TOKENS) -> list[tuple[DemoToken, str]]:
    """Replace the demo tokens; returns each with its full token, which exists nowhere else."""
    made = []
    for demo in demos:
        admin = User.objects.get(email=demo.admin_email)
        organisation = Membership.objects.get(
            user=admin, organisation__name=demo.organisation, is_admin=True
        ).organisation
        acting = acting_for(admin, organisation.pk)
        earlier = ApiToken.objects.filter(organisation=organisation, name=demo.name, created_by=admin)
        for token in earlier:
            api_token_revoke(acting=acting, token=token)
        earlier.delete()
        new = api_token_create(
            acting=acting,
            name=demo.name,
            scopes=list(demo.scopes),
            expires_at=timezone.now() + timedelta(days=DEMO_TOKEN_DAYS),
        )
        made.append((demo, new.secret))
    return made
