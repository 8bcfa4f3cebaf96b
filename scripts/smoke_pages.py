"""Sign in over HTTP with each sign-in that `seed_demo` printed, and open the main pages.

Usage: python scripts/smoke_pages.py http://127.0.0.1:8000 seed_output.txt
Exits 1 on any failure, so the printed sign-ins (and demo API tokens) are checked exactly as a
newcomer would use them.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path


def read_sign_ins(path: str) -> tuple[str, list[tuple[str, str]]]:
    """The password and (email, "Organisation: role") pairs from seed_demo's output."""
    text = Path(path).read_text(encoding="utf-8")
    password = re.search(r"every demo password is: (\S+)", text).group(1)
    people = re.findall(r"^\s+(\S+@\S+)\s+(.+)$", text, flags=re.MULTILINE)
    if not people:
        raise SystemExit("seed_demo printed no sign-ins")
    return password, people


PAGES_ALL = [
    "/",
    "/account/",
    "/account/team/",
    "/contracts/",
    "/measures/",
    "/measures/AT_HOME_91D/",
    "/accessibility/",
    "/returns/",
    "/returns/guide/",
    "/returns/template.csv",
    "/returns/template.xlsx",
    "/returns/example.csv",
    "/qaf/",
    "/notices/",
    "/notices/register.csv",
    "/reviews/",
    "/reviews/actions/",
    "/portfolio/benchmarks/",
    "/portfolio/exports/results.csv",
]
PAGES_COMMISSIONER = [
    "/providers/",
    "/returns/outstanding/",
    "/qaf/portfolio/",
    "/qaf/framework/",
    "/notices/figures/",
    "/notices/suggestions/",
    "/notices/settings/",
    "/portfolio/",
    "/portfolio/matrix.xlsx",
    "/portfolio/scrutiny/",
    "/portfolio/scrutiny.pdf",
]
# Pages found by following links from these lists (the first few of each).
FOLLOW = {
    "/notices/": re.compile(r'href="(/notices/\d+/)"'),
    "/reviews/": re.compile(r'href="(/reviews/\d+/)"'),
    "/portfolio/": re.compile(r'href="(/results/(?:contracts/)?\d+/)"'),
    "/notices/suggestions/": re.compile(r'href="(/contracts/\d+/)"'),
}


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
        pages = PAGES_ALL + (PAGES_COMMISSIONER if "@riverton" in email else [])
        for path in pages:
            try:
                response = opener.open(base + path)
            except urllib.error.HTTPError as error:
                failures.append(f"{email}: {path} answered {error.code}")
                continue
            if response.status != 200:
                failures.append(f"{email}: {path} answered {response.status}")
            elif path in FOLLOW:
                body = response.read().decode()
                for found in list(dict.fromkeys(FOLLOW[path].findall(body)))[:3]:
                    pages = [*pages, found]
                    try:
                        opener.open(base + found)
                    except urllib.error.HTTPError as error:
                        failures.append(f"{email}: {found} answered {error.code}")
        print(f"  ok  {email} ({label}): {len(pages)} pages")
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
