"""make bench-load, step 1: the people, contracts, API tokens and return files of one month-end run.

Usage: bench_load_setup.py RUN FOLDER. Makes (once) a council with 20 commissioners, and for RUN 50
providers, each with a contract (three targets) and an API token that may submit; writes each
provider's 2,000-episode return to FOLDER and the plan the load generator follows to FOLDER/RUN.json.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from accounts.access import acting_for
from accounts.api.tokens import api_token_create
from accounts.models import Membership, OrganisationKind, Role, User
from commissioning.demo.contracts import HOMECARE_TARGETS
from commissioning.models import CommissioningBody, Contract
from providers.models import Provider
from scripts.bench_returns import PERIOD, make_file
from scripts.benchmark.data import targets_create

UPLOADERS = int(os.environ.get("BENCH_UPLOADERS", "50"))
ROWS = int(os.environ.get("BENCH_ROWS", "2000"))
COMMISSIONERS = int(os.environ.get("BENCH_COMMISSIONERS", "20"))
PASSWORD = "bench-load-Passw0rd-only"


def main(run: str, folder: Path) -> None:
    council, _ = CommissioningBody.objects.get_or_create(
        name="Bench Load Council", defaults={"kind": OrganisationKind.COUNCIL}
    )
    commissioners = []
    for number in range(COMMISSIONERS):
        email = f"commissioner{number}@bench.example"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=PASSWORD, full_name=f"Commissioner {number}"
            )
            Membership.objects.create(user=user, organisation=council, role=Role.COMMISSIONER)
        commissioners.append({"email": email, "password": PASSWORD})
    content = make_file(ROWS)
    file_path = folder / "return.csv"
    file_path.write_bytes(content)
    uploads = []
    for number in range(UPLOADERS):
        provider = Provider.objects.create(name=f"Bench {run} Homecare {number:02d} Ltd")
        admin = User.objects.create_user(
            email=f"admin-{run}-{number}@bench.example", password=PASSWORD, full_name=f"Admin {number}"
        )
        Membership.objects.create(user=admin, organisation=provider, role=Role.APPROVER, is_admin=True)
        contract = Contract.objects.create(
            reference=f"LOAD-{run}-{number:02d}",
            title="Homecare, month-end load",
            service_type="homecare",
            lead_commissioner=council,
            provider=provider,
            start_date=date(2025, 4, 1),
            end_date=date(2028, 3, 31),
            status="active",
        )
        targets_create(contract, HOMECARE_TARGETS, date(2025, 4, 1))
        token = api_token_create(
            acting=acting_for(admin, provider.pk), name="Month-end load", scopes=["read", "submit"]
        ).secret
        uploads.append({"token": token, "contract": contract.pk, "period": PERIOD, "file": str(file_path)})
    contracts = list(Contract.objects.filter(lead_commissioner=council).values_list("pk", flat=True))
    plan = {"run": run, "uploads": uploads, "commissioners": commissioners, "contracts": contracts}
    (folder / f"{run}.json").write_text(json.dumps(plan))
    print(
        f"Set up run {run!r}: {len(uploads)} providers with a {ROWS:,}-row return, {len(commissioners)} commissioners"
    )


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
