"""Which section of which guide explains each page: the "Help with this page" link in the header.

A page whose URL name is not here gets a plain "Help" link to the list of guides. Pages of files,
fragments that pages poll and forms' targets that only redirect need no entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from accounts.help.guides import start_with


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
class BySide:
    """The same page explained in a provider's guide and in a council's (None: the list of guides)."""

    provider: Section | None
    council: Section | None

    def side(self, is_provider: bool) -> Section | None:
        return self.provider if is_provider else self.council


Target = Section | BySide

PEOPLE = "people-and-roles"
RETURNS = "provider-returns"  # the provider's guides, by role
ADMIN = "provider-admin"
OFFICER = "contract-officer"  # the council's guides, by role
COMMISSIONER = "commissioner"
QUALITY = "quality-officer"
SIGNING_IN = Section(PEOPLE, "signing-in")
ADMINS = Section(PEOPLE, "for-organisation-admins")
TARGETS = Section("contracts-and-targets", "outcome-targets")
NOTICE_STEPS = Section("notices", "the-ladder-and-the-lifecycle")

PAGE_HELP: dict[str, Target] = {
    "home": BySide(Section(RETURNS, "your-home-page"), Section(COMMISSIONER, "your-home-page")),
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
    "accounts:team": BySide(Section(ADMIN, "what-an-organisation-admin-can-do"), ADMINS),
    "accounts:invite": BySide(Section(ADMIN, "inviting-someone"), ADMINS),
    "accounts:team-two-factor": BySide(Section(ADMIN, "two-step-verification-for-your-organisation"), ADMINS),
    "accounts:member-edit": BySide(Section(ADMIN, "changing-someones-role"), ADMINS),
    "accounts:member-remove": BySide(Section(ADMIN, "removing-someone"), ADMINS),
    "accounts:member-two-factor-reset": BySide(
        Section(ADMIN, "resetting-someones-two-step-verification"), ADMINS
    ),
    "accounts:invitation-resend": BySide(Section(ADMIN, "inviting-someone"), ADMINS),
    "accounts:invitation-revoke": BySide(Section(ADMIN, "inviting-someone"), ADMINS),
    "accounts:audit-log": BySide(Section(ADMIN, "the-audit-log"), ADMINS),
    "accounts:sign-ins": BySide(Section(ADMIN, "the-audit-log"), ADMINS),
    "data-export:page": BySide(Section(ADMIN, "exporting-your-organisations-data"), ADMINS),
    "data-export:request": BySide(Section(ADMIN, "exporting-your-organisations-data"), ADMINS),
    "accounts:api-tokens": BySide(
        Section(ADMIN, "api-tokens-for-a-care-planning-system"), Section("api", "tokens")
    ),
    "accounts:api-token-new": BySide(
        Section(ADMIN, "api-tokens-for-a-care-planning-system"), Section("api", "tokens")
    ),
    "accounts:api-token-revoke": BySide(Section(ADMIN, "revoking-a-token"), Section("api", "tokens")),
    "accounts:api-sign-off": BySide(
        Section(ADMIN, "letting-a-system-sign-off-returns"), Section("api", "tokens")
    ),
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
    "returns:list": BySide(
        Section(RETURNS, "which-returns-are-due-and-when"),
        Section(OFFICER, "returns-outstanding-and-chasing"),
    ),
    "returns:outstanding": Section(OFFICER, "returns-outstanding-and-chasing"),
    "returns:month": BySide(
        Section(RETURNS, "uploading-a-return"), Section(OFFICER, "returns-outstanding-and-chasing")
    ),
    "returns:nil": Section(RETURNS, "declaring-a-nil-return"),
    "returns:edit": Section(RETURNS, "filling-in-the-return"),
    "returns:attempt": BySide(
        Section(RETURNS, "reading-errors-and-fixing-a-rejected-file"),
        Section(OFFICER, "returns-outstanding-and-chasing"),
    ),
    "returns:attempt-sign-off": Section(RETURNS, "signing-off-a-return"),
    "returns:attempt-check-again": Section(RETURNS, "what-happens-during-the-checks"),
    # Results.
    "results:scorecard": BySide(
        Section(RETURNS, "your-results-and-scorecard"), Section(COMMISSIONER, "a-contracts-scorecard")
    ),
    "results:recompute": BySide(
        Section(RETURNS, "your-results-and-scorecard"), Section(COMMISSIONER, "a-contracts-scorecard")
    ),
    "results:detail": BySide(
        Section(RETURNS, "your-results-and-scorecard"),
        Section(COMMISSIONER, "finding-a-red-result-and-why-it-is-red"),
    ),
    "results:override": Section(COMMISSIONER, "overrides"),
    # Quality (QAF) and CQC ratings.
    "qaf:tracker": BySide(
        Section(RETURNS, "qaf-draft-reports-and-action-plans"), Section(QUALITY, "the-qaf-tracker")
    ),
    "qaf:provider": BySide(
        Section(RETURNS, "qaf-draft-reports-and-action-plans"),
        Section(QUALITY, "compliance-windows-and-qaf-status"),
    ),
    "qaf:portfolio": Section(QUALITY, "the-qaf-portfolio"),
    "qaf:framework": Section("qaf", "the-framework"),
    "qaf:cqc-record": Section(QUALITY, "cqc-ratings"),
    "qaf:cqc-import": Section(QUALITY, "cqc-ratings"),
    "qaf:schedule": Section(QUALITY, "scheduling-an-assessment"),
    "qaf:assessment": BySide(
        Section(RETURNS, "qaf-draft-reports-and-action-plans"),
        Section(QUALITY, "running-an-assessment-and-rating-the-standards"),
    ),
    "qaf:start": Section(QUALITY, "running-an-assessment-and-rating-the-standards"),
    "qaf:ratings": Section(QUALITY, "running-an-assessment-and-rating-the-standards"),
    "qaf:delay": Section(QUALITY, "running-an-assessment-and-rating-the-standards"),
    "qaf:share": Section(QUALITY, "sharing-the-draft-report-and-answering-comments"),
    "qaf:finalise": Section(QUALITY, "finalising-an-assessment"),
    "qaf:comment-add": BySide(
        Section(RETURNS, "qaf-draft-reports-and-action-plans"),
        Section(QUALITY, "sharing-the-draft-report-and-answering-comments"),
    ),
    "qaf:comment-respond": Section(QUALITY, "sharing-the-draft-report-and-answering-comments"),
    "qaf:reassess": Section(QUALITY, "finalising-an-assessment"),
    "qaf:actions": BySide(
        Section(RETURNS, "qaf-draft-reports-and-action-plans"),
        Section(QUALITY, "action-plans-and-verifying-actions"),
    ),
    "qaf:action-add": Section(QUALITY, "action-plans-and-verifying-actions"),
    "qaf:action-done": BySide(
        Section(RETURNS, "qaf-draft-reports-and-action-plans"),
        Section(QUALITY, "action-plans-and-verifying-actions"),
    ),
    "qaf:action-review": Section(QUALITY, "action-plans-and-verifying-actions"),
    "qaf:evidence-upload": BySide(
        Section(RETURNS, "qaf-draft-reports-and-action-plans"),
        Section(QUALITY, "action-plans-and-verifying-actions"),
    ),
    # Notices and suggestions.
    "notices:register": BySide(
        Section(RETURNS, "answering-a-notice-of-concern-or-breach-notice"),
        Section(OFFICER, "the-notice-register-and-figures"),
    ),
    "notices:figures": Section(OFFICER, "the-notice-register-and-figures"),
    "notices:settings": NOTICE_STEPS,
    "notices:start": Section(OFFICER, "writing-the-draft"),
    "notices:new": Section(OFFICER, "writing-the-draft"),
    "notices:edit": Section(OFFICER, "writing-the-draft"),
    "notices:evidence": Section(OFFICER, "writing-the-draft"),
    "notices:file-add": BySide(
        Section(RETURNS, "answering-a-notice-of-concern-or-breach-notice"),
        Section(OFFICER, "writing-the-draft"),
    ),
    "notices:issue": Section(OFFICER, "checking-and-issuing"),
    "notices:detail": BySide(
        Section(RETURNS, "answering-a-notice-of-concern-or-breach-notice"),
        Section(OFFICER, "following-a-notice"),
    ),
    "notices:acknowledge": Section(RETURNS, "answering-a-notice-of-concern-or-breach-notice"),
    "notices:respond": Section(RETURNS, "answering-a-notice-of-concern-or-breach-notice"),
    "notices:extend": Section(OFFICER, "following-a-notice"),
    "notices:close": Section(OFFICER, "following-a-notice"),
    "notices:escalate": Section(OFFICER, "following-a-notice"),
    "notices:correct": Section(OFFICER, "following-a-notice"),
    "suggestions:list": Section(OFFICER, "suggested-notices"),
    "suggestions:dismiss": Section(OFFICER, "suggested-notices"),
    "suggestions:dismiss-selected": Section(OFFICER, "suggested-notices"),
    "suggestions:draft": Section(OFFICER, "suggested-notices"),
    "suggestions:note": Section(OFFICER, "suggested-notices"),
    # Quarterly reviews.
    "reviews:list": BySide(
        Section(RETURNS, "commentary-for-quarterly-review-meetings"),
        Section(OFFICER, "quarterly-review-meetings"),
    ),
    "reviews:detail": BySide(
        Section(RETURNS, "commentary-for-quarterly-review-meetings"),
        Section(OFFICER, "quarterly-review-meetings"),
    ),
    "reviews:new": Section(OFFICER, "planning-a-meeting"),
    "reviews:edit": Section(OFFICER, "planning-a-meeting"),
    "reviews:cancel": Section(OFFICER, "planning-a-meeting"),
    "reviews:attendee-add": Section(OFFICER, "attendees-including-nhs-partners"),
    "reviews:attendee-remove": Section(OFFICER, "attendees-including-nhs-partners"),
    "reviews:commentary": BySide(
        Section(RETURNS, "commentary-for-quarterly-review-meetings"),
        Section(OFFICER, "commentary-before-the-meeting"),
    ),
    "reviews:record": Section(OFFICER, "recording-the-meeting"),
    "reviews:override": Section(OFFICER, "recording-the-meeting"),
    "reviews:action-add": Section(OFFICER, "actions-including-actions-for-nhs-partners"),
    "reviews:actions": Section(OFFICER, "actions-including-actions-for-nhs-partners"),
    "reviews:action-update": Section(OFFICER, "actions-including-actions-for-nhs-partners"),
    "reviews:pack-request": Section(OFFICER, "producing-the-review-pack"),
    "reviews:pack": BySide(
        Section("reviews", "what-the-pack-holds"), Section(OFFICER, "producing-the-review-pack")
    ),
    "reviews:pack-issue": Section(OFFICER, "producing-the-review-pack"),
    # The portfolio.
    "portfolio:dashboard": Section(COMMISSIONER, "the-portfolio-dashboard"),
    "portfolio:benchmarks": BySide(
        Section("portfolio", "fair-benchmarking"), Section(COMMISSIONER, "benchmarking-with-funnel-plots")
    ),
    "portfolio:trend": BySide(
        Section("portfolio", "trends"), Section(COMMISSIONER, "the-trend-page-and-its-spc-chart")
    ),
    "portfolio:spc-baseline": Section("statistics", "statistical-process-control-xmr"),
    "portfolio:scrutiny": Section("scrutiny-reader", "the-scrutiny-report"),
    "accounts:email-preferences": BySide(Section(ADMIN, "email-preferences"), SIGNING_IN),
}


@dataclass(frozen=True)
class HelpLink:
    href: str
    label: str


# The home page is explained in each role's own guide (accounts.help.guides.start_with picks it).
HOME_SECTIONS = {
    "provider-returns": "your-home-page",
    "commissioner": "your-home-page",
    "contract-officer": "your-first-day",
    "quality-officer": "your-first-day",
    "scrutiny-reader": "your-first-day",
}


def help_link(
    view_name: str | None, is_provider: bool = False, role: str = "", is_admin: bool = False
) -> HelpLink:
    """The header's help link for the page of this URL name, as seen from a provider or a council (and
    for the home page, by the person's role)."""
    target = PAGE_HELP.get(view_name or "")
    if view_name == "home" and role:
        yours = [slug for slug in start_with(is_provider, role, is_admin) if slug in HOME_SECTIONS]
        if yours:
            target = Section(yours[0], HOME_SECTIONS[yours[0]])
    if isinstance(target, BySide):
        target = target.side(is_provider)
    if target is None:
        return HelpLink(reverse("help:index"), "Help")
    return HelpLink(target.href, "Help with this page")
