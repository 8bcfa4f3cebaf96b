"""Every page of the service, as every kind of demo person, in Debian's Chromium.

The whole demo is loaded once (the only test that loads it, returns and all: its output and what it
holds are checked first). Then the first demo person of each kind (role and admin or not, council or
provider side) signs in and runs the smoke crawl of scripts/smoke_pages.py: the main pages, then every
link to a page of the service, one page of each kind. Each page reached answers 200; each distinct
page (per side) is scanned with axe at 1280 px and 375 px wide (a serious or critical violation fails)
and its HTML, as the server sent it, is checked with the Nu HTML Checker (an error fails). Every URL of
the service is reached by someone or listed, with its reason, in NOT_CRAWLED. Last, the guides' screenshots
are taken (scripts/guide_shots.py): each page shown must answer 200 with no script error and no axe
violation of any impact.
"""

from __future__ import annotations

import re
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone
from playwright.sync_api import Page, expect
from rest_framework.test import APIClient

from accounts.help.guides import guide_list
from commissioning.demo.organisations import DEMO_PASSWORD, PEOPLE
from commissioning.models import Contract, ContractStatus
from commissioning.notices.models import Notice
from commissioning.qaf.models import Assessment, QafStatus
from outcomes.demo.returns import END_OF_LIFE, IMPROVING, SLIPPING, demo_calendar
from outcomes.models import AttemptStatus, ComplianceResult, MonthlyReturn, ReturnAttempt
from outcomes.periods import add_months, due_at, quarter_period
from outcomes.reviews.models import ReviewMeeting, ReviewPack
from providers.models import Provider
from scripts.guide_shots import SHOTS, take_screenshots
from scripts.smoke_pages import (
    NOT_CRAWLED,
    PAGES_ALL,
    PAGES_COUNCIL,
    PAGES_SIGNED_OUT,
    crawl,
    role_kind,
)
from tests.browser.axe import AXE, serious_violations_at_both_widths
from tests.browser.html_check import MISSING, html_checker, html_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KNOWN_BAD = '<!DOCTYPE html><html lang="en"><head><title>Bad</title></head><body><p>One</p></p></body></html>'

BEARER = re.compile(r'curl -H "Authorization: Bearer (hco_\S+)" \S+/api/v1/me/')


def _me(raw: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.get("/api/v1/me/")


def _load_the_whole_demo(settings) -> None:
    """`seed_demo` end to end: what it prints and what it holds."""
    settings.DEBUG = True  # the command refuses to run in production
    out = StringIO()
    call_command("seed_demo", stdout=out)
    settings.DEBUG = False
    output = out.getvalue()
    # Every demo person and the published password are printed.
    assert DEMO_PASSWORD in output
    for person in PEOPLE:
        assert person.email in output
    _the_demo_year()
    assert ReturnAttempt.objects.filter(status=AttemptStatus.REJECTED).count() == 1
    corrected = ReturnAttempt.objects.get(version=2)
    assert corrected.changes == {"added": 0, "removed": 0, "changed": 2}
    assert ReturnAttempt.objects.filter(status=AttemptStatus.SUPERSEDED).count() == 1
    late = ReturnAttempt.objects.filter(version=1, late=True)
    assert [attempt.monthly_return.contract.reference for attempt in late] == ["RCC-HC-003"]
    # Results, QAF statuses, notices and review meetings follow from them.
    assert ComplianceResult.objects.exists() and QafStatus.objects.exists()
    assert Notice.objects.exists() and ReviewMeeting.objects.count() == 8
    # Two API tokens, each printed once with a curl line that works.
    tokens = BEARER.findall(output)
    assert len(tokens) == 2
    provider, council = (_me(raw).json() for raw in tokens)
    assert (provider["organisation"]["name"], provider["token"]["scopes"]) == (
        "Acme Homecare Ltd",
        ["read", "submit"],
    )
    assert (council["organisation"]["name"], council["token"]["scopes"]) == (
        "Riverton City Council",
        ["read"],
    )


def _quarter_rate(reference: str, measure: str, period: str) -> float:
    result = ComplianceResult.objects.get(
        contract__reference=reference,
        target__measure=measure,
        period=period,
        is_latest=True,
        **({"target__params__window_days": 42} if measure == "INDEPENDENT_WITHIN" else {}),
    )
    return result.numerator / result.denominator


def _the_demo_year() -> None:
    """Returns from each contract's start to the last month ended, none overdue; the year's story."""
    calendar = demo_calendar()
    now = timezone.now()
    contracts = Contract.objects.filter(status__in=[ContractStatus.ACTIVE, ContractStatus.SUSPENDED])
    assert contracts.count() == 11  # the draft re-let has no returns
    for contract in contracts:
        months = calendar.months(contract)
        accepted = set(
            MonthlyReturn.objects.filter(contract=contract, attempts__is_current=True).values_list(
                "month", flat=True
            )
        )
        submitted = set(MonthlyReturn.objects.filter(contract=contract).values_list("month", flat=True))
        assert len(months) >= 13 and months[-1] == calendar.last, contract.reference
        due = [m for m in months if due_at(m, contract.return_due_day) < now]
        assert accepted >= set(due), f"{contract.reference}: a return shown overdue"
        assert submitted <= set(months), f"{contract.reference}: a return for a month not ended"
    # Acme's reablement improving, Harbour's slipping: the latest quarter against a year earlier.
    latest = quarter_period(add_months(quarter_period(calendar.last).start, -3))
    earlier = quarter_period(add_months(latest.start, -12)).identifier
    assert _quarter_rate(IMPROVING, "INDEPENDENT_WITHIN", latest.identifier) > _quarter_rate(
        IMPROVING, "INDEPENDENT_WITHIN", earlier
    )
    assert _quarter_rate(SLIPPING, "HELP_48H", latest.identifier) < _quarter_rate(
        SLIPPING, "HELP_48H", earlier
    )
    # The end-of-life contract has enough deaths to rate; the late-reported episode restated a month.
    eol = ComplianceResult.objects.get(
        contract__reference=END_OF_LIFE,
        target__measure="DIED_PREFERRED_PLACE",
        period=latest.identifier,
        is_latest=True,
    )
    assert eol.not_rated_reason is None and eol.denominator >= 10
    reference, month = calendar.late_reported
    restated = ComplianceResult.objects.filter(
        contract__reference=reference, period=f"{month:%Y-%m}", is_latest=True, restated=True
    )
    assert restated.exists()


def _url_names(patterns=None, namespace: str = "") -> set[str]:
    """Every named URL of the service's pages (the API and the admin site aside)."""
    names: set[str] = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith(("api/", "admin/")):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def _sign_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_be_visible()


def _one_of_each_state(person) -> list[str]:
    """A page of one notice, QAF assessment, review meeting, pack and return of each status the demo
    holds (that the person's side can see), so the crawl meets the links each state offers."""
    provider = Provider.objects.filter(name=person.organisation).first()
    mine = {"provider": provider} if provider else {}
    found: list[str] = []
    for model, route, hidden_from_providers in (
        (Notice, "notices:detail", ("draft",)),
        (Assessment, "qaf:assessment", ("scheduled", "started", "cancelled")),
        (ReviewMeeting, "reviews:detail", ()),
    ):
        rows = model.objects.filter(**mine).exclude(status__in=hidden_from_providers if provider else ())
        for status in rows.values_list("status", flat=True).distinct():
            found.append(reverse(route, args=[rows.filter(status=status).order_by("pk")[0].pk]))
    packs = ReviewPack.objects.filter(**({"meeting__provider": provider} if provider else {}))
    for status in packs.values_list("status", flat=True).distinct():
        found.append(reverse("reviews:pack", args=[packs.filter(status=status).order_by("pk")[0].pk]))
    attempts = ReturnAttempt.objects.filter(
        **({"monthly_return__contract__provider": provider} if provider else {})
    )
    for status in attempts.values_list("status", flat=True).distinct():
        found.append(reverse("returns:attempt", args=[attempts.filter(status=status).order_by("pk")[0].pk]))
    return found


def test_every_page_as_every_kind_of_demo_person(page: Page, live_server, settings, tmp_path):
    checker = html_checker()  # before the long part: in CI a missing checker fails at once
    started = time.monotonic()
    settings.MEDIA_ROOT = tmp_path / "media"
    _load_the_whole_demo(settings)
    loaded = time.monotonic()
    base = live_server.url
    page.context.add_init_script(path=AXE)  # axe in every page, before it is scanned
    problems: list[str] = []
    saved: dict[Path, str] = {}  # the HTML of each page scanned, and the page's address
    scanned: set[tuple[str, str]] = set()  # (side, path)
    wide: dict[tuple[str, str], list[str]] = {}  # every violation at 1280 px, by (email, path)
    reached: set[str] = set()  # URL names
    opened: dict[str, int] = {}  # pages per kind of person
    spent = {"axe": 0.0, "load": 0.0, "shots": 0.0}  # seconds scanning, loading pages, taking shots

    def crawl_as(kind: str, email: str, seeds: list[str]) -> None:
        side = kind.partition(":")[0]

        def fetch(path: str) -> tuple[int, str]:
            reached.add(resolve(path.partition("?")[0]).view_name)
            if (side, path) in scanned:
                answer = page.request.get(base + path)
                html = "text/html" in answer.headers.get("content-type", "")
                return answer.status, answer.text() if html and answer.ok else ""
            begin = time.monotonic()
            response = page.goto(base + path, wait_until="domcontentloaded")  # styles are in by then
            spent["load"] += time.monotonic() - begin
            assert response is not None
            if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
                return response.status, ""
            body = response.text()
            scanned.add((side, path))
            begin = time.monotonic()
            every = wide.setdefault((email, path), [])  # for the screenshots: not scanned again
            problems.extend(
                f"{kind}: {problem}" for problem in serious_violations_at_both_widths(page, every)
            )
            spent["axe"] += time.monotonic() - begin
            file = tmp_path / f"page-{len(saved):03d}.html"
            file.write_text(body, encoding="utf-8")
            saved[file] = f"{path} (as {kind})"
            return response.status, body

        pages = list(crawl(fetch, seeds))
        opened[kind] = len(pages)
        problems.extend(f"{kind}: {path} answered {status}" for path, status in pages if status != 200)

    page.context.clear_cookies()
    crawl_as("signed out", "", PAGES_SIGNED_OUT)
    for person in PEOPLE:
        kind = role_kind(person.email, f"{person.organisation}: {person.label}")
        if kind not in opened:
            _sign_in(page, base, person.email)
            council = kind.startswith("council")
            crawl_as(
                kind,
                person.email,
                PAGES_ALL + (PAGES_COUNCIL if council else []) + _one_of_each_state(person),
            )
    # The crawl opens one guide of /help/ (one renderer makes them all): every other one's HTML is
    # checked as well.
    for guide in guide_list():
        answer = page.request.get(f"{base}/help/{guide.slug}/")
        if answer.status != 200:
            problems.append(f"/help/{guide.slug}/ answered {answer.status}")
            continue
        file = tmp_path / f"guide-{guide.slug}.html"
        file.write_text(answer.text(), encoding="utf-8")
        saved[file] = f"/help/{guide.slug}/"
    # The guides' screenshots, taken as `make docs-screenshots` takes them: each page shown answers 200,
    # raises no script error and has no accessibility violation of any impact.
    shots = tmp_path / "shots"
    # Pages the crawl opened as the same person are not scanned again; the PNGs are kept as taken.
    begin = time.monotonic()
    taken = take_screenshots(page, base, shots, scanned=wide, quantize=False)
    spent["shots"] = time.monotonic() - begin
    problems += [f"screenshot {problem}" for problem in taken]
    assert problems or all((shots / f"{shot.name}.png").stat().st_size > 10_000 for shot in SHOTS)
    crawled = time.monotonic()

    names = _url_names()
    problems += [
        f"no demo person reached {name} (crawl it, or say in NOT_CRAWLED why not)"
        for name in sorted(names - reached - NOT_CRAWLED.keys())
    ]
    problems += [
        f"NOT_CRAWLED names {name}, which is no URL of the service"
        for name in sorted(NOT_CRAWLED.keys() - names)
    ]
    if checker:
        # The check finds what it should: a page with a paragraph closed twice is an error.
        known_bad = tmp_path / "known-bad.html"
        known_bad.write_text(KNOWN_BAD, encoding="utf-8")
        errors = html_errors(checker, {**saved, known_bad: "known bad"})
        assert any(error.startswith("known bad") for error in errors), errors
        problems += [error for error in errors if not error.startswith("known bad")]
    summary = (
        f"{len(scanned)} distinct pages scanned ({sum(opened.values())} opened: "
        + ", ".join(f"{kind} {count}" for kind, count in opened.items())
        + f"); demo loaded in {loaded - started:.0f} s, crawled and scanned in {crawled - loaded:.0f} s "
        f"(loading pages {spent['load']:.0f} s, axe {spent['axe']:.0f} s; {len(SHOTS)} screenshots taken in "
        f"{spent['shots']:.0f} s), "
        f"HTML checked in {time.monotonic() - crawled:.0f} s"
    )
    print(summary)
    assert not problems, f"{len(problems)} problems ({summary}):\n" + "\n".join(problems)
    if not checker:
        pytest.skip(f"the pages were crawled and scanned, but {MISSING}")
