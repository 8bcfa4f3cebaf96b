"""Every URL × every kind of person → the expected status.

Outside your organisation → 404; inside it without the capability → 403; signed out → the
sign-in page. Every new URL must add a row here: `test_every_url_has_a_row` fails otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver
from django.utils import timezone

from accounts.models import Invitation, Role
from tests.factories import CouncilFactory, ProviderFactory, UserFactory, contract, target
from tests.fixtures import matrix as make
from tests.fixtures.matrix import ADMINS, COMMISSIONERS, MEMBERS, PROVIDER_A, ROLES, SIGNED_IN
from tests.fixtures.world import build_world, kept_for_the_module


def statuses(default: int, **groups: int) -> dict[str, int]:
    """Expected status per role: ``default`` unless a role (or a group name below) says otherwise."""
    named_groups = {
        "members": MEMBERS,
        "admins": ADMINS,
        "provider_a": PROVIDER_A,
        "commissioners": COMMISSIONERS,
        "signed_in": SIGNED_IN,
    }
    result = dict.fromkeys(ROLES, default)
    for name, status in groups.items():
        for role in named_groups.get(name, [name]):
            result[role] = status
    return result


def organisation_page(member_status: int = 200, **overrides: int) -> dict[str, int]:
    """A page for any member: anonymous → sign in (302), no organisation → 403."""
    return statuses(member_status, anonymous=302, no_organisation=403, **overrides)


@dataclass
class Row:
    name: str
    path: Callable[[object], str]
    expected: dict[str, int]
    method: str = "get"
    data: dict | Callable[[object], dict] = field(default_factory=dict)


# A provider's registered address (provider A: the council leads J-1 with it; the ICB is a partner).
PROVIDER_ADDRESS = organisation_page(
    404, commissioner=200, contract_officer=200, c_admin=200, quality_officer=403, c_viewer=403
)

# The lead body's commissioners change contracts and targets; partners and officers only see them.
CHANGE_CONTRACT = organisation_page(403, commissioner=200, c_admin=200, b_admin=404)

# A contract's returns: its prime provider's people and its commissioners (lead and partners) see
# them; only the prime provider's submitters and approvers upload, and only approvers sign off.
SEE_RETURNS = organisation_page(200, b_admin=404)
SUBMIT_RETURN = organisation_page(403, a_submitter=200, a_approver=200, a_admin=200, b_admin=404)
SIGN_OFF_RETURN = organisation_page(403, a_approver=200, a_admin=200, b_admin=404)
# Contract C-2: provider B is prime, provider A only a subcontractor; the ICB is not a party.
SEE_SUBCONTRACTED_RETURNS = organisation_page(200, provider_a=404, icb_admin=404)


# --- QAF: the council assesses provider A on J-1; provider A sees it from the draft report on. ---


COUNCIL = ["commissioner", "contract_officer", "quality_officer", "c_viewer", "c_admin"]
# Provider A's people and the council see an assessment once shared; provider B and the ICB never.
QAF_SEE = organisation_page(200, b_admin=404, icb_admin=404)
QAF_COUNCIL_ONLY = organisation_page(404, **dict.fromkeys(COUNCIL, 200))
# Officer-only changes: the quality officer (an empty form comes back with errors: 200).
QAF_OFFICER = organisation_page(403, quality_officer=200, b_admin=404, icb_admin=404)
# The provider's approvers answer (comments, evidence); the officer may upload evidence too.
QAF_PROVIDER = organisation_page(403, a_approver=200, a_admin=200, b_admin=404, icb_admin=404)
QAF_OTHER = organisation_page(404)


# --- Notices: the council's notices to provider A on J-1 (the ICB is a partner on it). ----------


# Suggestions are the lead body's: its people read them, its contract officers act (302).
SUGGESTION_ACT = organisation_page(404, **(dict.fromkeys(COUNCIL, 403) | {"contract_officer": 302}))


# The council and provider A see an issued notice on J-1, and so does the ICB as a partner.
NOTICE_SEE = organisation_page(200, b_admin=404)
# Drafts are the lead body's alone.
NOTICE_DRAFT_SEE = organisation_page(404, **dict.fromkeys(COUNCIL, 200))
# The lead body's contract officer decides (a valid form: 302); others who see the notice: 403.
NOTICE_OFFICER_POST = organisation_page(403, contract_officer=302, b_admin=404)
# On a draft: only the lead body sees it at all.
NOTICE_DRAFT_OFFICER = organisation_page(404, **(dict.fromkeys(COUNCIL, 403) | {"contract_officer": 200}))
# Provider A's approvers and admins acknowledge and respond.
NOTICE_PROVIDER_POST = organisation_page(403, a_approver=302, a_admin=302, b_admin=404)
NOTICE_OTHER = organisation_page(404)


# --- Reviews: the council's quarterly review with provider A on J-1 (the ICB is a partner). --------


# A draft pack is the lead body's; once issued, the provider and partners see it too.
PACK_DRAFT_SEE = organisation_page(404, **dict.fromkeys(COUNCIL, 200))
PACK_ISSUED_SEE = organisation_page(200, b_admin=404)


# Meetings: the lead body runs them (commissioners, contract officers, its admin); the provider and
# partners read; the provider's submitters and approvers write commentary.
REVIEW_SEE = organisation_page(200, b_admin=404)
REVIEW_MANAGE = organisation_page(403, b_admin=404, commissioner=200, contract_officer=200, c_admin=200)
REVIEW_MANAGE_POST = organisation_page(403, b_admin=404, commissioner=302, contract_officer=302, c_admin=302)


# Results are seen as returns are (prime provider and the commissioners); the lead body's
# commissioners recompute them (MANAGE_CONTRACTS or OVERRIDE_RESULTS) and override a RAG.
CHANGE_RESULTS = organisation_page(403, commissioner=302, c_admin=302, b_admin=404)


ROWS = [
    Row("home", lambda w: "/", organisation_page()),
    Row("accessibility", lambda w: "/accessibility/", statuses(200)),
    # A commissioning body's retention period: its people read it; its commissioners change it.
    Row(
        "commissioning:retention",
        lambda w: "/contracts/retention/",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row(
        "commissioning:retention (POST)",
        lambda w: "/contracts/retention/",
        organisation_page(
            404,
            **(dict.fromkeys(COMMISSIONERS, 403) | {"commissioner": 302, "c_admin": 302, "icb_admin": 302}),
        ),
        method="post",
        data={"years": "7"},
    ),
    Row("privacy", lambda w: "/privacy/", statuses(200)),
    # The guides hold no organisation's data: everyone reads them, signed in or not. A screenshot is
    # served only from the guides' images folder (tests/accounts/help/test_views.py serves one).
    Row("help:index", lambda w: "/help/", statuses(200)),
    Row("help:guide", lambda w: "/help/people-and-roles/", statuses(200)),
    Row("help:guide (no such guide)", lambda w: "/help/no-such-guide/", statuses(404)),
    Row("help:image", lambda w: "/help/images/no-such-image.png", statuses(404)),
    Row("health", lambda w: "/health/", statuses(200)),
    Row("accounts:account", lambda w: "/account/", statuses(200, anonymous=302)),
    Row("accounts:password-change", lambda w: "/account/password/", statuses(200, anonymous=302)),
    Row("accounts:email-preferences", lambda w: "/account/emails/", statuses(405, anonymous=302)),
    Row(
        "accounts:email-preferences (save)",
        lambda w: "/account/emails/",
        statuses(302),
        method="post",
    ),
    Row("accounts:job-title", lambda w: "/account/job-title/", statuses(200, anonymous=302)),
    Row(
        "accounts:job-title (save)",
        lambda w: "/account/job-title/",
        statuses(302),
        method="post",
        data={"job_title": "Contracts Manager"},
    ),
    Row("accounts:sign-in", lambda w: "/account/sign-in/", statuses(302, anonymous=200)),
    Row("accounts:sign-out", lambda w: "/account/sign-out/", statuses(405)),
    Row("accounts:signed-out", lambda w: "/account/signed-out/", statuses(200)),
    Row("accounts:password-reset", lambda w: "/account/password-reset/", statuses(200)),
    Row("accounts:password-reset-sent", lambda w: "/account/password-reset/sent/", statuses(200)),
    Row("accounts:password-reset-confirm", lambda w: "/account/password-reset/MQ/bad-token/", statuses(404)),
    Row("accounts:invitation", lambda w: "/account/invitation/not-a-token/", statuses(404)),
    Row("accounts:switch-organisation", lambda w: "/account/organisation/", organisation_page()),
    Row("accounts:team", lambda w: "/account/team/", organisation_page()),
    Row("accounts:invite", lambda w: "/account/team/invite/", organisation_page(403, admins=200)),
    Row(
        "accounts:member-edit",
        lambda w: f"/account/team/{make.a_viewer_membership(w)}/",
        organisation_page(403, a_admin=200, b_admin=404, c_admin=404, icb_admin=404),
    ),
    Row(
        "accounts:member-remove",
        lambda w: f"/account/team/{make.a_viewer_membership(w)}/remove/",
        organisation_page(403, a_admin=200, b_admin=404, c_admin=404, icb_admin=404),
    ),
    Row(
        "accounts:invitation-revoke",
        lambda w: f"/account/team/invitations/{make.a_invitation(w)}/withdraw/",
        organisation_page(403, a_admin=302, b_admin=404, c_admin=404, icb_admin=404),
        method="post",
    ),
    Row(
        "accounts:invitation-resend",
        lambda w: f"/account/team/invitations/{make.a_invitation(w)}/resend/",
        organisation_page(403, a_admin=302, b_admin=404, c_admin=404, icb_admin=404),
        method="post",
    ),
    # Two-step verification (the suite runs with it required of nobody; tests/accounts/test_two_factor.py
    # runs it required): the steps are each signed-in person's own, in no organisation.
    Row("accounts:two-factor", lambda w: "/account/two-factor/", statuses(302)),
    Row("accounts:two-factor-setup", lambda w: "/account/two-factor/set-up/", statuses(200, anonymous=302)),
    Row(
        "accounts:two-factor-recovery-codes",
        lambda w: "/account/two-factor/recovery-codes/",
        statuses(200, anonymous=302),
    ),
    Row("accounts:two-factor-off", lambda w: "/account/two-factor/turn-off/", statuses(302), method="post"),
    # A provider's admin requires it of everyone; commissioning bodies always require it (403).
    Row(
        "accounts:team-two-factor",
        lambda w: "/account/team/two-factor/",
        organisation_page(403, a_admin=302, b_admin=302),
        method="post",
        data={"required": "yes"},
    ),
    Row(
        "accounts:member-two-factor-reset",
        lambda w: f"/account/team/{make.a_viewer_membership(w)}/two-factor-reset/",
        organisation_page(403, a_admin=302, b_admin=404, c_admin=404, icb_admin=404),
        method="post",
    ),
    Row("accounts:audit-log", lambda w: "/account/audit/", organisation_page(403, admins=200)),
    # Everything held about one's organisation: its admins ask for it and download it.
    Row("data-export:page", lambda w: "/account/export/", organisation_page(403, admins=200)),
    Row("data-export:status", lambda w: "/account/export/status/", organisation_page(403, admins=200)),
    Row(
        "data-export:request",
        lambda w: "/account/export/new/",
        organisation_page(403, admins=302),
        method="post",
    ),
    Row(
        "data-export:download",
        lambda w: f"/account/export/{make.organisation_export(w)}/download/",
        organisation_page(403, a_admin=200, b_admin=404, c_admin=404, icb_admin=404),
    ),
    Row("accounts:sign-ins", lambda w: "/account/audit/sign-ins/", organisation_page(403, admins=200)),
    # API tokens: organisation admins manage their own organisation's; another's token is a 404.
    Row("accounts:api-tokens", lambda w: "/account/api-tokens/", organisation_page(403, admins=200)),
    Row("accounts:api-token-new", lambda w: "/account/api-tokens/new/", organisation_page(403, admins=200)),
    Row(
        "accounts:api-token-new",
        lambda w: "/account/api-tokens/new/",
        organisation_page(403, admins=200),
        method="post",
        data={"name": "Matrix", "scopes": ["read"], "expires": "90"},
    ),
    Row(
        "accounts:api-token-revoke",
        lambda w: f"/account/api-tokens/{make.a_api_token(w)}/revoke/",
        organisation_page(403, a_admin=200, b_admin=404, c_admin=404, icb_admin=404),
    ),
    Row(
        "accounts:api-token-revoke",
        lambda w: f"/account/api-tokens/{make.a_api_token(w)}/revoke/",
        organisation_page(403, a_admin=302, b_admin=404, c_admin=404, icb_admin=404),
        method="post",
    ),
    Row("accounts:api-sign-off", lambda w: "/account/api-tokens/sign-off/", statuses(405)),
    Row(
        "accounts:api-sign-off",
        lambda w: "/account/api-tokens/sign-off/",
        organisation_page(403, a_admin=302, b_admin=302),
        method="post",
        data={"enabled": "on"},
    ),
    Row("providers:list", lambda w: "/providers/", organisation_page(403, commissioners=200)),
    Row(
        "providers:detail",
        lambda w: f"/providers/{w.provider_a.pk}/",
        organisation_page(200, b_admin=404),
    ),
    Row(
        "providers:detail (another provider)",
        lambda w: f"/providers/{w.provider_b.pk}/",
        organisation_page(200, provider_a=404),
    ),
    # The registered address: commissioners and contract officers of a body leading a contract with it.
    Row(
        "providers:address",
        lambda w: f"/providers/{w.provider_a.pk}/address/",
        PROVIDER_ADDRESS,
    ),
    Row(
        "providers:address (save)",
        lambda w: f"/providers/{w.provider_a.pk}/address/",
        {**PROVIDER_ADDRESS, "commissioner": 302, "contract_officer": 302, "c_admin": 302},
        method="post",
        data={"address_line_1": "1 Mill Lane", "address_town": "Riverton", "address_postcode": "RV1 2AB"},
    ),
    Row(
        "providers:address (another council's provider)",
        lambda w: f"/providers/{w.contracts['other'].provider_id}/address/",
        organisation_page(404),
    ),
    Row("commissioning:contract-list", lambda w: "/contracts/", organisation_page()),
    Row(
        "commissioning:contract-create",
        lambda w: "/contracts/new/",
        organisation_page(403, commissioner=200, c_admin=200, icb_admin=200),
    ),
    Row(
        "commissioning:contract-detail",
        lambda w: f"/contracts/{make.joint(w)}/",
        organisation_page(200, b_admin=404),
    ),
    Row(
        "commissioning:contract-detail (council only, provider B, A subcontracts)",
        lambda w: f"/contracts/{w.contracts['council_b'].pk}/",
        organisation_page(200, icb_admin=404),
    ),
    Row("commissioning:contract-edit", lambda w: f"/contracts/{make.joint(w)}/edit/", CHANGE_CONTRACT),
    Row("commissioning:target-add", lambda w: f"/contracts/{make.joint(w)}/targets/new/", CHANGE_CONTRACT),
    Row(
        "commissioning:target-edit",
        lambda w: f"/contracts/{make.joint(w)}/targets/{make.joint_target(w)}/",
        CHANGE_CONTRACT,
    ),
    Row(
        "commissioning:target-edit (target of another contract)",
        lambda w: f"/contracts/{make.joint(w)}/targets/{w.contracts['other'].targets.get().pk}/",
        organisation_page(404),
    ),
    Row(
        "commissioning:target-end",
        lambda w: f"/contracts/{make.joint(w)}/targets/{make.joint_target(w)}/end/",
        CHANGE_CONTRACT,
    ),
    Row("outcomes:measure-list", lambda w: "/measures/", organisation_page()),
    Row("outcomes:measure-detail", lambda w: "/measures/INDEPENDENT_WITHIN/", organisation_page()),
    Row("returns:list", lambda w: "/returns/", organisation_page()),
    Row("returns:guide", lambda w: "/returns/guide/", organisation_page()),
    Row("returns:guide-pdf", lambda w: "/returns/guide.pdf", organisation_page()),
    Row("returns:template-csv", lambda w: "/returns/template.csv", organisation_page()),
    Row("returns:template-xlsx", lambda w: "/returns/template.xlsx", organisation_page()),
    Row("returns:example-csv", lambda w: "/returns/example.csv", organisation_page()),
    Row("returns:outstanding", lambda w: "/returns/outstanding/", organisation_page(403, commissioners=200)),
    Row(
        "returns:outstanding-csv",
        lambda w: f"/returns/outstanding.csv?month={make.RETURN_MONTH}",
        organisation_page(403, commissioners=200),
    ),
    Row("returns:month", lambda w: make.month(w), SEE_RETURNS),
    Row("returns:month (upload with no file)", lambda w: make.month(w), SUBMIT_RETURN, method="post"),
    Row(
        "returns:month (A subcontracts, B is prime)",
        lambda w: make.month(w, "council_b"),
        SEE_SUBCONTRACTED_RETURNS,
    ),
    Row(
        "returns:month (another council's contract)", lambda w: make.month(w, "other"), organisation_page(404)
    ),
    Row(
        "returns:month (upload to another council's contract)",
        lambda w: make.month(w, "other"),
        organisation_page(404),
        method="post",
    ),
    Row(
        "returns:month (before the contract began)",
        lambda w: make.month(w, period="2025-03"),
        organisation_page(404),
    ),
    Row("returns:month (not a month)", lambda w: make.month(w, period="2025-13"), organisation_page(404)),
    Row("returns:nil", lambda w: f"{make.month(w)}nil/", SUBMIT_RETURN),
    Row("returns:edit", lambda w: f"{make.month(w)}edit/", SUBMIT_RETURN),
    Row(
        "returns:edit (A subcontracts, B is prime)",
        lambda w: f"{make.month(w, 'council_b')}edit/",
        organisation_page(403, provider_a=404, b_admin=200, icb_admin=404),
    ),
    Row(
        "returns:edit (another council's contract)",
        lambda w: f"{make.month(w, 'other')}edit/",
        organisation_page(404),
    ),
    Row(
        "returns:nil (declared)",
        lambda w: f"{make.month(w)}nil/",
        organisation_page(403, a_submitter=302, a_approver=302, a_admin=302, b_admin=404),
        method="post",
    ),
    Row(
        "returns:nil (A subcontracts, B is prime)",
        lambda w: f"{make.month(w, 'council_b')}nil/",
        organisation_page(403, provider_a=404, icb_admin=404, b_admin=200),
    ),
    Row("returns:attempt", lambda w: f"/returns/attempts/{make.return_attempt(w)}/", SEE_RETURNS),
    Row(
        "returns:attempt (A subcontracts, B is prime)",
        lambda w: f"/returns/attempts/{make.return_attempt(w, 'council_b')}/",
        SEE_SUBCONTRACTED_RETURNS,
    ),
    Row(
        "returns:attempt (another council's contract)",
        lambda w: f"/returns/attempts/{make.return_attempt(w, 'other')}/",
        organisation_page(404),
    ),
    Row(
        "returns:attempt-status", lambda w: f"/returns/attempts/{make.return_attempt(w)}/status/", SEE_RETURNS
    ),
    Row(
        "returns:attempt-status (another council's contract)",
        lambda w: f"/returns/attempts/{make.return_attempt(w, 'other')}/status/",
        organisation_page(404),
    ),
    Row(
        "returns:attempt-report-csv",
        lambda w: f"/returns/attempts/{make.return_attempt(w)}/report.csv",
        SEE_RETURNS,
    ),
    Row(
        "returns:attempt-report-csv (A subcontracts, B is prime)",
        lambda w: f"/returns/attempts/{make.return_attempt(w, 'council_b')}/report.csv",
        SEE_SUBCONTRACTED_RETURNS,
    ),
    Row("returns:attempt-file", lambda w: f"/returns/attempts/{make.return_attempt(w)}/file", SEE_RETURNS),
    Row(
        "returns:attempt-file (A subcontracts, B is prime)",
        lambda w: f"/returns/attempts/{make.return_attempt(w, 'council_b')}/file",
        SEE_SUBCONTRACTED_RETURNS,
    ),
    Row(
        "returns:attempt-file (another council's contract)",
        lambda w: f"/returns/attempts/{make.return_attempt(w, 'other')}/file",
        organisation_page(404),
    ),
    Row("returns:last-month-xlsx", lambda w: make.last_month(w), SUBMIT_RETURN),
    Row(
        "returns:last-month-xlsx (A subcontracts, B is prime)",
        lambda w: make.last_month(w, "council_b"),
        organisation_page(403, provider_a=404, b_admin=200, icb_admin=404),
    ),
    Row(
        "returns:last-month-xlsx (another council's contract)",
        lambda w: make.last_month(w, "other"),
        organisation_page(404),
    ),
    Row(
        "returns:attempt-sign-off",
        lambda w: f"/returns/attempts/{make.return_attempt(w)}/sign-off/",
        SIGN_OFF_RETURN,
        method="post",
    ),
    Row(
        "returns:attempt-sign-off (A subcontracts, B is prime)",
        lambda w: f"/returns/attempts/{make.return_attempt(w, 'council_b')}/sign-off/",
        organisation_page(403, provider_a=404, b_admin=200, icb_admin=404),
        method="post",
    ),
    Row(
        "returns:attempt-sign-off (another council's contract)",
        lambda w: f"/returns/attempts/{make.return_attempt(w, 'other')}/sign-off/",
        organisation_page(404),
        method="post",
    ),
    # "Try again" on checks that failed: the prime provider's submitters (302 back to the upload).
    Row(
        "returns:attempt-check-again",
        lambda w: f"/returns/attempts/{make.return_attempt(w)}/check-again/",
        organisation_page(403, a_submitter=302, a_approver=302, a_admin=302, b_admin=404),
        method="post",
    ),
    Row(
        "returns:attempt-check-again (A subcontracts, B is prime)",
        lambda w: f"/returns/attempts/{make.return_attempt(w, 'council_b')}/check-again/",
        organisation_page(403, provider_a=404, b_admin=302, icb_admin=404),
        method="post",
    ),
    Row(
        "returns:attempt-check-again (another council's contract)",
        lambda w: f"/returns/attempts/{make.return_attempt(w, 'other')}/check-again/",
        organisation_page(404),
        method="post",
    ),
    Row("results:scorecard", lambda w: make.scorecard(w), SEE_RETURNS),
    Row(
        "results:scorecard (A subcontracts, B is prime)",
        lambda w: make.scorecard(w, "council_b"),
        SEE_SUBCONTRACTED_RETURNS,
    ),
    Row(
        "results:scorecard (another council's contract)",
        lambda w: make.scorecard(w, "other"),
        organisation_page(404),
    ),
    Row(
        "results:recompute",
        lambda w: f"{make.scorecard(w)}recompute/",
        CHANGE_RESULTS,
        method="post",
        data={"year": "2025"},
    ),
    Row(
        "results:recompute (another council's contract)",
        lambda w: f"{make.scorecard(w, 'other')}recompute/",
        organisation_page(404),
        method="post",
    ),
    Row("results:recompute-status", lambda w: f"/results/recomputes/{make.recompute_run(w)}/", SEE_RETURNS),
    Row(
        "results:recompute-status (another council's contract)",
        lambda w: f"/results/recomputes/{make.recompute_run(w, 'other')}/",
        organisation_page(404),
    ),
    Row("results:detail", lambda w: f"/results/{make.result(w)}/", SEE_RETURNS),
    Row(
        "results:detail (another council's contract)",
        lambda w: f"/results/{make.result(w, 'other')}/",
        organisation_page(404),
    ),
    Row(
        "results:override",
        lambda w: f"/results/{make.result(w)}/override/",
        CHANGE_RESULTS,
        method="post",
        data={"rag": "red", "reason": "Agreed at the review meeting"},
    ),
    Row(
        "results:override (another council's contract)",
        lambda w: f"/results/{make.result(w, 'other')}/override/",
        organisation_page(404),
        method="post",
        data={"rag": "red", "reason": "Agreed at the review meeting"},
    ),
    Row("qaf:tracker", lambda w: "/qaf/", organisation_page()),
    Row(
        "qaf:tracker-csv",
        lambda w: "/qaf/tracker.csv",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row("qaf:provider", lambda w: f"/qaf/providers/{make.qaf_provider(w)}/", QAF_COUNCIL_ONLY),
    Row(
        "qaf:provider (another council's provider)",
        lambda w: f"/qaf/providers/{make.qaf_provider(w, 'other')}/",
        QAF_OTHER,
    ),
    Row(
        "qaf:schedule",
        lambda w: f"/qaf/providers/{make.qaf_provider(w)}/schedule/",
        organisation_page(404, **(dict.fromkeys(COUNCIL, 403) | {"quality_officer": 200})),
        method="post",
    ),
    Row(
        "qaf:cqc-record",
        lambda w: f"/qaf/providers/{make.qaf_provider(w)}/cqc/",
        organisation_page(
            404, commissioner=302, quality_officer=302, c_admin=302, contract_officer=403, c_viewer=403
        ),
        method="post",
        data={"rating": "good", "rating_date": "2025-01-10"},
    ),
    Row(
        "qaf:cqc-import",
        lambda w: "/qaf/cqc/import/",
        organisation_page(
            404,
            commissioner=200,
            quality_officer=200,
            c_admin=200,
            icb_admin=200,
            contract_officer=403,
            c_viewer=403,
        ),
    ),
    Row(
        "qaf:framework",
        lambda w: "/qaf/framework/",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row(
        "qaf:framework (publish a version)",
        lambda w: make.qaf_frameworks(w, "/qaf/framework/"),
        organisation_page(404, **(dict.fromkeys(COMMISSIONERS, 403) | {"quality_officer": 200})),
        method="post",
    ),
    Row(
        "qaf:framework (adopt the shipped one)",
        lambda w: "/qaf/framework/",
        organisation_page(404, **(dict.fromkeys(COMMISSIONERS, 403) | {"quality_officer": 302})),
        method="post",
        data={"form": "adopt"},
    ),
    Row(
        "qaf:framework-csv",
        lambda w: make.qaf_frameworks(w, "/qaf/framework/standards.csv"),
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row(
        "qaf:framework-csv (none adopted)",
        lambda w: "/qaf/framework/standards.csv",
        organisation_page(404),
    ),
    Row(
        "qaf:portfolio",
        lambda w: "/qaf/portfolio/",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row("qaf:assessment", lambda w: f"/qaf/assessments/{make.qaf_assessment(w)}/", QAF_SEE),
    Row(
        "qaf:assessment (in progress: not yet shown to the provider)",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w, 'started')}/",
        QAF_COUNCIL_ONLY,
    ),
    Row(
        "qaf:assessment (another council's)",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w, 'finalised', 'other')}/",
        QAF_OTHER,
    ),
    Row(
        "qaf:start",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w, 'draft')}/start/",
        QAF_OFFICER,
        method="post",
    ),
    Row(
        "qaf:ratings",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w, 'draft')}/ratings/",
        QAF_OFFICER,
        method="post",
    ),
    Row(
        "qaf:delay",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w, 'draft')}/delay/",
        QAF_OFFICER,
        method="post",
    ),
    Row(
        "qaf:share",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w, 'draft')}/share/",
        QAF_OFFICER,
        method="post",
    ),
    Row(
        "qaf:finalise",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w, 'draft')}/finalise/",
        QAF_OFFICER,
        method="post",
    ),
    Row(
        "qaf:finalise (another council's)",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w, 'draft', 'other')}/finalise/",
        QAF_OTHER,
        method="post",
    ),
    Row(
        "qaf:comment-add",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w, 'draft')}/comments/",
        QAF_PROVIDER,
        method="post",
    ),
    Row(
        "qaf:comment-add (another council's)",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w, 'draft', 'other')}/comments/",
        QAF_OTHER,
        method="post",
    ),
    Row(
        "qaf:comment-respond",
        lambda w: f"/qaf/comments/{make.qaf_comment(w)}/respond/",
        QAF_OFFICER,
        method="post",
    ),
    Row(
        "qaf:reassess",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w)}/reassess/",
        QAF_OFFICER,
        method="post",
    ),
    Row(
        "qaf:evidence-upload",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w)}/files/",
        organisation_page(403, quality_officer=200, a_approver=200, a_admin=200, b_admin=404, icb_admin=404),
        method="post",
    ),
    Row("qaf:report", lambda w: f"/qaf/assessments/{make.qaf_report(w)}/report.pdf", QAF_SEE),
    Row(
        "qaf:report (another council's)",
        lambda w: f"/qaf/assessments/{make.qaf_report(w, 'other')}/report.pdf",
        QAF_OTHER,
    ),
    # "Try again" on a report whose PDF could not be made: the assessing officer only.
    Row(
        "qaf:report (POST: try again)",
        lambda w: f"/qaf/assessments/{make.qaf_report(w)}/report.pdf",
        organisation_page(403, quality_officer=302, b_admin=404, icb_admin=404),
        method="post",
    ),
    Row(
        "qaf:report (POST: try again, another council's)",
        lambda w: f"/qaf/assessments/{make.qaf_report(w, 'other')}/report.pdf",
        QAF_OTHER,
        method="post",
    ),
    Row("qaf:actions", lambda w: f"/qaf/assessments/{make.qaf_assessment(w)}/actions/", QAF_SEE),
    Row(
        "qaf:action-add",
        lambda w: f"/qaf/assessments/{make.qaf_assessment(w)}/actions/add/",
        QAF_OFFICER,
        method="post",
    ),
    Row(
        "qaf:action-done",
        lambda w: f"/qaf/actions/{make.qaf_action(w)}/done/",
        organisation_page(403, a_approver=302, a_admin=302, b_admin=404, icb_admin=404),
        method="post",
    ),
    Row(
        "qaf:action-done (another council's)",
        lambda w: f"/qaf/actions/{make.qaf_action(w, 'other')}/done/",
        QAF_OTHER,
        method="post",
    ),
    Row(
        "qaf:action-review",
        lambda w: f"/qaf/actions/{make.qaf_action(w)}/review/",
        QAF_OFFICER,
        method="post",
    ),
    Row("qaf:file", lambda w: f"/qaf/files/{make.qaf_file(w)}/", QAF_SEE),
    Row("qaf:file (another council's)", lambda w: f"/qaf/files/{make.qaf_file(w, 'other')}/", QAF_OTHER),
    # Notices: the notice page, drafting, evidence, the letter, the provider's replies, decisions.
    Row(
        "suggestions:list",
        lambda w: "/notices/suggestions/",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row(
        "suggestions:list (refresh)",
        lambda w: "/notices/suggestions/",
        organisation_page(404, **(dict.fromkeys(COMMISSIONERS, 403) | {"contract_officer": 302})),
        method="post",
    ),
    Row(
        "suggestions:dismiss-selected",
        lambda w: "/notices/suggestions/dismiss/",
        {**SUGGESTION_ACT, "contract_officer": 200, "icb_admin": 403},
        method="post",
        data=lambda w: {"suggestions": make.suggestion(w), "reason": "Agreed a date with the provider."},
    ),
    Row(
        "suggestions:dismiss-selected (confirmed)",
        lambda w: "/notices/suggestions/dismiss/",
        # The partner ICB is a commissioning body without the right to manage notices: 403.
        {**SUGGESTION_ACT, "icb_admin": 403},
        method="post",
        data=lambda w: {
            "suggestions": make.suggestion(w),
            "reason": "Agreed a date with the provider.",
            "confirmed": "yes",
        },
    ),
    Row(
        "suggestions:dismiss-selected (another council's)",
        lambda w: "/notices/suggestions/dismiss/",
        # Nothing of another body is dismissed: the officer is told the selection is not theirs.
        {**SUGGESTION_ACT, "contract_officer": 400, "icb_admin": 403},
        method="post",
        data=lambda w: {
            "suggestions": make.suggestion(w, "other"),
            "reason": "Not ours.",
            "confirmed": "yes",
        },
    ),
    Row(
        "suggestions:draft",
        lambda w: f"/notices/suggestions/{make.suggestion(w)}/draft/",
        SUGGESTION_ACT,
        method="post",
    ),
    Row(
        "suggestions:draft (another council's)",
        lambda w: f"/notices/suggestions/{make.suggestion(w, 'other')}/draft/",
        NOTICE_OTHER,
        method="post",
    ),
    Row(
        "suggestions:dismiss",
        lambda w: f"/notices/suggestions/{make.suggestion(w)}/dismiss/",
        {**SUGGESTION_ACT, "contract_officer": 200},
    ),
    Row(
        "suggestions:dismiss (POST)",
        lambda w: f"/notices/suggestions/{make.suggestion(w)}/dismiss/",
        SUGGESTION_ACT,
        method="post",
        data={"reason": "Already discussed at the review meeting."},
    ),
    Row(
        "suggestions:note",
        lambda w: f"/notices/suggestions/{make.suggestion(w)}/note/",
        SUGGESTION_ACT,
        method="post",
        data={"note": "For the Q2 review."},
    ),
    Row("notices:register", lambda w: "/notices/", organisation_page(200)),
    Row(
        "notices:start",
        lambda w: "/notices/new/",
        organisation_page(404, **(dict.fromkeys(COMMISSIONERS, 403) | {"contract_officer": 200})),
    ),
    Row(
        "notices:start (a contract chosen)",
        lambda w: f"/notices/new/?contract={w.contracts['joint'].pk}",
        organisation_page(404, **(dict.fromkeys(COMMISSIONERS, 403) | {"contract_officer": 302})),
    ),
    Row(
        "notices:start (another council's contract)",
        lambda w: f"/notices/new/?contract={w.contracts['other'].pk}",
        # Not among the contracts to choose: the form says so.
        organisation_page(404, **(dict.fromkeys(COMMISSIONERS, 403) | {"contract_officer": 400})),
    ),
    Row("notices:register-csv", lambda w: "/notices/register.csv", organisation_page(200)),
    Row(
        "notices:figures",
        lambda w: "/notices/figures/",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row("notices:detail", lambda w: f"/notices/{make.notice(w)}/", NOTICE_SEE),
    Row("notices:detail (a draft)", lambda w: f"/notices/{make.notice(w, 'draft')}/", NOTICE_DRAFT_SEE),
    Row(
        "notices:detail (another council's)",
        lambda w: f"/notices/{make.notice(w, council='other')}/",
        NOTICE_OTHER,
    ),
    Row(
        "notices:new",
        lambda w: f"/notices/contracts/{w.contracts['joint'].pk}/new/",
        organisation_page(403, contract_officer=200, provider_a=404, b_admin=404),
    ),
    Row(
        "notices:new (another council's contract)",
        lambda w: f"/notices/contracts/{w.contracts['other'].pk}/new/",
        organisation_page(404),
    ),
    Row("notices:edit", lambda w: f"/notices/{make.notice(w, 'draft')}/edit/", NOTICE_DRAFT_OFFICER),
    Row(
        "notices:edit (another council's)",
        lambda w: f"/notices/{make.notice(w, 'draft', 'other')}/edit/",
        NOTICE_OTHER,
    ),
    Row(
        "notices:evidence",
        lambda w: f"/notices/{make.notice(w, 'draft')}/evidence/",
        {**NOTICE_DRAFT_OFFICER, "contract_officer": 400},
        method="post",
    ),
    Row(
        "notices:file-add",
        lambda w: f"/notices/{make.notice(w, 'draft')}/files/",
        {**NOTICE_DRAFT_OFFICER, "contract_officer": 400},
        method="post",
    ),
    Row("notices:file", lambda w: f"/notices/files/{make.notice_file(w)}/", NOTICE_SEE),
    Row(
        "notices:file (another council's)",
        lambda w: f"/notices/files/{make.notice_file(w, 'other')}/",
        NOTICE_OTHER,
    ),
    Row("notices:issue", lambda w: f"/notices/{make.notice(w, 'draft')}/issue/", NOTICE_DRAFT_OFFICER),
    Row(
        "notices:issue (POST)",
        lambda w: f"/notices/{make.notice(w, 'draft')}/issue/",
        {**NOTICE_DRAFT_OFFICER, "contract_officer": 302},
        method="post",
    ),
    Row("notices:letter", lambda w: f"/notices/{make.notice(w)}/letter.pdf", NOTICE_SEE),
    Row(
        "notices:letter (a draft)",
        lambda w: f"/notices/{make.notice(w, 'draft')}/letter.pdf",
        organisation_page(404),
    ),
    Row(
        "notices:acknowledge",
        lambda w: f"/notices/{make.notice(w)}/acknowledge/",
        NOTICE_PROVIDER_POST,
        method="post",
    ),
    Row(
        "notices:acknowledge (another council's)",
        lambda w: f"/notices/{make.notice(w, council='other')}/acknowledge/",
        NOTICE_OTHER,
        method="post",
    ),
    Row(
        "notices:respond",
        lambda w: f"/notices/{make.notice(w, 'acknowledged')}/respond/",
        NOTICE_PROVIDER_POST,
        method="post",
        data={"text": "Both returns are now sent."},
    ),
    Row(
        "notices:extend",
        lambda w: f"/notices/{make.notice(w)}/extend/",
        NOTICE_OFFICER_POST,
        method="post",
        data={"new_due_on": make.DUE, "reason": "Staff illness"},
    ),
    Row(
        "notices:close",
        lambda w: f"/notices/{make.notice(w)}/close/",
        NOTICE_OFFICER_POST,
        method="post",
        data={"reason": "remedied", "note": "Returns received."},
    ),
    Row(
        "notices:close (another council's)",
        lambda w: f"/notices/{make.notice(w, council='other')}/close/",
        NOTICE_OTHER,
        method="post",
        data={"reason": "remedied", "note": "Returns received."},
    ),
    Row(
        "notices:escalate",
        lambda w: f"/notices/{make.notice(w)}/escalate/",
        NOTICE_OFFICER_POST,
        method="post",
    ),
    Row(
        "notices:correct", lambda w: f"/notices/{make.notice(w)}/correct/", NOTICE_OFFICER_POST, method="post"
    ),
    Row(
        "notices:settings",
        lambda w: "/notices/settings/",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row(
        "notices:settings (POST)",
        lambda w: "/notices/settings/",
        organisation_page(404, **(dict.fromkeys(COMMISSIONERS, 403) | {"contract_officer": 302})),
        method="post",
        data={"noc_low_days": "15", "noc_medium_days": "30", "noc_high_days": "45"},
    ),
    # Reviews: meetings and commentary.
    Row("reviews:list", lambda w: "/reviews/", organisation_page(200)),
    Row(
        "reviews:new",
        lambda w: "/reviews/new/",
        organisation_page(
            404,
            **(
                dict.fromkeys(COUNCIL, 403)
                | dict.fromkeys(["commissioner", "contract_officer", "c_admin", "icb_admin"], 200)
            ),
        ),
    ),
    Row(
        "reviews:new (POST)",
        lambda w: "/reviews/new/",
        organisation_page(
            404,
            **(
                dict.fromkeys(COUNCIL, 403)
                | dict.fromkeys(["commissioner", "contract_officer", "c_admin", "icb_admin"], 400)
            ),
        ),
        method="post",
    ),
    Row("reviews:detail", lambda w: f"/reviews/{make.meeting(w)}/", REVIEW_SEE),
    Row(
        "reviews:detail (another council's)",
        lambda w: f"/reviews/{make.meeting(w, 'other')}/",
        organisation_page(404),
    ),
    Row("reviews:edit", lambda w: f"/reviews/{make.meeting(w)}/edit/", REVIEW_MANAGE),
    Row(
        "reviews:edit (POST)",
        lambda w: f"/reviews/{make.meeting(w)}/edit/",
        REVIEW_MANAGE_POST,
        method="post",
        data=make.review_meeting_form,
    ),
    Row("reviews:cancel", lambda w: f"/reviews/{make.meeting(w)}/cancel/", REVIEW_MANAGE),
    Row(
        "reviews:cancel (POST)",
        lambda w: f"/reviews/{make.meeting(w)}/cancel/",
        REVIEW_MANAGE_POST,
        method="post",
        data={"reason": "The provider asked to move it"},
    ),
    Row(
        "reviews:attendee-add",
        lambda w: f"/reviews/{make.meeting(w)}/attendees/",
        REVIEW_MANAGE_POST,
        method="post",
        data={
            "kind": "external",
            "name": "Sam Lee",
            "organisation": "Riverton GP Federation",
            "role": "Clinical lead",
        },
    ),
    Row(
        "reviews:attendee-remove",
        lambda w: f"/reviews/attendees/{make.attendee(w)}/remove/",
        REVIEW_MANAGE_POST,
        method="post",
    ),
    Row(
        "reviews:attendee-remove (another council's)",
        lambda w: f"/reviews/attendees/{make.attendee(w, 'other')}/remove/",
        organisation_page(404),
        method="post",
    ),
    Row("reviews:commentary", lambda w: f"/reviews/{make.meeting(w)}/commentary/", REVIEW_SEE),
    Row(
        "reviews:commentary (POST)",
        lambda w: f"/reviews/{make.meeting(w)}/commentary/",
        organisation_page(
            403,
            b_admin=404,
            a_submitter=302,
            a_approver=302,
            a_admin=302,
            commissioner=302,
            contract_officer=302,
            c_admin=302,
        ),
        method="post",
    ),
    # Reviews: the record, actions and the tracker.
    Row("reviews:record", lambda w: f"/reviews/{make.meeting(w)}/record/", REVIEW_MANAGE),
    Row(
        "reviews:record (POST)",
        lambda w: f"/reviews/{make.meeting(w)}/record/",
        REVIEW_MANAGE_POST,
        method="post",
        data={"minutes": "Discussed the quarter's figures.", "confirm": "close"},
    ),
    Row(
        "reviews:record (the check before closing)",
        lambda w: f"/reviews/{make.meeting(w)}/record/",
        REVIEW_MANAGE,
        method="post",
        data={"minutes": "Discussed the quarter's figures."},
    ),
    Row(
        "reviews:override",
        lambda w: f"/reviews/{make.meeting_with_result(w)}/overrides/",
        organisation_page(403, b_admin=404, commissioner=302, c_admin=302),
        method="post",
        data=lambda w: {
            "target": w.contracts["joint"].targets.first().pk,
            "rag": "amber",
            "reason": "Agreed",
        },
    ),
    Row(
        "reviews:action-add",
        lambda w: f"/reviews/{make.meeting(w)}/actions/",
        REVIEW_MANAGE_POST,
        method="post",
        data=lambda w: {
            "description": "Share the weekly missed-call figures",
            "owner_kind": "provider",
            "owner_name": "Registered manager",
            "due_on": "2099-01-31",
        },
    ),
    Row(
        "reviews:action-add (another council's)",
        lambda w: f"/reviews/{make.meeting(w, 'other')}/actions/",
        organisation_page(404),
        method="post",
    ),
    Row("reviews:actions", lambda w: "/reviews/actions/", organisation_page(200)),
    Row("reviews:actions-csv", lambda w: "/reviews/actions.csv", organisation_page(200)),
    Row(
        "reviews:action-update",
        lambda w: f"/reviews/actions/{make.review_action(w)}/update/",
        organisation_page(
            403,
            b_admin=404,
            a_submitter=302,
            a_approver=302,
            a_admin=302,
            commissioner=302,
            contract_officer=302,
            c_admin=302,
        ),
        method="post",
        data={"status": "done", "note": "Done"},
    ),
    Row(
        "reviews:action-update (the commissioner's)",
        lambda w: f"/reviews/actions/{make.review_action(w, 'commissioner')}/update/",
        REVIEW_MANAGE_POST,
        method="post",
        data={"status": "done", "note": "Done"},
    ),
    Row(
        "reviews:action-update (another council's)",
        lambda w: f"/reviews/actions/{make.review_action(w, council='other')}/update/",
        organisation_page(404),
        method="post",
        data={"status": "done", "note": "Done"},
    ),
    # Reviews: the pack.
    Row(
        "reviews:pack-request",
        lambda w: f"/reviews/{make.meeting(w)}/packs/",
        organisation_page(403, b_admin=404, commissioner=302, contract_officer=302, c_admin=302),
        method="post",
    ),
    Row(
        "reviews:pack-request (another council's)",
        lambda w: f"/reviews/{make.meeting(w, 'other')}/packs/",
        organisation_page(404),
        method="post",
    ),
    Row("reviews:pack", lambda w: f"/reviews/packs/{make.review_pack(w)}/", PACK_DRAFT_SEE),
    Row(
        "reviews:pack (issued)",
        lambda w: f"/reviews/packs/{make.review_pack(w, issued=True)}/",
        PACK_ISSUED_SEE,
    ),
    Row(
        "reviews:pack (another council's)",
        lambda w: f"/reviews/packs/{make.review_pack(w, True, 'other')}/",
        organisation_page(404),
    ),
    Row("reviews:pack-pdf", lambda w: f"/reviews/packs/{make.review_pack(w)}/pack.pdf", PACK_DRAFT_SEE),
    Row(
        "reviews:pack-pdf (issued)",
        lambda w: f"/reviews/packs/{make.review_pack(w, issued=True)}/pack.pdf",
        PACK_ISSUED_SEE,
    ),
    Row("reviews:pack-status", lambda w: f"/reviews/packs/{make.review_pack(w)}/status/", PACK_DRAFT_SEE),
    Row(
        "reviews:pack-issue (the check page)",
        lambda w: f"/reviews/packs/{make.review_pack(w)}/issue/",
        organisation_page(
            404,
            **(
                dict.fromkeys(COUNCIL, 403)
                | dict.fromkeys(["commissioner", "contract_officer", "c_admin"], 200)
            ),
        ),
    ),
    Row(
        "reviews:pack-issue (another council's)",
        lambda w: f"/reviews/packs/{make.review_pack(w, council='other')}/issue/",
        organisation_page(404),
    ),
    Row(
        "reviews:pack-issue",
        lambda w: f"/reviews/packs/{make.review_pack(w)}/issue/",
        organisation_page(
            404,
            **(
                dict.fromkeys(COUNCIL, 403)
                | dict.fromkeys(["commissioner", "contract_officer", "c_admin"], 302)
            ),
        ),
        method="post",
    ),
    Row(
        "portfolio:dashboard",
        lambda w: "/portfolio/",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row(
        "portfolio:matrix-csv",
        lambda w: "/portfolio/matrix.csv",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row(
        "portfolio:matrix-xlsx",
        lambda w: "/portfolio/matrix.xlsx",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row("portfolio:benchmarks", lambda w: "/portfolio/benchmarks/", organisation_page(200)),
    Row(
        "portfolio:trend",
        lambda w: f"/portfolio/contracts/{w.contracts['joint'].pk}/targets/{make.joint_target(w)}/trend/",
        organisation_page(200, b_admin=404),
    ),
    Row(
        "portfolio:trend (another council's)",
        lambda w: (
            f"/portfolio/contracts/{w.contracts['other'].pk}/targets/{w.contracts['other'].targets.first().pk}/trend/"
        ),
        organisation_page(404),
    ),
    # A target's SPC baseline: the lead body's people who manage targets (a form with errors: 200).
    Row(
        "portfolio:spc-baseline",
        lambda w: (
            f"/portfolio/contracts/{w.contracts['joint'].pk}/targets/{make.joint_target(w)}/spc-baseline/"
        ),
        CHANGE_CONTRACT,
    ),
    Row(
        "portfolio:spc-baseline (post)",
        lambda w: (
            f"/portfolio/contracts/{w.contracts['joint'].pk}/targets/{make.joint_target(w)}/spc-baseline/"
        ),
        CHANGE_CONTRACT,
        method="post",
    ),
    Row(
        "portfolio:spc-baseline (another council's)",
        lambda w: (
            f"/portfolio/contracts/{w.contracts['other'].pk}/targets/{w.contracts['other'].targets.first().pk}"
            "/spc-baseline/"
        ),
        organisation_page(404),
    ),
    Row(
        "portfolio:spc-baseline (a target of another contract)",
        lambda w: (
            f"/portfolio/contracts/{w.contracts['joint'].pk}/targets/{w.contracts['other'].targets.first().pk}"
            "/spc-baseline/"
        ),
        organisation_page(404),
    ),
    # Portfolio: exports and the scrutiny report.
    Row("portfolio:results-csv", lambda w: "/portfolio/exports/results.csv", organisation_page(200)),
    Row("portfolio:results-xlsx", lambda w: "/portfolio/exports/results.xlsx", organisation_page(200)),
    Row("portfolio:notices-xlsx", lambda w: "/portfolio/exports/notices.xlsx", organisation_page(200)),
    Row(
        "portfolio:qaf-tracker-xlsx",
        lambda w: "/portfolio/exports/qaf-tracker.xlsx",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row(
        "portfolio:scrutiny",
        lambda w: "/portfolio/scrutiny/",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    Row(
        "portfolio:scrutiny-pdf",
        lambda w: "/portfolio/scrutiny.pdf",
        organisation_page(404, **dict.fromkeys(COMMISSIONERS, 200)),
    ),
    # The technical admin site is for service operators (staff) only.
    Row("admin:index", lambda w: "/admin/", statuses(302)),
]


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    """The world, built once for the module (each case's own rows are rolled back after it)."""
    with kept_for_the_module(django_db_blocker):
        world = build_world()
        world.users["no_organisation"] = UserFactory(email="nobody@example.org")
        Invitation.objects.create(
            organisation=world.provider_a,
            email="new.starter@acme.example",
            role=Role.SUBMITTER,
            key="matrix-invitation-key",
            invited_by=world.users["a_admin"],
            expires_at=timezone.now() + timedelta(days=7),
        )
        # A joint council + ICB contract with provider A; a council-only one with provider B, on which
        # provider A is a subcontractor; and a contract of another council altogether.
        joint = contract(world.council, world.provider_a, reference="J-1", partners=[world.icb])
        target(joint)
        council_b = contract(
            world.council, world.provider_b, reference="C-2", subcontractors=[world.provider_a]
        )
        other = contract(CouncilFactory(name="Elsewhere Council"), ProviderFactory(), reference="X-3")
        target(other)
        world.contracts = {"joint": joint, "council_b": council_b, "other": other}
        # Each person signed in once for the module: a case's changes to its session are rolled back.
        world.sessions = {}
        for role, user in world.users.items():
            signing_in = Client()
            signing_in.force_login(user)
            world.sessions[role] = signing_in.cookies[settings.SESSION_COOKIE_NAME].value
        yield world


CASES = [pytest.param(row, role, id=f"{row.name}|{role}") for row in ROWS for role in ROLES]


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "role"), CASES)
def test_permission_matrix(client, matrix_world, row: Row, role: str):
    if role != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = matrix_world.sessions[role]
    path = row.path(matrix_world)
    data = row.data(matrix_world) if callable(row.data) else row.data
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, row.method)(path, data)
    expected = row.expected[role]
    assert response.status_code == expected, f"{role} {row.method.upper()} {path}: {response.status_code}"
    if row.method == "get":
        assert make.writes(queries.captured_queries) == [], f"{role} GET {path} wrote to the database"
        events = make.view_events(queries.captured_queries)
        assert len(events) <= 1, f"{role} GET {path} recorded {len(events)} view events"
        assert not events or response.status_code == 200, f"{role} GET {path} recorded a view it refused"
    if expected == 302 and role == "anonymous" and not row.name.startswith("admin:"):
        assert response["Location"].startswith("/account/sign-in/")


def test_every_url_has_a_row():
    """A new page without a row here fails: isolation and capability rules must be pinned for it."""
    # The API's routes have their own matrix (tests/test_api_permission_matrix.py).
    urls = {
        name
        for name in make.url_names(get_resolver().url_patterns)
        if not name.startswith(("admin:", "api:"))
    }
    rows = {row.name for row in ROWS}
    missing = urls - rows
    assert not missing, f"add permission-matrix rows for: {sorted(missing)}"


# --- Every export is formula-safe --------------------------------------------------------------------

# Free text that exports carry, each made to start as a spreadsheet formula would before the walk.
HOSTILE_TEXT = {
    "accounts.User": ["full_name"],
    "accounts.Organisation": ["name"],
    "commissioning.Contract": ["reference", "title", "lot"],
    "commissioning.TargetVersion": ["reason", "recorded_by_label"],
    "commissioning.Notice": ["clause", "facts", "remedy", "created_by_label", "issued_by_label"],
    "commissioning.Assessment": ["summary"],
    "commissioning.Comment": ["text", "author_label", "response"],
    "commissioning.RemedialAction": ["description", "owner", "provider_note", "officer_note"],
    "commissioning.QafStandard": ["title", "looks_like"],
    "commissioning.QafStatus": ["reason"],
    "outcomes.ReviewAction": ["description", "owner_organisation", "owner_name", "status_note"],
    "outcomes.ReturnAttempt": ["filename", "submitted_by_label", "signed_off_by_label"],
    "outcomes.EpisodeRecord": ["episode_ref", "person_ref", "referral_source"],
    "outcomes.ResultOverride": ["reason", "created_by_label"],
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Files whose content is fixed (the data standard's template and worked example): no one's text.
FIXED_FILES = {"returns:template-csv", "returns:template-xlsx", "returns:example-csv"}
EXPORT_ROWS = [row for row in ROWS if row.method == "get" and row.name.endswith(("-csv", "-xlsx"))]


def _with_rows(w) -> None:
    """Something in every export: a notice, a review action, stored results, a QAF assessment, and a
    return whose report quotes the file's own cells."""
    from outcomes.models import ReturnAttempt

    make.notice(w)
    make.review_action(w)
    make.result(w)
    make.qaf_assessment(w)
    ReturnAttempt.objects.update(
        errors=[
            {
                "severity": "error",
                "sheet": "episodes",
                "row": 2,
                "column": "person_ref",
                "value": '=HYPERLINK("http://example.org","open")',
                "message": "@SUM(1)",
            }
        ]
    )


def _make_hostile() -> None:
    """Every listed text starts with a formula character (=, +, - or @ in turn), within its length."""
    from django.apps import apps
    from django.db.models import F, Value
    from django.db.models.functions import Concat, Substr

    for index, (label, names) in enumerate(HOSTILE_TEXT.items()):
        model = apps.get_model(label)
        for offset, name in enumerate(names):
            start = "=+-@"[(index + offset) % 4]
            limit = model._meta.get_field(name).max_length or 10_000
            model.objects.update(**{name: Substr(Concat(Value(f"{start}1+"), F(name)), 1, limit)})


def _cells(response) -> list[tuple[str, object, str]]:
    """Every cell of a CSV or Excel download: (where, value, cell type)."""
    import csv
    import io

    from openpyxl import load_workbook

    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/csv"):
        rows = csv.reader(io.StringIO(content.decode("utf-8-sig")))
        return [
            (f"row {r} column {c}", value, "csv") for r, row in enumerate(rows) for c, value in enumerate(row)
        ]
    workbook = load_workbook(io.BytesIO(content))
    return [
        (f"{sheet.title}!{cell.coordinate}", cell.value, cell.data_type)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def test_every_export_url_is_walked():
    """A new CSV or Excel address is walked below as soon as it has its permission-matrix row."""
    exports = {
        name for name in make.url_names(get_resolver().url_patterns) if name.endswith(("-csv", "-xlsx"))
    }
    assert exports == {row.name for row in EXPORT_ROWS}


@pytest.mark.django_db
@pytest.mark.parametrize("row", EXPORT_ROWS, ids=[row.name for row in EXPORT_ROWS])
def test_every_export_is_formula_safe(client, matrix_world, row: Row):
    """No cell of any download runs as a formula, whatever people typed: CSV cells that would start
    one begin with a quote; no Excel cell is a formula (text that looks like one is a text cell)."""
    role = next(role for role in ROLES if row.expected[role] == 200)
    client.force_login(matrix_world.users[role])
    path = row.path(matrix_world)
    _with_rows(matrix_world)
    _make_hostile()
    response = client.get(path)
    assert response.status_code == 200, f"{role} GET {path}: {response.status_code}"
    cells = _cells(response)
    assert cells, f"{path} is empty"
    unsafe = [
        f"{where}: {value!r}"
        for where, value, kind in cells
        if kind == "f" or (kind == "csv" and value.startswith(FORMULA_STARTS))
    ]
    assert not unsafe, f"{path} would run formulas: {unsafe[:5]}"
    if row.name not in FIXED_FILES:  # the walk has teeth: people's text reached the file
        assert any(
            isinstance(value, str) and "1+" in value or "HYPERLINK" in str(value) for _, value, _ in cells
        )
