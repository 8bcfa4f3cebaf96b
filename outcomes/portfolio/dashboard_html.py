"""The markup of the dashboard matrix's rows (the contract, its facts and its measure cells), built
in Python.

Why not in the template: 800 contracts × 12 columns is 9,600 cells of a dozen template lookups
each, and a row's includes and URL tag cost as much again; the template engine spends most of the
page's time budget on them, while joining escaped strings here does the same work in a few
milliseconds. Every value is escaped; the markup matches the rest of the page (GOV.UK tags,
visually-hidden words for screen readers). The enforcement-stage and QAF tags are the templates
other pages include, rendered once per page for each value they take. A cell is compact:
value, RAG word and arrow; its figures (numerator/denominator, period, marks) are in a tip that
hover and keyboard focus show (CSS only), and in full in the CSV and XLSX of the matrix.
"""

from __future__ import annotations

from collections.abc import Callable

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from commissioning.qaf.models import QafStatus
from outcomes.portfolio.matrix import Matrix, MatrixCell, MatrixRow, Standing
from outcomes.results.spc_glyphs import glyph_use

_NOT_MEASURED = '<span aria-hidden="true">–</span><span class="govuk-visually-hidden">Not measured</span>'
_NO_RESULT = '<span class="govuk-body-s">No result</span>'


def _detail_prefix() -> str:
    """``/results/`` (the detail URL with its id cut off), looked up once per page."""
    url = reverse("results:detail", args=[0])
    return url[: url.rindex("0")]


def _url_of(name: str) -> Callable[[int], str]:
    """The URL ``name`` takes for an id, reversed once per page: ``/results/contracts/7/``."""
    url = reverse(name, args=[0])
    cut = url.rindex("0")
    prefix, suffix = url[:cut], url[cut + 1 :]
    return lambda pk: f"{prefix}{pk}{suffix}"


class _Tags:
    """The enforcement-stage and QAF-status tags, from the templates every page includes for them,
    rendered once per value: a page of 800 contracts shows a handful of distinct ones."""

    def __init__(self) -> None:
        self._stages: dict[str, str] = {}
        self._qaf: dict[str | None, str] = {}

    def stage(self, stage: str) -> str:
        if stage not in self._stages:
            self._stages[stage] = render_to_string("commissioning/notices/_stage_tag.html", {"stage": stage})
        return self._stages[stage]

    def qaf(self, status: QafStatus | None) -> str:
        code = status.status if status else None
        if code not in self._qaf:
            self._qaf[code] = render_to_string("commissioning/qaf/_status_tag.html", {"status": status})
        return self._qaf[code]


def _tip(cell: MatrixCell) -> str:
    """What hover and keyboard focus show (and a screen reader reads as the link): the figures, the
    period, the direction and the marks; "85.0% (551/648), 2025-26-Q2, Worsened, incomplete"."""
    result = cell.result
    words = [cell.figures, result.period]
    if cell.direction_arrow:
        words.append(cell.direction_label)
    if cell.override:
        words.append(f"{cell.rag_label}, overridden (computed {cell.computed_label})")
        words.extend(mark for mark in cell.marks if mark != "overridden")
    else:
        words.extend(cell.marks)
    text = ", ".join(words)
    spc = cell.spc
    if spc and spc.get("variation"):
        text += (
            f". SPC as at {spc['as_at_label']}: {spc['variation_label']}: {spc['variation_reason']}. "
            f"{spc['assurance_label']}: {spc['assurance_reason']}."
        )
    return text


def _cell(cell: MatrixCell, prefix: str) -> str:
    """A compact cell: the value (a link to the result), its RAG as a tagged word, the direction as an
    arrow; the figures in a tip shown on hover and focus, and read as the link's name."""
    result = cell.result
    value = "—" if result.value is None else f"{result.value:.1f}%"
    mark = "*" if cell.marks else ""
    parts = [
        f'<a class="govuk-link dashboard-cell__link" href="{prefix}{result.pk}/">'
        f'<span aria-hidden="true">{value}{mark}</span>'
        f'<span class="dashboard-cell__tip">{escape(_tip(cell))}'
        '<span class="govuk-visually-hidden">: result detail</span></span></a> '
        f'<strong class="govuk-tag {cell.rag_class} dashboard-cell__tag">{escape(cell.rag_label)}</strong>'
    ]
    if cell.direction_arrow:
        parts.append(f'<span aria-hidden="true" class="dashboard-cell__arrow">{cell.direction_arrow}</span>')
    if cell.spc and cell.spc.get("variation"):  # the words are in the tip, read as the link's name
        parts.append(
            f'<span class="dashboard-cell__spc" data-variation="{cell.spc["variation"]}" '
            f'data-assurance="{cell.spc["assurance"] or "none"}">'
            f"{glyph_use('v', cell.spc['variation'])}{glyph_use('a', cell.spc['assurance'])}</span>"
        )
    return "".join(parts)


def measure_cells_html(row: MatrixRow, prefix: str) -> SafeString:
    """The row's measure cells (``<td>`` each): stacked results, "No result" or "Not measured"."""
    cells = []
    for entries in row.entries:
        if not entries:
            cells.append(f'<td class="govuk-table__cell">{_NOT_MEASURED}</td>')
            continue
        stack = "".join(
            f'<div class="dashboard-matrix__stack">{_cell(cell, prefix) if cell else _NO_RESULT}</div>'
            for cell in entries
        )
        cells.append(f'<td class="govuk-table__cell dashboard-cell">{stack}</td>')
    return mark_safe("".join(cells))  # noqa: S308 - every value above is escaped


def _contract_html(row: MatrixRow, scorecard: str, organisation_id: int) -> str:
    """The row's header: the contract (a link to its scorecard), its provider, its lead body when
    another body leads it, and its status unless active."""
    contract = row.contract
    words: list[str] = [escape(contract.provider.name)]
    if contract.lead_commissioner_id != organisation_id:
        words.append(f"led by {escape(contract.lead_commissioner.name)}")
    if contract.status != "active":
        words.append(escape(contract.get_status_display()))
    return (
        '<th scope="row" class="govuk-table__header dashboard-matrix__contract">'
        f'<a class="govuk-link" href="{scorecard}">{escape(contract.reference)}'
        '<span class="govuk-visually-hidden">: scorecard</span></a><br>'
        f'<span class="govuk-body-s govuk-!-font-weight-regular">{"<br>".join(words)}</span></th>'
    )


def matrix_rows_html(rows: list[MatrixRow], organisation_id: int) -> SafeString:
    """The matrix's body rows (``<tr>`` each): the contract, its reds, enforcement stage, QAF status,
    returns overdue, open notices and CQC rating, then its measure cells. ``organisation_id`` is the
    acting body: a contract another body leads says which."""
    prefix, scorecard, tags = _detail_prefix(), _url_of("results:scorecard"), _Tags()
    html = []
    for row in rows:
        contract, provider = row.contract, row.contract.provider
        html.append(
            f'<tr class="govuk-table__row" data-testid="row-{escape(contract.reference)}">'
            f"{_contract_html(row, scorecard(contract.pk), organisation_id)}"
            f'<td class="govuk-table__cell" data-testid="reds">{row.reds}</td>'
            f'<td class="govuk-table__cell">{tags.stage(row.stage)}</td>'
            f'<td class="govuk-table__cell">{tags.qaf(row.qaf)}</td>'
            f'<td class="govuk-table__cell">{row.returns_outstanding}</td>'
            f'<td class="govuk-table__cell">{row.open_notices}</td>'
            f'<td class="govuk-table__cell"><strong class="govuk-tag {provider.cqc_rating_tag}">'
            f"{escape(provider.get_cqc_rating_display())}</strong></td>"
            f"{measure_cells_html(row, prefix)}</tr>\n"
        )
    return mark_safe("".join(html))  # noqa: S308 - every value above is escaped, the tags by their templates


def attention_rows_html(rows: list[Standing]) -> SafeString:
    """The body rows of a "Needs attention" table: the contract (a link to its scorecard), its
    provider and why it needs attention."""
    scorecard = _url_of("results:scorecard")
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<tr class="govuk-table__row" data-testid="attention-{escape(row.contract.reference)}">'
            f'<th scope="row" class="govuk-table__header"><a class="govuk-link" href="{scorecard(row.contract.pk)}">'
            f'{escape(row.contract.reference)}<span class="govuk-visually-hidden">: scorecard</span></a></th>'
            f'<td class="govuk-table__cell">{escape(row.contract.provider_name)}</td>'
            f'<td class="govuk-table__cell">{escape("; ".join(row.reasons))}</td></tr>'
            for row in rows
        )
    )


def attention_html(matrix: Matrix) -> dict[str, object]:
    """What "Needs attention" shows: how many contracts in all and of each kind, and the rows of its
    two tables with their markup, the most urgent first and at most ``ATTENTION_SHOWN`` each (the
    contracts with a red, enforcement or a QAF concern; those with only returns overdue)."""
    urgent, returns_only = matrix.attention_parts()
    urgent_count, returns_only_count = matrix.attention_counts
    return {
        "count": urgent_count + returns_only_count,
        "urgent": (urgent, attention_rows_html(urgent)),
        "urgent_count": urgent_count,
        "returns_only": (returns_only, attention_rows_html(returns_only)),
        "returns_only_count": returns_only_count,
        "more": len(urgent) < urgent_count or len(returns_only) < returns_only_count,
    }
