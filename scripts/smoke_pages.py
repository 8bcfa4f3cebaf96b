"""Sign in over HTTP with each sign-in that `seed_demo` printed, and open the main pages.

Usage: python scripts/smoke_pages.py http://127.0.0.1:8000 seed_output.txt
Exits 1 on any failure, so the printed sign-ins (and demo API tokens) are checked exactly as a
newcomer would use them.
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path


def read_sign_ins(path: str) -> tuple[str, list[tuple[str, str]]]:
    """The password and (email, "Organisation: role") pairs from seed_demo's output."""
    text = Path(path).read_text(encoding="utf-8")
    password = re.search(r"every demo password is: (\S+)", text).group(1)
    people = re.findall(r"^\s+(\S+@\S+)\s+(.+)$", text, flags=re.MULTILINE)
    if not people:
        raise SystemExit("seed_demo printed no sign-ins")
    return password, people


# The crawl: every signed-in person starts from PAGES_ALL (commissioning bodies' people from
# PAGES_COUNCIL too) and follows every link to a page of the service, opening one page of each kind
# (a contract, a notice, a return's month…: see page_kind). tests/browser/test_every_page_browser.py
# runs the same crawl in Chromium with an accessibility scan and an HTML check of every page reached.
PAGES_ALL = [
    "/",
    "/account/",
    "/account/team/",
    "/contracts/",
    "/measures/",
    "/measures/AT_HOME_91D/",
    "/accessibility/",
    "/privacy/",
    "/help/",
    "/returns/",
    "/returns/guide/",
    "/qaf/",
    "/notices/",
    "/reviews/",
    "/reviews/actions/",
    "/portfolio/benchmarks/",
]
PAGES_COUNCIL = [
    "/providers/",
    "/returns/outstanding/",
    "/qaf/portfolio/",
    "/qaf/framework/",
    "/notices/figures/",
    "/notices/suggestions/",
    "/notices/settings/",
    "/portfolio/",
    "/portfolio/scrutiny/",
]
# Pages anyone can open before signing in.
PAGES_SIGNED_OUT = [
    "/account/sign-in/",
    "/account/signed-out/",
    "/account/password-reset/",
    "/account/password-reset/sent/",
    "/accessibility/",
    "/help/",
]
# Files (not pages) each person downloads once.
DOWNLOADS_ALL = [
    "/returns/guide.pdf",
    "/returns/template.csv",
    "/returns/template.xlsx",
    "/returns/example.csv",
    "/notices/register.csv",
    "/portfolio/exports/results.csv",
]
DOWNLOADS_COUNCIL = ["/portfolio/matrix.xlsx", "/portfolio/scrutiny.pdf"]

# Links the crawl never follows: files, the API and the admin site, and what signs out or switches.
NOT_PAGES = re.compile(
    r"^/(api|admin|static|media)/"
    r"|\.(csv|xlsx|pdf|json)$"
    r"|/file$|/files/\d+/$|/download/$"
    r"|^/account/(sign-out|organisation)/"
)
# Pages of the service the crawl does not open, by URL name, and why. Every other URL name must be
# reached by some demo person (the browser test checks it).
NOT_CRAWLED = {
    # Targets of forms (POST) on pages the crawl opens; what they answer is tested with the forms.
    "accounts:api-sign-off": "a form on the API tokens page",
    "accounts:api-token-revoke": "a form on the API tokens page",
    "accounts:email-preferences": "a form on the account page",
    "accounts:invitation-resend": "a form on the team page",
    "accounts:invitation-revoke": "a form on the team page",
    "accounts:member-remove": "a form on a member's page",
    "accounts:member-two-factor-reset": "a form on a member's page",
    "accounts:sign-out": "a form in the header",
    "accounts:switch-organisation": "a form in the header",
    "accounts:team-two-factor": "a form on the team page",
    "accounts:two-factor-off": "a form on the account page",
    "accounts:two-factor-recovery-codes": "a form on the account page",
    "commissioning:target-end": "a form on a target's page",
    "data-export:request": "a form on the export page",
    "notices:acknowledge": "a form on a notice's page",
    "notices:close": "a form on a notice's page",
    "notices:correct": "a form on a notice's page",
    "notices:escalate": "a form on a notice's page",
    "notices:evidence": "a form on a notice's page",
    "notices:extend": "a form on a notice's page",
    "notices:file-add": "a form on a draft notice's evidence page",
    "notices:respond": "a form on a notice's page",
    "qaf:action-add": "a form on an assessment's action plan",
    "qaf:action-done": "a form on an assessment's action plan",
    "qaf:action-review": "a form on an assessment's action plan",
    "qaf:comment-add": "a form on an assessment's page",
    "qaf:comment-respond": "a form on an assessment's page",
    "qaf:cqc-record": "a form on a provider's QAF page",
    "qaf:delay": "a form on an assessment's page",
    "qaf:evidence-upload": "a form on an assessment's action plan",
    "qaf:finalise": "a form on an assessment's page",
    "qaf:ratings": "a form on an assessment's page",
    "qaf:reassess": "a form on an assessment's page",
    "qaf:schedule": "a form on a provider's QAF page",
    "qaf:share": "a form on an assessment's page",
    "qaf:start": "a form on an assessment's page",
    "results:override": "a form on a result's page",
    "results:recompute": "a form on a scorecard",
    "returns:attempt-check-again": "a form on a return's page",
    "returns:attempt-sign-off": "a form on a return's page",
    "returns:nil": "a form on a month's page",
    "reviews:action-add": "a form on a meeting's record",
    "reviews:action-update": "a form on the action tracker",
    "reviews:attendee-add": "a form on a meeting's page",
    "reviews:attendee-remove": "a form on a meeting's page",
    "reviews:override": "a form on a meeting's record",
    "reviews:pack-issue": "a form on a pack's page",
    "reviews:pack-request": "a form on a meeting's page",
    "suggestions:dismiss": "a form on the suggestions page",
    "suggestions:dismiss-selected": "a form on the suggestions page (its check page answers the POST)",
    "suggestions:draft": "a form on the suggestions page",
    "suggestions:note": "a form on the suggestions page",
    # Files, not pages (the smoke run downloads the main ones: DOWNLOADS_ALL, DOWNLOADS_COUNCIL).
    "data-export:download": "a file",
    "notices:file": "a file",
    "notices:letter": "a PDF",
    "notices:register-csv": "a file",
    "portfolio:matrix-csv": "a file",
    "portfolio:matrix-xlsx": "a file",
    "portfolio:notices-xlsx": "a file",
    "portfolio:qaf-tracker-xlsx": "a file",
    "portfolio:results-csv": "a file",
    "portfolio:results-xlsx": "a file",
    "portfolio:scrutiny-pdf": "a PDF",
    "qaf:file": "a file",
    "qaf:framework-csv": "a file",
    "qaf:report": "a PDF",
    "qaf:tracker-csv": "a file",
    "returns:attempt-file": "a file",
    "returns:attempt-report-csv": "a file",
    "returns:example-csv": "a file",
    "returns:guide-pdf": "a PDF",
    "returns:last-month-xlsx": "a file",
    "returns:outstanding-csv": "a file",
    "returns:template-csv": "a file",
    "returns:template-xlsx": "a file",
    "reviews:actions-csv": "a file",
    "reviews:pack-pdf": "a PDF",
    # Fragments pages poll, and what is not a page of the service.
    "data-export:status": "a fragment the export page polls",
    "results:recompute-status": "a fragment the scorecard polls",
    "returns:attempt-status": "a fragment the upload page polls",
    "reviews:pack-status": "a fragment the pack page polls",
    "health": "a health check for the load balancer (JSON)",
    "help:image": "a screenshot shown in a guide (an image, not a page)",
    # Reached only with a secret from an email, or while signing in.
    "accounts:invitation": "needs the token emailed with an invitation",
    "accounts:password-reset-confirm": "needs the token emailed for a reset",
    "accounts:two-factor": "asked for only while signing in with a second step",
}


def page_kind(path: str) -> str:
    """What kind of page a path opens: its numbers, periods and measure codes made general, and its
    query's names without their values ("/notices/12/?tab=files" is "/notices/#/?tab")."""
    route, _, query = path.partition("?")
    route = re.sub(r"/\d{4}-\d{2}(-Q\d)?(?=/)", "/@", route)
    route = re.sub(r"/\d+(?=/|$)", "/#", route)
    route = re.sub(r"^/measures/[A-Z0-9_]+/", "/measures/@/", route)
    route = re.sub(r"^/help/[a-z0-9-]+/", "/help/@/", route)  # one guide stands for all (one renderer)
    names = sorted({part.partition("=")[0] for part in query.split("&") if part})
    return route + ("?" + "&".join(names) if names else "")


LINK = re.compile(r'href="(/[^"#]*)')


def page_links(body: str) -> list[str]:
    """The links on a page to other pages of the service."""
    found = (html.unescape(link) for link in LINK.findall(body))
    return list(dict.fromkeys(link for link in found if not NOT_PAGES.search(link.partition("?")[0])))


def role_kind(email: str, label: str) -> str:
    """People who see the same pages: the same role (and admin or not) on the same side."""
    side = "council" if "@riverton" in email else "provider"
    return f"{side}: {label.split(':', 1)[1].strip()}"


def crawl(fetch: Callable[[str], tuple[int, str]], seeds: list[str]) -> Iterator[tuple[str, int]]:
    """Open the seeds, then follow links breadth first, opening one page of each kind; yields each
    path with its status. `fetch(path)` answers the status and, for a page, its HTML."""
    queue = deque(dict.fromkeys(seeds))
    kinds = {page_kind(path) for path in queue}
    while queue:
        path = queue.popleft()
        status, body = fetch(path)
        yield path, status
        for link in page_links(body) if status == 200 else []:
            if page_kind(link) not in kinds:
                kinds.add(page_kind(link))
                queue.append(link)


def wait_for(base: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/account/sign-in/", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise SystemExit(f"The server at {base} did not start")


def check(base: str, password: str, people: list[tuple[str, str]]) -> list[str]:
    failures: list[str] = []
    css = urllib.request.urlopen(base + "/static/govuk/govuk-frontend.min.css")
    if css.status != 200:
        failures.append("GOV.UK Frontend CSS is not served")
    crawled: set[str] = set()
    for email, label in people:
        organisation = label.split(":")[0]
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(base + "/account/sign-in/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": email, "password": password, "next": "/"}
        ).encode()
        request = urllib.request.Request(base + "/account/sign-in/", data=data)
        home = opener.open(request).read().decode()
        if organisation not in home or "Sign out" not in home:
            failures.append(f"{email}: signing in did not land on the home page")
            continue
        council = "@riverton" in email
        seeds = PAGES_ALL + (PAGES_COUNCIL if council else [])

        def fetch(path: str, opener=opener, email=email) -> tuple[int, str]:
            try:
                with opener.open(base + path) as response:
                    kind = response.headers.get_content_type()
                    return response.status, response.read().decode() if kind == "text/html" else ""
            except urllib.error.HTTPError as error:
                failures.append(f"{email}: {path} answered {error.code}")
                return error.code, ""

        # The first person of each kind follows every link; the others open the main pages.
        kind = role_kind(email, label)
        opened = [path for path, _ in crawl(fetch, seeds)] if kind not in crawled else seeds
        if kind not in crawled:
            crawled.add(kind)
        else:
            for path in seeds:
                fetch(path)
        for path in DOWNLOADS_ALL + (DOWNLOADS_COUNCIL if council else []):
            fetch(path)
        print(f"  ok  {email} ({label}): {len(opened)} pages")
    return failures


API_COLLECTIONS = [
    "/api/v1/me/",
    "/api/v1/measures/",
    "/api/v1/contracts/",
    "/api/v1/returns/",
    "/api/v1/monthly-returns/",
    "/api/v1/results/?page_size=100",
    "/api/v1/qaf-status/",
    "/api/v1/notices/",
    "/api/v1/review-actions/",
]


def check_api(base: str, seed_output: str) -> list[str]:
    """Each demo API token printed by seed_demo reads every collection and the first item of each."""
    failures: list[str] = []
    tokens = re.findall(r"Bearer (hco_\S+)\"", Path(seed_output).read_text(encoding="utf-8"))
    if not tokens:
        return ["seed_demo printed no API tokens"]
    docs = urllib.request.urlopen(base + "/api/v1/docs/").read().decode()
    for asset in re.findall(r'src="(/static/drf_spectacular_sidecar/[^"]+)"', docs):
        if urllib.request.urlopen(base + asset).status != 200:
            failures.append(f"API docs asset {asset} is not served")
    for token in tokens:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        seen = 0
        for path in API_COLLECTIONS:
            try:
                with urllib.request.urlopen(urllib.request.Request(base + path, headers=headers)) as response:
                    body = json.loads(response.read())
            except urllib.error.HTTPError as error:
                failures.append(f"API token {token[:16]}…: {path} answered {error.code}")
                continue
            seen += 1
            first = ((body if isinstance(body, list) else body.get("results")) or [{}])[0]
            link = first.get("url") or first.get("links", {}).get("self")
            if link:
                try:
                    urllib.request.urlopen(urllib.request.Request(link, headers=headers))
                    seen += 1
                except urllib.error.HTTPError as error:
                    failures.append(f"API token {token[:16]}…: {link} answered {error.code}")
        print(f"  ok  API token {token[:16]}…: {seen} answers")
    return failures


def check_replaced(base: str, earlier_output: str) -> list[str]:
    """The API tokens an earlier load printed are refused: loading again replaced them."""
    failures = []
    for token in re.findall(r"Bearer (hco_\S+)\"", Path(earlier_output).read_text(encoding="utf-8")):
        request = urllib.request.Request(
            f"{base}/api/v1/me/", headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
        )
        try:
            urllib.request.urlopen(request, timeout=30)
            failures.append(f"API token {token[:16]}… of the earlier load still works")
        except urllib.error.HTTPError as error:
            if error.code != 401:
                failures.append(f"API token {token[:16]}… of the earlier load answered {error.code}, not 401")
    if not failures:
        print("  ok  the earlier load's API tokens are refused")
    return failures


if __name__ == "__main__":
    base_url = sys.argv[1].rstrip("/")
    demo_password, demo_people = read_sign_ins(sys.argv[2])
    wait_for(base_url)
    problems = check(base_url, demo_password, demo_people) + check_api(base_url, sys.argv[2])
    if len(sys.argv) > 3:
        problems += check_replaced(base_url, sys.argv[3])
    for problem in problems:
        print("FAIL", problem, file=sys.stderr)
    sys.exit(1 if problems else 0)
