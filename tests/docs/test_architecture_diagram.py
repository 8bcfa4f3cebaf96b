"""docs/architecture.svg, and the tables that say the same in docs/architecture.md, are drawn from the
code by scripts/architecture_diagram.py: these fail when they no longer match it, and check that the
drawing stays readable."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from scripts.architecture.canvas import Drawing, contrast, wrap
from scripts.architecture.facts import DiagramError, Reader, Step, step_resolve, tasks_read
from scripts.architecture_diagram import FLOW, READERS

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"


def test_the_diagram_and_its_tables_match_the_code():
    result = subprocess.run(
        [sys.executable, "scripts/architecture_diagram.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_step_names_a_function_that_exists():
    tasks, _ = tasks_read()
    resolved = [step_resolve(step, tasks) for step in (*FLOW, *READERS)]
    assert [step.function for step in resolved] == [step.function for step in (*FLOW, *READERS)]
    assert {step.task.queue for step in resolved if step.task} == {"validation", "compliance"}


@pytest.mark.parametrize(
    ("step", "named"),
    [
        (Step("Upload", "outcomes.returns.services", "return_upload_gone", "…"), "return_upload_gone"),
        (Step("Upload", "outcomes.returns.gone", "return_submit", "…"), "outcomes.returns.gone"),
        (
            Step(
                "Validation",
                "outcomes.returns.tasks",
                "return_validate",
                "…",
                calls=("outcomes.returns.validation", "gone"),
            ),
            "outcomes.returns.validation.gone",
        ),
        (
            Reader("API", "outcomes.api.results", "ResultViewSet", "…", task="outcomes.tasks.gone"),
            "outcomes.tasks.gone",
        ),
    ],
)
def test_a_step_whose_code_has_gone_stops_the_drawing_with_a_message(step, named):
    with pytest.raises(DiagramError, match=named.replace(".", r"\.")):
        step_resolve(step, {})


def test_the_drawing_is_accessible_and_self_contained():
    text = (ROOT / "docs" / "architecture.svg").read_text(encoding="utf-8")
    root = ElementTree.fromstring(text)
    assert 1000 <= float(root.get("width")) <= 1200
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "diagram-title diagram-desc"
    assert root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
    assert root.get("font-family") == "Arial, Helvetica, sans-serif"
    texts = [element.text for element in root.iter(f"{SVG}text")]
    assert "return_submit()" in texts and "compliance" in texts  # real text, searchable
    assert not list(root.iter(f"{SVG}image"))
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "@font-face" not in text and "@import" not in text
    assert min(float(element.get("font-size")) for element in root.iter(f"{SVG}text")) >= 13


def test_text_too_faint_to_read_is_refused():
    drawing = Drawing()
    drawing.text(0, 0, "faint", size=14, on="#ffffff", colour="#949494")
    assert contrast("#949494", "#ffffff") < 4.5
    with pytest.raises(DiagramError, match="#949494 on #ffffff"):
        drawing.svg(100, "title", "desc")


def test_a_path_wraps_after_its_slashes_before_inside_a_name():
    path = "outcomes/organisation_export/tasks.py"
    lines = wrap(path, 170, 13)
    assert len(lines) > 1 and "".join(lines) == path
    assert all(line.endswith("/") for line in lines[:-1])
    name = wrap("organisation_exports_prune", 120, 14, bold=True)
    assert len(name) > 1 and all(line.endswith("_") for line in name[:-1])
