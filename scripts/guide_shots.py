"""The guides' screenshots: which pages, as whom, and how each is checked and taken.

Each shot signs in as a demo person, opens a page as a new user would reach it, checks that it answers
200, raises no script error and has no accessibility violation (axe-core, WCAG 2.0–2.2 A and AA, at
any impact), and saves a PNG of what a 1280 px wide screen shows. `make docs-screenshots`
(scripts/docs_screenshots.sh) takes them from a fresh demo into docs/guides/images/; the every-page
browser test (tests/browser/test_every_page_browser.py) takes every one the same way on the demo it
loads, so a guide's picture of a page that breaks fails the suite. Needs Django set up on the demo's
database (the shots find their pages in it).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page

from commissioning.demo.organisations import DEMO_PASSWORD
from commissioning.models import Contract
from commissioning.notices.models import Notice
from commissioning.qaf.models import Assessment
from outcomes.demo.returns import demo_calendar
from outcomes.models import ComplianceResult, MonthlyReturn, ReturnAttempt
from outcomes.periods import add_months, quarter_period
from outcomes.reviews.models import ReviewMeeting, ReviewPack
from tests.browser.axe import violations

VIEWPORT = {"width": 1280, "height": 860}


@dataclass(frozen=True)
class Shot:
    """One screenshot: the file name, who takes it, the page (a path, or a function giving it once
    the demo is loaded), and what to show at the top of the screen (a CSS selector), if not the top."""

    name: str
    email: str
    path: str | Callable[[], str]
    top: str = ""

    def address(self) -> str:
        return self.path if isinstance(self.path, str) else self.path()


# --- The pages, found as the demo holds them ------------------------------------------------------


def _contract(reference: str):
    return Contract.objects.get(reference=reference)


def _latest_quarter() -> str:
    return quarter_period(add_months(quarter_period(demo_calendar().last).start, -3)).identifier


def _result(reference: str, measure: str) -> str:
    result = (
        ComplianceResult.objects.filter(
            contract=_contract(reference), target__measure=measure, period=_latest_quarter(), is_latest=True
        )
        .order_by("target_id")
        .first()
    )
    assert result is not None, f"no result of {measure} for {reference}"
    return reverse("results:detail", args=[result.pk])


def _trend(reference: str, measure: str) -> str:
    contract = _contract(reference)
    target = contract.targets.filter(measure=measure).order_by("pk").first()
    return reverse("portfolio:trend", args=[contract.pk, target.pk])


def _scorecard(reference: str) -> str:
    return reverse("results:scorecard", args=[_contract(reference).pk])


def _attempt(reference: str, status: str, newest: bool = True) -> str:
    attempts = ReturnAttempt.objects.filter(monthly_return__contract=_contract(reference), status=status)
    attempt = attempts.order_by("-monthly_return__month" if newest else "monthly_return__month").first()
    assert attempt is not None, f"no {status} return for {reference}"
    return reverse("returns:attempt", args=[attempt.pk])


def _month(reference: str) -> str:
    month = MonthlyReturn.objects.filter(contract=_contract(reference)).order_by("-month").first()
    return reverse("returns:month", args=[month.contract_id, f"{month.month:%Y-%m}"])


def _notice(provider: str, statuses: tuple[str, ...]) -> str:
    notice = Notice.objects.filter(provider__name=provider, status__in=statuses).order_by("-pk").first()
    assert notice is not None, f"no notice for {provider} in {statuses}"
    return reverse("notices:detail", args=[notice.pk])


def _new_notice(reference: str) -> str:
    return reverse("notices:new", args=[_contract(reference).pk])


def _meeting(status: str) -> str:
    meeting = ReviewMeeting.objects.filter(status=status).order_by("-held_on").first()
    return reverse("reviews:detail", args=[meeting.pk])


def _pack() -> str:
    pack = ReviewPack.objects.filter(issued_at__isnull=False).order_by("-issued_at").first()
    return reverse("reviews:pack", args=[pack.pk])


def _assessment(provider: str) -> str:
    assessment = Assessment.objects.filter(provider__name=provider).order_by("-started_on").first()
    return reverse("qaf:assessment", args=[assessment.pk])


def _action_plan(provider: str) -> str:
    assessment = Assessment.objects.filter(provider__name=provider).order_by("-started_on").first()
    return reverse("qaf:actions", args=[assessment.pk])


SUBMITTER, APPROVER, PROVIDER_ADMIN = "submitter@acme.example", "approver@acme.example", "admin@acme.example"
COMMISSIONER, OFFICER = "commissioner@riverton.example", "contracts@riverton.example"
QUALITY, SCRUTINY = "quality@riverton.example", "viewer@riverton.example"

SHOTS = [
    # The provider's office: returns.
    Shot("provider-home", SUBMITTER, "/"),
    Shot("provider-returns", SUBMITTER, "/returns/"),
    Shot("return-month", SUBMITTER, lambda: _month("RCC-HC-001")),
    Shot("return-upload", SUBMITTER, lambda: _month("RCC-RB-003"), top="#id_file"),
    Shot("return-rejected", SUBMITTER, lambda: _attempt("RCC-HC-001", "rejected")),
    Shot("data-standard", SUBMITTER, "/returns/guide/"),
    # The registered manager: sign-off, notices, figures.
    Shot("return-sign-off", APPROVER, lambda: _attempt("RCC-RB-003", "valid"), top="#sign-off"),
    Shot("provider-notice", APPROVER, lambda: _notice("Acme Homecare Ltd", ("issued", "acknowledged"))),
    Shot("provider-scorecard", APPROVER, lambda: _scorecard("RCC-RB-003")),
    Shot("qaf-actions", APPROVER, lambda: _action_plan("Acme Homecare Ltd")),
    # The provider's organisation admin.
    Shot("team", PROVIDER_ADMIN, "/account/team/"),
    Shot("api-tokens", PROVIDER_ADMIN, "/account/api-tokens/"),
    Shot("invite", PROVIDER_ADMIN, "/account/team/invite/"),
    Shot("api-token-new", PROVIDER_ADMIN, "/account/api-tokens/new/"),
    Shot("audit-log", PROVIDER_ADMIN, "/account/audit/"),
    # The commissioner: where the portfolio stands, and why a figure is red.
    Shot("council-home", COMMISSIONER, "/"),
    Shot("portfolio", COMMISSIONER, "/portfolio/"),
    Shot("scorecard", COMMISSIONER, lambda: _scorecard("RCC-RB-002")),
    Shot("result-red", COMMISSIONER, lambda: _result("RCC-RB-002", "HELP_48H")),
    Shot("trend-spc", COMMISSIONER, lambda: _trend("RCC-RB-002", "HELP_48H")),
    Shot("benchmarks", COMMISSIONER, "/portfolio/benchmarks/"),
    Shot("scorecard-table", COMMISSIONER, lambda: _scorecard("RCC-RB-002"), top="#scorecard-caption"),
    Shot(
        "trend-spc-chart",
        COMMISSIONER,
        lambda: _trend("RCC-RB-002", "HELP_48H"),
        top="[data-testid=spc-chart]",
    ),
    Shot("benchmarks-funnel", COMMISSIONER, "/portfolio/benchmarks/", top="[data-testid=funnel-short-term]"),
    # The contract officer: returns, notices, review meetings.
    Shot("returns-outstanding", OFFICER, "/returns/outstanding/"),
    Shot("suggestions", OFFICER, "/notices/suggestions/"),
    Shot("notice-new", OFFICER, lambda: _new_notice("RCC-RB-002")),
    Shot("notice-register", OFFICER, "/notices/"),
    Shot("review-coming", OFFICER, lambda: _meeting("planned")),
    Shot("review-pack", OFFICER, _pack),
    Shot(
        "notice-decision", OFFICER, lambda: _notice("Brookside Care Services", ("responded",)), top="#decide"
    ),
    Shot("review-attendees", OFFICER, lambda: _meeting("planned"), top="#add-external"),
    Shot("review-record", OFFICER, lambda: _meeting("recorded"), top="[data-testid=decisions]"),
    # The quality officer: the QAF.
    Shot("qaf-tracker", QUALITY, "/qaf/"),
    Shot("qaf-assessment", QUALITY, lambda: _assessment("Brookside Care Services")),
    Shot("qaf-portfolio", QUALITY, "/qaf/portfolio/"),
    Shot("qaf-verify", QUALITY, lambda: _action_plan("Acme Homecare Ltd")),
    # The scrutiny reader.
    Shot("scrutiny", SCRUTINY, "/portfolio/scrutiny/"),
    Shot("scrutiny-figures", SCRUTINY, "/portfolio/scrutiny/", top="[data-testid=scrutiny-portfolio]"),
]


# --- Taking them ----------------------------------------------------------------------------------


def _sign_in(page: Page, base: str, email: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("current-organisation").wait_for()


def _save(png: bytes, path: Path, quantize: bool = True) -> None:
    """The screenshot as a 64-colour PNG: pages are flat colours and text, so it reads the same at a
    third of the size in the repository (unless ``quantize`` is off: as the browser took it)."""
    if not quantize:
        path.write_bytes(png)
        return
    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        path, optimize=True
    )


def addresses(shots: list[Shot] = SHOTS) -> dict[str, str]:
    """Each shot's page, found in the demo's database (before a browser starts: Django's database
    calls refuse to run inside the browser driver's event loop); a problem's text where there is none."""
    found = {}
    for shot in shots:
        try:
            found[shot.name] = shot.address()
        except (AssertionError, ObjectDoesNotExist, AttributeError) as missing:
            found[shot.name] = f"!the demo has no such page ({missing or type(missing).__name__})"
    return found


def take_screenshots(
    page: Page,
    base: str,
    out: Path,
    paths: dict[str, str] | None = None,
    shots: list[Shot] = SHOTS,
    *,
    scanned: dict[tuple[str, str], list[str]] | None = None,
    quantize: bool = True,
) -> list[str]:
    """Take every shot into ``out``; the problems found (an answer other than 200, a script error,
    an accessibility violation), one line each. Signs in again only when the person changes.

    ``scanned`` holds what axe already found (every impact, at 1280 px) on pages opened as a person,
    by (email, path): those pages are not scanned again. ``quantize`` off keeps the browser's PNGs."""
    paths = addresses(shots) if paths is None else paths
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_viewport_size(VIEWPORT)
    who = None
    found = dict(scanned or {})
    reported: set[tuple[str, str]] = set()  # another part of a page already reported: not again
    for shot in shots:
        path = paths[shot.name]
        if path.startswith("!"):
            problems.append(f"{shot.name}: {path[1:]}")
            continue
        if shot.email != who:
            _sign_in(page, base, shot.email, DEMO_PASSWORD)
            who = shot.email
        errors.clear()
        response = page.goto(base + path, wait_until="load")
        status = response.status if response is not None else 0
        if status != 200:
            problems.append(f"{shot.name}: {path} answered {status}")
            continue
        if "/account/sign-in/" in page.url:
            problems.append(f"{shot.name}: {path} asked {shot.email} to sign in")
            continue
        problems += [f"{shot.name}: {path}: script error: {error}" for error in errors]
        if (shot.email, path) not in reported:
            reported.add((shot.email, path))
            if (shot.email, path) not in found:
                found[shot.email, path] = violations(page, impacts=None)
            problems += [f"{shot.name}: {problem}" for problem in found[shot.email, path]]
        if shot.top:
            part = page.locator(shot.top).first
            if not part.count():
                problems.append(f"{shot.name}: {path} has nothing matching {shot.top}")
                continue
            part.scroll_into_view_if_needed()
        _save(page.screenshot(animations="disabled", caret="hide"), out / f"{shot.name}.png", quantize)
    return problems
