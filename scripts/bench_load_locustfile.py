"""make bench-load, step 2: month-end, as the load generator plays it (locust, in its own environment).

- 50 providers' systems each upload one 2,000-episode return through the API (with an
  Idempotency-Key), then poll it, honouring Retry-After, until the checks finish;
- 20 commissioners, signed in through the sign-in form, browse the pages they use at month-end.

The plan (tokens, contracts, people) comes from bench_load_setup.py, named by BENCH_LOAD_PLAN.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import uuid

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["BENCH_LOAD_PLAN"]).read())  # noqa: SIM115
_uploads = iter(PLAN["uploads"])
_commissioners = itertools.cycle(PLAN["commissioners"])
_contracts = itertools.cycle(PLAN["contracts"])
IN_PROGRESS = {"received", "validating"}


class ProviderSystem(HttpUser):
    """One provider's system: upload the month's return once, then follow it until it is checked."""

    fixed_count = len(PLAN["uploads"])

    def wait_time(self) -> float:
        """As long as the service's Retry-After says (5 s at most; idle once the return is checked)."""
        return min(self.wait_seconds, 5.0)

    def on_start(self) -> None:
        self.upload = next(_uploads)
        self.headers = {"Authorization": f"Bearer {self.upload['token']}"}
        self.attempt_url: str | None = None
        self.finished = False
        self.wait_seconds = 0.0

    @task
    def month_end(self) -> None:
        if self.finished:
            self.wait_seconds = 5.0  # done: idle until the run ends
        elif self.attempt_url is None:
            with open(self.upload["file"], "rb") as handle:
                response = self.client.post(
                    "/api/v1/returns/",
                    data={"contract": self.upload["contract"], "period": self.upload["period"]},
                    files={"file": ("month-end.csv", handle, "text/csv")},
                    headers={**self.headers, "Idempotency-Key": str(uuid.uuid4())},
                    name="API: submit a return (2,000 rows)",
                )
            if response.status_code == 202:
                self.attempt_url = response.headers["Location"]
                self.wait_seconds = float(response.headers.get("Retry-After", 1))
            else:
                self.wait_seconds = 1.0
        else:
            response = self.client.get(
                self.attempt_url, headers=self.headers, name="API: follow a submission"
            )
            if response.ok and response.json()["status"] not in IN_PROGRESS:
                self.finished = True
            self.wait_seconds = float(response.headers.get("Retry-After", 1))


class Commissioner(HttpUser):
    """A commissioner at month-end: the portfolio, contracts, outstanding returns, scorecards."""

    fixed_count = len(PLAN["commissioners"])
    wait_time = between(1, 3)

    def on_start(self) -> None:
        person = next(_commissioners)
        page = self.client.get("/account/sign-in/", name="Sign in (form)")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        self.client.post(
            "/account/sign-in/",
            data={
                "username": person["email"],
                "password": person["password"],
                "csrfmiddlewaretoken": token[1],
            },
            headers={"Referer": self.host + "/account/sign-in/"},
            name="Sign in",
        )

    @task(3)
    def portfolio(self) -> None:
        self.client.get("/portfolio/", name="Portfolio dashboard")

    @task(2)
    def contracts(self) -> None:
        self.client.get("/contracts/", name="Contracts")

    @task(2)
    def outstanding(self) -> None:
        self.client.get("/returns/outstanding/", name="Outstanding returns")

    @task(2)
    def scorecard(self) -> None:
        self.client.get(f"/results/contracts/{next(_contracts)}/", name="Scorecard")

    @task(1)
    def home(self) -> None:
        self.client.get("/", name="Home")
