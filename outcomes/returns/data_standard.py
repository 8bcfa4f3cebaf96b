"""The data standard as a document for providers: the guide page, its PDF and docs/data-standard.md.

All three are built from `outcomes.mds.columns`, the definitions the validator and the blank templates
use, so what a provider reads is what their file is checked against. The page and the PDF share one
template (outcomes/returns/_data_standard.html); the Markdown copy in the repository is written by
`manage.py data_standard_doc` and a test fails when it differs from what the definitions give.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from commissioning.pdf import pdf_render
from outcomes.mds.columns import (
    EPISODE_COLUMN_SPECS,
    FORMAT_VERSION,
    FORMAT_VERSIONS,
    MAX_EPISODE_ROWS,
    MAX_FILE_BYTES,
    SURVEY_COLUMN_SPECS,
    Column,
    FormatVersion,
)
from outcomes.periods import parse_month
from outcomes.returns import files as templates_files

PDF_TEMPLATE = "pdf/data_standard.html"
MARKDOWN_TEMPLATE = "outcomes/returns/data_standard.md"
DOC_PATH = Path(settings.BASE_DIR) / "docs" / "data-standard.md"


@dataclass(frozen=True)
class DataStandard:
    """What the guide, its PDF and the Markdown copy show: the version in force, every version with
    its changes (newest first), the columns of both tables, the file limits and the worked example."""

    version: str
    versions: tuple[FormatVersion, ...]
    episode_columns: tuple[Column, ...]
    survey_columns: tuple[Column, ...]
    max_mb: int
    max_rows: int
    example_month: date


def data_standard() -> DataStandard:
    """The data standard in force, from the definitions the validator checks files against."""
    return DataStandard(
        version=FORMAT_VERSION,
        versions=FORMAT_VERSIONS,
        episode_columns=EPISODE_COLUMN_SPECS,
        survey_columns=SURVEY_COLUMN_SPECS,
        max_mb=MAX_FILE_BYTES // (1024 * 1024),
        max_rows=MAX_EPISODE_ROWS,
        example_month=parse_month(templates_files.EXAMPLE_PERIOD),
    )


def data_standard_pdf_filename() -> str:
    """The PDF's file name, naming the version it describes."""
    return f"monthly-data-standard-v{FORMAT_VERSION}.pdf"


@functools.cache
def data_standard_pdf() -> bytes:
    """The data standard as an A4 PDF with page numbers: the guide page's content. It changes only with
    the code, so each process renders it once."""
    standard = data_standard()
    return pdf_render(
        PDF_TEMPLATE,
        {"standard": standard, "example_month": standard.example_month, "site_url": settings.SITE_URL},
    )


def data_standard_markdown() -> str:
    """The data standard as Markdown: the content of docs/data-standard.md."""
    standard = data_standard()
    example = templates_files.example_csv().decode("utf-8-sig").strip()
    return render_to_string(MARKDOWN_TEMPLATE, {"standard": standard, "example": example})
