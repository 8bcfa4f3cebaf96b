"""The Python example in docs/api.md, run as written against a live server: it submits a return,
polls its checks, signs it off with an approver's token and prints the results."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from outcomes.models import ReturnAttempt
from outcomes.returns import files as templates_files

DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def _python_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1, "docs/api.md should hold one Python example"
    return blocks[0]


@pytest.mark.django_db(transaction=True)
def test_the_documented_python_example_submits_polls_signs_off_and_reads_results(
    api_world, live_server, tmp_path
):

    script = tmp_path / "submit_return.py"
    script.write_text(_python_example(), encoding="utf-8")
    data = tmp_path / "june-2025.csv"
    data.write_bytes(templates_files.example_csv())
    env = {
        **os.environ,
        "HCO_API": f"{live_server.url}/api/v1",
        "HCO_TOKEN": api_world.tokens["a_sign_off"],
    }
    run = subprocess.run(
        [sys.executable, str(script), "J-1", templates_files.EXAMPLE_PERIOD, str(data)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Acting for Acme Homecare Ltd" in run.stdout
    assert "Signed off as version 1" in run.stdout
    assert re.search(r"^2025-26-Q1 INDEPENDENT_WITHIN: ", run.stdout, flags=re.MULTILINE), run.stdout
    accepted = ReturnAttempt.objects.get(
        is_current=True, monthly_return__contract=api_world.contracts["joint"]
    )
    assert accepted.source == "api"
    assert "via API token 'a_sign_off'" in accepted.signed_off_by_label


@pytest.mark.django_db(transaction=True)
def test_the_documented_python_example_explains_a_rejected_file(api_world, live_server, tmp_path):
    script = tmp_path / "submit_return.py"
    script.write_text(_python_example(), encoding="utf-8")
    data = tmp_path / "broken.csv"
    data.write_text("episode_ref,person_ref\nE1,P1\n", encoding="utf-8")
    env = {**os.environ, "HCO_API": f"{live_server.url}/api/v1", "HCO_TOKEN": api_world.tokens["a_submit"]}
    run = subprocess.run(
        [sys.executable, str(script), "J-1", "2025-06", str(data)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Rejected" in run.stdout or "rejected" in run.stdout
    assert "row" in run.stdout
