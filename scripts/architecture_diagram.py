"""Draw docs/architecture.svg, and the tables that say the same in words in docs/architecture.md, from
the code: the apps as layers with their sub-packages, the Celery queues with the tasks routed to each,
the beat schedule's periodic jobs, and the path of a monthly return from upload to every figure.

    python scripts/architecture_diagram.py           draw both again (make architecture-diagram)
    python scripts/architecture_diagram.py --check   exit 1 if either differs from what the code gives now

Where each part comes from: the layers and the pure modules from import-linter's contracts in
pyproject.toml; the sub-packages from the folders on disk; the queues, routes and schedule from the
Celery app and config/settings.py (through Django's settings, read with none of the service's
environment variables set, so this machine's configuration never changes the drawing). The flow's
steps are declared below, each naming a real function: one whose module or function has gone stops
the script with a message (exit status 2), so the drawing never describes code that no longer exists.

The drawing is plain SVG text (real <text> elements, a <title> and a <desc>, system fonts only), and
the same code always gives the same bytes. The work is done by scripts/architecture/.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scripts.architecture.facts import REGENERATE, ROOT, SCRIPT, DiagramError, Reader, Step, architecture_read
from scripts.architecture.layout import svg_draw
from scripts.architecture.tables import markdown_diagram, markdown_fill, markdown_queues

SVG_PATH = ROOT / "docs" / "architecture.svg"
MARKDOWN_PATH = ROOT / "docs" / "architecture.md"

# --- The flow of a monthly return: declared here, checked against the code every time ------------

FLOW: tuple[Step, ...] = (
    Step(
        "Upload",
        "outcomes.returns.services",
        "return_submit",
        "A page or the API stores the file with its SHA-256; its checks are queued after the commit.",
    ),
    Step(
        "Validation",
        "outcomes.returns.tasks",
        "return_validate",
        "The file is checked against the data standard (outcomes.mds); a valid file's rows are kept.",
        calls=("outcomes.returns.validation", "attempt_validate"),
    ),
    Step(
        "Sign-off and acceptance",
        "outcomes.returns.services",
        "return_sign_off",
        "An approver signs off: the episodes and survey figures become the month's newest version.",
        calls=("outcomes.returns.acceptance", "attempt_accept"),
    ),
    Step(
        "Recompute requested",
        "outcomes.results.requests",
        "recompute_request",
        "The months the change reaches are asked for, one request per contract (coalesced).",
    ),
    Step(
        "Results computed",
        "outcomes.results.tasks",
        "compliance_recompute",
        "Each target is judged against the target version in force; results are stored append-only.",
        calls=("outcomes.results.compute", "results_recompute"),
    ),
)
STORE = ("outcomes.models", "ComplianceResult")
READERS: tuple[Reader, ...] = (
    Reader(
        "Scorecards", "outcomes.results.selectors", "scorecard", "A contract's scorecard and result pages."
    ),
    Reader(
        "Review packs", "outcomes.reviews.pack_figures", "pack_figures", "Frozen into a pack when it is made."
    ),
    Reader(
        "Notice suggestions",
        "outcomes.notice_suggestions.rules",
        "target_red",
        "A red target suggests a notice to the contract officer.",
        task="outcomes.tasks.notice_suggestions_refresh",
    ),
    Reader(
        "Portfolio",
        "outcomes.portfolio.matrix",
        "portfolio_matrix",
        "The dashboard; benchmarking, trends and exports read the same rows.",
    ),
    Reader(
        "API", "outcomes.api.results", "ResultViewSet", "/api/v1/results/ for other systems and BI tools."
    ),
)


# The environment a drawing is read with: the embedded mode's defaults, whatever this shell has set.
KEPT_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT", "TMPDIR", "VIRTUAL_ENV")


def django_setup() -> None:
    """Load Django as the embedded mode does, reading none of this shell's own variables."""
    for name in list(os.environ):
        if name not in KEPT_VARIABLES:
            del os.environ[name]
    os.environ.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "true", "LOG_LEVEL": "ERROR"})
    django.setup()


def outputs() -> dict[Path, str]:
    """What each generated file should hold now."""
    arch = architecture_read(FLOW, STORE, READERS)
    markdown = markdown_fill(
        MARKDOWN_PATH.read_text(encoding="utf-8"),
        {"architecture-diagram-text": markdown_diagram(arch), "architecture-queues": markdown_queues(arch)},
    )
    return {SVG_PATH: svg_draw(arch), MARKDOWN_PATH: markdown}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the drawing or its tables differ from the code"
    )
    args = parser.parse_args(argv)
    try:
        django_setup()
        wanted = outputs()
    except DiagramError as error:
        print(f"architecture diagram: {error}", file=sys.stderr)
        return 2
    stale = [
        path for path, text in wanted.items() if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    if args.check:
        if stale:
            names = " and ".join(path.relative_to(ROOT).as_posix() for path in stale)
            verb = "no longer matches" if len(stale) == 1 else "no longer match"
            print(
                f"{names} {verb} the code. Draw the diagram again with `{REGENERATE}` "
                f"(or `python {SCRIPT}`) and keep the result.",
                file=sys.stderr,
            )
            return 1
        print("docs/architecture.svg and its tables in docs/architecture.md match the code.")
        return 0
    for path in stale:
        path.write_text(wanted[path], encoding="utf-8")
    for path in wanted:
        state = "written" if path in stale else "already up to date"
        print(f"{path.relative_to(ROOT).as_posix()}: {state}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
