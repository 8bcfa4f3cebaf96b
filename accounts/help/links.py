"""Which section of which guide explains each page: the "Help with this page" link in the header.

A page whose URL name is not here gets a plain "Help" link to the list of guides. Pages of files,
fragments that pages poll and forms' targets that only redirect need no entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class Section:
    """A section of a guide served under /help/ (no anchor: the top of the guide)."""

    guide: str
    anchor: str = ""

    @property
    def href(self) -> str:
        address = reverse("help:guide", args=[self.guide])
        return f"{address}#{self.anchor}" if self.anchor else address


@dataclass(frozen=True)
class Page:
    """Another page of the service that explains this one (it takes no arguments)."""

    url_name: str
    anchor: str = ""

    @property
    def href(self) -> str:
        address = reverse(self.url_name)
        return f"{address}#{self.anchor}" if self.anchor else address


PEOPLE = "people-and-roles"
SIGNING_IN = Section(PEOPLE, "signing-in")
ADMINS = Section(PEOPLE, "for-organisation-admins")
TARGETS = Section("contracts-and-targets", "outcome-targets")
ASSESSMENT = Section("qaf", "an-assessment-step-by-step")
NOTICE_STEPS = Section("notices", "the-ladder-and-the-lifecycle")
NOTICE_REGISTER = Section("notices", "register-and-figures")
SUGGESTIONS = Section("notices", "suggestions")
# The data standard has its own page, written for providers: every returns page points to it.
DATA_STANDARD = Page("returns:guide")

PAGE_HELP: dict[str, Section | Page] = {
    "home": Section("portfolio", "home-pages"),
    # Signing in, your account and your organisation's people.
    "accounts:sign-in": SIGNING_IN,
    "accounts:signed-out": SIGNING_IN,
    "accounts:password-reset": SIGNING_IN,
    "accounts:password-reset-sent": SIGNING_IN,
    "accounts:password-reset-confirm": SIGNING_IN,
    "accounts:two-factor": SIGNING_IN,
    "accounts:two-factor-setup": SIGNING_IN,
    "accounts:two-factor-recovery-codes": SIGNING_IN,
    "accounts:two-factor-off": SIGNING_IN,
    "accounts:account": SIGNING_IN,
    "accounts:password-change": SIGNING_IN,
    "accounts:invitation": Section(PEOPLE, "joining"),
    "accounts:switch-organisation": Section(PEOPLE, "your-organisation-and-your-role"),
    "accounts:team": ADMINS,
    "accounts:invite": ADMINS,
    "accounts:team-two-factor": ADMINS,
    "accounts:member-edit": ADMINS,
    "accounts:member-remove": ADMINS,
    "accounts:member-two-factor-reset": ADMINS,
    "accounts:invitation-resend": ADMINS,
    "accounts:invitation-revoke": ADMINS,
    "accounts:audit-log": ADMINS,
    "accounts:sign-ins": ADMINS,
    "data-export:page": ADMINS,
    "data-export:request": ADMINS,
    "accounts:api-tokens": Section("api", "tokens"),
    "accounts:api-token-new": Section("api", "tokens"),
    "accounts:api-token-revoke": Section("api", "tokens"),
    "accounts:api-sign-off": Section("api", "tokens"),
    # Contracts and targets.
    "commissioning:contract-list": Section("contracts-and-targets", "who-sees-a-contract"),
    "commissioning:contract-detail": Section("contracts-and-targets"),
    "commissioning:contract-create": Section("contracts-and-targets", "creating-a-contract"),
    "commissioning:contract-edit": Section("contracts-and-targets", "creating-a-contract"),
    "commissioning:target-add": TARGETS,
    "commissioning:target-edit": TARGETS,
    "commissioning:target-end": TARGETS,
    "outcomes:measure-list": Section("measures", "the-measures"),
    "outcomes:measure-detail": Section("measures", "the-measures"),
    # Monthly returns.
    "returns:list": DATA_STANDARD,
    "returns:outstanding": DATA_STANDARD,
    "returns:month": DATA_STANDARD,
    "returns:nil": DATA_STANDARD,
    "returns:edit": DATA_STANDARD,
    "returns:attempt": DATA_STANDARD,
    "returns:attempt-sign-off": DATA_STANDARD,
    "returns:attempt-check-again": DATA_STANDARD,
    # Results.
    "results:scorecard": Section("results", "the-scorecard"),
    "results:recompute": Section("results", "the-scorecard"),
    "results:detail": Section("results", "a-results-page"),
    "results:override": Section("results", "overrides"),
    # Quality (QAF) and CQC ratings.
    "qaf:tracker": Section("qaf", "qaf-status"),
    "qaf:provider": Section("qaf", "qaf-status"),
    "qaf:portfolio": Section("qaf", "portfolio-measures-per-quarter"),
    "qaf:framework": Section("qaf", "the-framework"),
    "qaf:cqc-record": Section("qaf", "cqc-ratings"),
    "qaf:cqc-import": Section("qaf", "cqc-ratings"),
    "qaf:schedule": ASSESSMENT,
    "qaf:assessment": ASSESSMENT,
    "qaf:start": ASSESSMENT,
    "qaf:ratings": ASSESSMENT,
    "qaf:delay": ASSESSMENT,
    "qaf:share": ASSESSMENT,
    "qaf:finalise": ASSESSMENT,
    "qaf:comment-add": ASSESSMENT,
    "qaf:comment-respond": ASSESSMENT,
    "qaf:reassess": ASSESSMENT,
    "qaf:actions": ASSESSMENT,
    "qaf:action-add": ASSESSMENT,
    "qaf:action-done": ASSESSMENT,
    "qaf:action-review": ASSESSMENT,
    "qaf:evidence-upload": ASSESSMENT,
    # Notices and suggestions.
    "notices:register": NOTICE_REGISTER,
    "notices:figures": NOTICE_REGISTER,
    "notices:settings": NOTICE_STEPS,
    "notices:start": NOTICE_STEPS,
    "notices:new": NOTICE_STEPS,
    "notices:edit": NOTICE_STEPS,
    "notices:evidence": NOTICE_STEPS,
    "notices:file-add": NOTICE_STEPS,
    "notices:issue": NOTICE_STEPS,
    "notices:detail": NOTICE_STEPS,
    "notices:acknowledge": NOTICE_STEPS,
    "notices:respond": NOTICE_STEPS,
    "notices:extend": NOTICE_STEPS,
    "notices:close": NOTICE_STEPS,
    "notices:escalate": NOTICE_STEPS,
    "notices:correct": NOTICE_STEPS,
    "suggestions:list": SUGGESTIONS,
    "suggestions:dismiss": SUGGESTIONS,
    "suggestions:dismiss-selected": SUGGESTIONS,
    "suggestions:draft": SUGGESTIONS,
    "suggestions:note": SUGGESTIONS,
    # Quarterly reviews.
    "reviews:list": Section("reviews", "meetings-and-commentary"),
    "reviews:detail": Section("reviews", "meetings-and-commentary"),
    "reviews:new": Section("reviews", "planning-a-meeting"),
    "reviews:edit": Section("reviews", "planning-a-meeting"),
    "reviews:cancel": Section("reviews", "planning-a-meeting"),
    "reviews:attendee-add": Section("reviews", "attendees"),
    "reviews:attendee-remove": Section("reviews", "attendees"),
    "reviews:commentary": Section("reviews", "commentary-before-the-meeting"),
    "reviews:record": Section("reviews", "recording-the-meeting"),
    "reviews:override": Section("reviews", "agreeing-a-rag-override"),
    "reviews:action-add": Section("reviews", "actions"),
    "reviews:actions": Section("reviews", "the-action-tracker"),
    "reviews:action-update": Section("reviews", "the-action-tracker"),
    "reviews:pack-request": Section("reviews", "making-and-issuing"),
    "reviews:pack": Section("reviews", "what-the-pack-holds"),
    "reviews:pack-issue": Section("reviews", "making-and-issuing"),
    # The portfolio.
    "portfolio:dashboard": Section("portfolio", "the-dashboard"),
    "portfolio:benchmarks": Section("portfolio", "fair-benchmarking"),
    "portfolio:trend": Section("portfolio", "trends"),
    "portfolio:spc-baseline": Section("statistics", "statistical-process-control-xmr"),
    "portfolio:scrutiny": Section("portfolio", "the-scrutiny-report"),
}


@dataclass(frozen=True)
class HelpLink:
    href: str
    label: str


def help_link(view_name: str | None) -> HelpLink:
    """The header's help link for the page of this URL name."""
    target = PAGE_HELP.get(view_name or "")
    if target is None:
        return HelpLink(reverse("help:index"), "Help")
    return HelpLink(target.href, "Help with this page")
