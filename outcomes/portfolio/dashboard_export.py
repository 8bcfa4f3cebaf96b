"""The portfolio dashboard's matrix as a table for CSV and XLSX: the rows the page shows, in its order."""

from __future__ import annotations

from outcomes.portfolio.matrix import STAGE_WORDS, Matrix, MatrixCell

# --- Export --------------------------------------------------------------------------------------


def _rag_text(cell: MatrixCell) -> str:
    if cell.override:
        return f"{cell.rag_label} (overridden; computed {cell.computed_label})"
    return cell.rag_label


def _joined(entries: list[MatrixCell | None], text) -> str:
    if not entries:
        return "Not measured"
    return " | ".join(text(cell) if cell else "No result" for cell in entries)


def matrix_table(matrix: Matrix) -> tuple[list[str], list[list[object]]]:
    """The matrix as a header and rows for CSV and XLSX: four columns per measure (figures, RAG,
    direction, marks); two targets in one column are joined with " | "."""
    header = [
        "Contract reference",
        "Contract title",
        "Provider",
        "Lead commissioner",
        "Service type",
        "Status",
    ]
    for column in matrix.columns:
        header += [
            column.label,
            f"{column.label}: RAG",
            f"{column.label}: direction",
            f"{column.label}: marks",
        ]
    header += ["Reds", "QAF status", "CQC rating", "Returns outstanding", "Open notices", "Enforcement stage"]
    rows = []
    for row in matrix.rows:
        c = row.contract
        line: list[object] = [
            c.reference,
            c.title,
            c.provider.name,
            c.lead_commissioner.name,
            c.get_service_type_display(),
            c.get_status_display(),
        ]
        for entries in row.entries:
            line += [
                _joined(entries, lambda cell: cell.figures),
                _joined(entries, _rag_text),
                _joined(entries, lambda cell: cell.direction_label),
                _joined(entries, lambda cell: "; ".join(cell.marks)),
            ]
        line += [
            row.reds,
            row.qaf.get_status_display() if row.qaf else "Not yet assessed",
            c.provider.get_cqc_rating_display(),
            row.returns_outstanding,
            row.open_notices,
            STAGE_WORDS.get(row.stage, "No open notice"),
        ]
        rows.append(line)
    return header, rows
