"""The one place that answers "what may this person do here?".

A request acts in one organisation at a time (the *current organisation*, chosen
in the header). Capabilities come from the member's role in that organisation,
plus the admin capabilities for organisation admins. Pages check capabilities
with ``require``; tenant data is fetched through scoped selectors that return
404 for anything outside the organisation's reach.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import render

from accounts.models import ApiToken, Membership, Organisation, Role

if TYPE_CHECKING:
    from django.http import HttpResponse

    from accounts.models import User


class Capability(StrEnum):
    """Named things a member may do. Later features add their own checks against these names."""

    VIEW_OWN_ORGANISATION = "organisation.view"
    MANAGE_MEMBERS = "organisation.manage_members"
    VIEW_AUDIT_LOG = "audit.view"
    # Provider side
    SUBMIT_RETURNS = "returns.submit"
    SIGN_OFF_RETURNS = "returns.sign_off"
    RESPOND_TO_NOTICES = "notices.respond"
    WRITE_COMMENTARY = "reviews.comment"
    # Commissioner side
    VIEW_PORTFOLIO = "portfolio.view"
    MANAGE_CONTRACTS = "contracts.manage"
    MANAGE_TARGETS = "targets.manage"
    OVERRIDE_RESULTS = "results.override"
    MANAGE_REVIEWS = "reviews.manage"
    MANAGE_NOTICES = "notices.manage"
    CHASE_RETURNS = "returns.chase"
    ASSESS_QUALITY = "qaf.assess"


C = Capability
ROLE_CAPABILITIES: dict[tuple[bool, str], frozenset[Capability]] = {
    # (is provider organisation, role) -> capabilities
    (True, Role.VIEWER): frozenset({C.VIEW_OWN_ORGANISATION}),
    (True, Role.SUBMITTER): frozenset({C.VIEW_OWN_ORGANISATION, C.SUBMIT_RETURNS, C.WRITE_COMMENTARY}),
    (True, Role.APPROVER): frozenset(
        {
            C.VIEW_OWN_ORGANISATION,
            C.SUBMIT_RETURNS,
            C.SIGN_OFF_RETURNS,
            C.RESPOND_TO_NOTICES,
            C.WRITE_COMMENTARY,
        }
    ),
    (False, Role.VIEWER): frozenset({C.VIEW_OWN_ORGANISATION, C.VIEW_PORTFOLIO}),
    (False, Role.COMMISSIONER): frozenset(
        {
            C.VIEW_OWN_ORGANISATION,
            C.VIEW_PORTFOLIO,
            C.MANAGE_CONTRACTS,
            C.MANAGE_TARGETS,
            C.OVERRIDE_RESULTS,
            C.MANAGE_REVIEWS,
        }
    ),
    (False, Role.CONTRACT_OFFICER): frozenset(
        {C.VIEW_OWN_ORGANISATION, C.VIEW_PORTFOLIO, C.MANAGE_NOTICES, C.CHASE_RETURNS, C.MANAGE_REVIEWS}
    ),
    (False, Role.QUALITY_OFFICER): frozenset({C.VIEW_OWN_ORGANISATION, C.VIEW_PORTFOLIO, C.ASSESS_QUALITY}),
}
ADMIN_CAPABILITIES = frozenset({C.MANAGE_MEMBERS, C.VIEW_AUDIT_LOG})

CAPABILITY_DESCRIPTIONS: dict[Capability, str] = {
    C.VIEW_OWN_ORGANISATION: "See your organisation's pages and people",
    C.MANAGE_MEMBERS: "Invite people to your organisation, change their roles and remove them",
    C.VIEW_AUDIT_LOG: "Read the audit log of your organisation",
    C.SUBMIT_RETURNS: "Upload monthly returns and fix validation errors",
    C.SIGN_OFF_RETURNS: "Sign off monthly returns",
    C.RESPOND_TO_NOTICES: "Respond to Notices of Concern and breach notices",
    C.WRITE_COMMENTARY: "Write the commentary on your figures for quarterly review meetings",
    C.VIEW_PORTFOLIO: "See the providers and contracts your organisation commissions",
    C.MANAGE_CONTRACTS: "Create and change contracts",
    C.MANAGE_TARGETS: "Set and change outcome targets",
    C.OVERRIDE_RESULTS: "Override a RAG rating, with a reason",
    C.MANAGE_REVIEWS: "Arrange quarterly review meetings and record actions",
    C.MANAGE_NOTICES: "Raise and manage Notices of Concern and breach notices",
    C.CHASE_RETURNS: "Chase late monthly returns",
    C.ASSESS_QUALITY: "Carry out Quality Assurance Framework assessments",
}


def capabilities_for(membership: Membership) -> frozenset[Capability]:
    """The capabilities a membership grants in its organisation."""
    base = ROLE_CAPABILITIES.get((membership.organisation.is_provider, membership.role), frozenset())
    return base | ADMIN_CAPABILITIES if membership.is_admin else base


@dataclass(frozen=True)
class Acting:
    """A signed-in person acting in their current organisation."""

    user: User | None
    membership: Membership
    capabilities: frozenset[Capability]
    token: ApiToken | None = None  # set when the request came with an API token, not a session

    @property
    def label(self) -> str:
        """Who is acting, as the audit trail and return history name them."""
        return self.token.label if self.token is not None and self.user is None else str(self.user)

    @property
    def organisation(self) -> Organisation:
        return self.membership.organisation

    @property
    def is_provider(self) -> bool:
        return self.organisation.is_provider

    @property
    def is_commissioner(self) -> bool:
        return self.organisation.is_commissioner

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def require(self, capability: Capability) -> None:
        """Raise 403 with a plain-English reason when the current role lacks the capability."""
        if capability not in self.capabilities:
            raise PermissionDenied(
                f"Your role in {self.organisation.name} ({self.membership.role_label.lower()}) does not let you "
                f"do this: {CAPABILITY_DESCRIPTIONS[capability].lower()}. Ask an admin of your organisation "
                "if you need it."
            )


class ActingRequest(HttpRequest):
    """A request as CurrentOrganisationMiddleware leaves it: ``acting`` is set on every request (None
    when signed out or without any organisation). Only for type annotations."""

    acting: Acting | None


TOKEN_ROLES = {True: Role.SUBMITTER, False: Role.VIEWER}


def acting_for_token(token: ApiToken) -> Acting:
    """An API token acts in its organisation with read-only capabilities, plus submitting returns
    when a provider's token has the submit scope. Scopes are checked again per endpoint."""
    organisation = token.organisation
    submits = organisation.is_provider and token.has_scope("submit")
    capabilities = {C.VIEW_OWN_ORGANISATION}
    if organisation.is_commissioner:
        capabilities.add(C.VIEW_PORTFOLIO)
    if submits:
        capabilities.add(C.SUBMIT_RETURNS)
    membership = Membership(organisation=organisation, role=TOKEN_ROLES[submits])
    return Acting(user=None, membership=membership, capabilities=frozenset(capabilities), token=token)


def acting_for_sign_off(token: ApiToken) -> Acting | None:
    """The approver a token signs off for, acting in the token's organisation; None unless the
    organisation allows API sign-off and that person is still one of its approvers."""
    organisation = token.organisation
    user = token.sign_off_as
    if user is None or not organisation.api_sign_off_enabled or not user.is_active:
        return None
    membership = (
        Membership.objects.filter(user=user, organisation=organisation, role=Role.APPROVER)
        .select_related("organisation")
        .first()
    )
    if membership is None:
        return None
    return Acting(user=user, membership=membership, capabilities=capabilities_for(membership), token=token)


def acting_for(user: User, organisation_id: int | None) -> Acting | None:
    """Resolve the user's current organisation: the one chosen, else their first membership."""
    memberships = list(Membership.objects.filter(user=user).select_related("organisation"))
    if not memberships:
        return None
    chosen = next((m for m in memberships if m.organisation_id == organisation_id), memberships[0])
    return Acting(user=user, membership=chosen, capabilities=capabilities_for(chosen))


ViewFunc = Callable[..., "HttpResponse"]


def organisation_required(view: ViewFunc) -> ViewFunc:
    """The user must be signed in and belong to an organisation; sets nothing, reads request.acting."""

    @wraps(view)
    def wrapper(request: ActingRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.acting is None:
            return render(request, "accounts/no_organisation.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def capability_required(capability: Capability) -> Callable[[ViewFunc], ViewFunc]:
    """As organisation_required, and the current role must grant the capability (else 403)."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @organisation_required
        @wraps(view)
        def wrapper(request: ActingRequest, *args, **kwargs) -> HttpResponse:
            assert request.acting is not None  # organisation_required has answered 403 when it is None
            request.acting.require(capability)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
