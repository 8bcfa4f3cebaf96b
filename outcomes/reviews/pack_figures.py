"""Everything a review pack shows, gathered once and frozen as plain JSON (``ReviewPack.figures``).

The figures are read from stored results (``result_selectors.scorecard``) and never recomputed.
The pack is seen by the provider, so other providers are always anonymised: the benchmark lists
their figures as "Provider A", "Provider B", … (in order of their figures, best first) and never
stores their names or ids. A figure that differs from the one in the previous meeting's issued
pack is listed as restated since the last review, with both values.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import prefetch_related_objects
from django.utils import timezone

from commissioning.models import Contract
from commissioning.notices.models import OPEN_STATUSES, Notice
from commissioning.qaf.models import QafStatus
from outcomes.measures import MEASURES, Direction, target_measure_name
from outcomes.periods import LONDON, add_months, day_label, financial_year_start, parse_period
from outcomes.results.selectors import (
    DIRECTION_LABELS,
    RAG_LABELS,
    Cell,
    changes_since_before,
    figures_text,
    results_shown,
    scorecard,
)
from outcomes.results.spc import targets_spc
from outcomes.reviews import selectors
from outcomes.reviews.models import PROVIDER_PARTS, CommentaryPart, ReviewMeeting, ReviewPack
from outcomes.reviews.pack_benchmark import positions_add
from outcomes.reviews.pack_returns import Shown, returns_add, returns_shown
from outcomes.reviews.reach import WHOLE, Reach
from outcomes.statistics.significance import IMPROVED, LABELS, NO_CHANGE, NOT_COMPARED, WORSENED, Change

SCHEMA = 1
RAG_KEYS = ("green", "amber", "red", "not_rated", "no_result")
RAG_WORDS = {**RAG_LABELS, "no_result": "No result stored"}
DIRECTION_KEYS = ("improved", "stable", "worsened", "none")
DIRECTION_WORDS = {**DIRECTION_LABELS, "none": "Not compared"}
CHANGE_KEYS = (IMPROVED, NO_CHANGE, WORSENED, NOT_COMPARED)
VARIATION_KEYS = {  # the variation icons, counted by kind (high or low together)
    "special_cause_concern": "Special cause concern",
    "special_cause_improvement": "Special cause improvement",
    "common_cause": "Common cause",
    "none": "Fewer than 12 monthly values",
}
ASSURANCE_KEYS = {
    "consistent_fail": "Consistently fails the target",
    "hit_and_miss": "Hit and miss",
    "consistent_pass": "Consistently passes the target",
    "none": "No assurance (no SPC, or no target)",
}


def _number_text(value: Decimal | None) -> str | None:
    return None if value is None else format(Decimal(value).normalize(), "f")


def quarter_label(identifier: str) -> str:
    """``2025-26-Q2`` → ``Q2 2025-26 (July to September 2025)``."""
    period = parse_period(identifier)
    return f"{identifier[-2:]} {identifier[:7]} ({period.start:%B} to {period.end:%B %Y})"


def pack_figures(meeting: ReviewMeeting, today: date | None = None) -> dict:
    """Everything the meeting's pack shows, as JSON-serialisable data frozen now (a bounded number of
    queries: a few per contract, none per target or quarter)."""
    moment = timezone.now() if today is None else datetime.combine(today, time(23, 59, 59), tzinfo=LONDON)
    today = today or timezone.localdate()
    quarter = parse_period(meeting.quarter)
    year = financial_year_start(quarter.start)
    index = (quarter.start.month - 4) % 12 // 3
    contracts = selectors.meeting_contracts(meeting, WHOLE)
    prefetch_related_objects(contracts, "partner_commissioners")
    commentary = selectors.commentary_current(meeting)
    qaf = {
        s.contract_id: s
        for s in QafStatus.objects.filter(
            commissioner_id=meeting.commissioner_id, provider_id=meeting.provider_id
        )
    }
    provider = meeting.provider
    params: dict[int, dict] = {}
    service_types: dict[int, str] = {}
    sections: list[dict[str, Any]] = []
    returns: dict[int, Shown] = {}
    for contract in contracts:
        card = scorecard(contract, year, today)
        returns[contract.pk] = returns_shown(card, index)
        # SPC of the monthly values as at the quarter's last month (one query for the contract's targets)
        judged = targets_spc([row.target for row in card.rows], until=add_months(quarter.start, 2))
        # The quarter's change against the quarter before, judged for significance (two queries)
        reviewed = {row.target.pk: cell.result for row in card.rows if (cell := row.quarters[index])}
        changes = changes_since_before(list(reviewed.values()))
        rows = []
        for row in card.rows:
            params[row.target.pk] = row.target.params
            service_types[row.target.pk] = contract.service_type
            result = reviewed.get(row.target.pk)
            rows.append(
                {
                    **_row(contract, row, index, commentary),
                    "spc": judged[row.target.pk].frozen(),
                    "change": _change(changes[result.pk] if result else Change(NOT_COMPARED)),
                }
            )
        sections.append(
            {
                "id": contract.pk,
                "reference": contract.reference,
                "title": contract.title,
                "lead": contract.lead_commissioner.name,
                "partners": [body.name for body in contract.partner_commissioners.all()],
                "rows": rows,
                "summary": _summary(rows),
                "qaf": _qaf(qaf.get(contract.pk) or qaf.get(None), meeting),
            }
        )
    all_rows = [row for section in sections for row in section["rows"]]
    _previous_year(all_rows, year)
    positions_add(meeting, all_rows, params, service_types)
    returns_add(sections, contracts, returns, quarter, moment)
    restated, compared_with = _restated(meeting, all_rows)
    blank = [
        {"contract": row["contract"], "measure": row["measure"], "parts": row["commentary"]["blank_parts"]}
        for row in all_rows
        if row["commentary"]["blank_parts"]
    ]
    return {
        "schema": SCHEMA,
        "made_at": f"{day_label(timezone.localdate())}, {timezone.localtime():%H:%M}",
        "today": day_label(today),
        "meeting": _cover(meeting),
        "commissioner": meeting.commissioner.name,
        "provider": provider.name,
        "cqc": {
            "rating": provider.cqc_rating,
            "label": provider.get_cqc_rating_display(),
            "rated_on": day_label(provider.cqc_rating_date),
        },
        "qaf": _qaf(qaf.get(None), meeting),
        "year_label": card_label(year),
        "previous_year_label": card_label(year - 1),
        "quarter": meeting.quarter,
        "quarter_label": quarter_label(meeting.quarter),
        "quarter_index": index,
        "quarters": [f"Q{n}" for n in range(1, 5)],
        "contracts": sections,
        "summary": _summary(all_rows),
        "notices": _notices(contracts),
        "actions": _actions(meeting, today),
        "restated": restated,
        "restated_compared_with": compared_with,
        "commentary_blank": blank,
        "commentary_blank_count": sum(len(item["parts"]) for item in blank),
        "commentary_versions": {f"{t}:{part}": row.version for (t, part), row in sorted(commentary.items())},
    }


def figures_within(figures: dict, reach: Reach) -> dict:
    """The frozen figures cut to ``reach``: a partner body party to only some of the meeting's
    contracts reads their sections, notices, actions, restatements and blank commentary, with the
    summary counted over them alone, and ``partial`` saying how many contracts the meeting reviewed."""
    if reach.whole:
        return figures
    allowed = reach.contract_ids or frozenset()
    sections = [section for section in figures.get("contracts", []) if section["id"] in allowed]
    references = {section["reference"] for section in sections}
    rows = [row for section in sections for row in section["rows"]]
    blank = [item for item in figures.get("commentary_blank", []) if item["contract"] in references]
    return {
        **figures,
        "contracts": sections,
        "summary": _summary(rows),
        "notices": [n for n in figures.get("notices", []) if n["contract"] in references],
        "actions": [a for a in figures.get("actions", []) if a["contract"] in references],
        "restated": [r for r in figures.get("restated", []) if r["contract"] in references],
        "commentary_blank": blank,
        "commentary_blank_count": sum(len(item["parts"]) for item in blank),
        "commentary_versions": {},
        "partial": {
            "shown": sorted(references),
            "reviewed": len(figures.get("contracts", [])),
        },
    }


def card_label(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def _cover(meeting: ReviewMeeting) -> dict:
    chair = ", ".join(part for part in (meeting.chair_name, meeting.chair_organisation) if part)
    return {
        "id": meeting.pk,
        "held_on": day_label(meeting.held_on),
        "weekday": f"{meeting.held_on:%A}",
        "starts_at": f"{meeting.starts_at:%H:%M}" if meeting.starts_at else "",
        "place": meeting.place,
        "link": meeting.link,
        "chair": chair,
        "attendees": [
            {"name": a.name, "organisation": a.organisation, "role": a.role} for a in meeting.attendees.all()
        ],
    }


def _cell(cell: Cell | None) -> dict | None:
    if cell is None:
        return None
    result = cell.result
    return {
        "period": result.period,
        "period_end": day_label(result.period_end),
        "figures": cell.figures,
        "value": None if result.value is None else f"{result.value:.1f}",
        "numerator": result.numerator,
        "denominator": result.denominator,
        "rag": cell.rag,
        "rag_label": cell.rag_label,
        "not_rated": result.not_rated_reason or "",
        "direction": result.direction,
        "target_value": _number_text(result.target_version.target_value),
        "badges": cell.badges,
        "restated_from": "",
    }


def _row(contract: Contract, row, index: int, commentary: dict) -> dict:
    quarters = [_cell(cell) for cell in row.quarters]
    current = quarters[index]
    measure = row.measure
    target_values = [cell["target_value"] if cell else None for cell in quarters]
    ytd = _cell(row.ytd)
    shown_target = next(
        (v for v in (target_values[index], ytd and ytd["target_value"], *reversed(target_values)) if v), None
    )
    return {
        "key": f"t{row.target.pk}",
        "target_id": row.target.pk,
        "contract": contract.reference,
        "measure_code": measure.code,
        "measure": row.name,
        "params": row.params_text,
        "better": measure.direction.value,
        "better_label": "Higher is better" if measure.direction == Direction.HIGHER else "Lower is better",
        "quarters": quarters,
        "quarter_targets": target_values,
        "ytd": ytd,
        "target_text": row.target_text,
        "target_value": shown_target,
        "gap_text": row.gap_text,
        "rag": current["rag"] if current else "no_result",
        "rag_label": RAG_WORDS.get(current["rag"], current["rag"]) if current else RAG_WORDS["no_result"],
        "direction": current["direction"] if current else "none",
        "direction_label": DIRECTION_WORDS.get(current["direction"], "—") if current else "Not compared",
        "forecast": row.forecast.frozen() if row.forecast else None,
        "previous_year": [None] * 4,
        "position": {},
        "commentary": _commentary(row.target.pk, commentary),
    }


def _change(change: Change) -> dict:
    return {
        "judgement": change.judgement,
        "label": change.label,
        "p_text": change.p_text,
        "sentence": change.sentence,
    }


def _commentary(target_id: int, current: dict) -> dict:
    parts, blank = [], []
    for part in PROVIDER_PARTS:
        found = current.get((target_id, part))
        text = found.text.strip() if found else ""
        short, _, meaning = CommentaryPart(part).label.partition(": ")
        parts.append(
            {
                "part": str(part),
                "short": short,
                "meaning": meaning,
                "text": text,
                "blank": not text,
                "by": found.written_by_label if found and text else "",
                "on": day_label(timezone.localdate(found.written_at)) if found and text else "",
            }
        )
        if not text:
            blank.append(short)
    notes = current.get((target_id, CommentaryPart.COMMISSIONER))
    return {
        "parts": parts,
        "blank_parts": blank,
        "notes": notes.text.strip() if notes else "",
        "notes_by": notes.written_by_label if notes else "",
    }


def _summary(rows: list[dict]) -> dict:
    rag = dict.fromkeys(RAG_KEYS, 0)
    direction = dict.fromkeys(DIRECTION_KEYS, 0)
    change = dict.fromkeys(CHANGE_KEYS, 0)
    variation = dict.fromkeys(VARIATION_KEYS, 0)
    assurance = dict.fromkeys(ASSURANCE_KEYS, 0)
    for row in rows:
        rag[row["rag"] if row["rag"] in rag else "not_rated"] += 1
        direction[row["direction"] if row["direction"] in direction else "none"] += 1
        change[(row.get("change") or {}).get("judgement", NOT_COMPARED)] += 1
        spc = row.get("spc") or {}
        variation[(spc.get("variation") or "none").removesuffix("_high").removesuffix("_low")] += 1
        assurance[spc.get("assurance") or "none"] += 1
    return {
        "targets": len(rows),
        "rag": [{"key": k, "label": RAG_WORDS[k], "count": rag[k]} for k in RAG_KEYS],
        "direction": [{"key": k, "label": DIRECTION_WORDS[k], "count": direction[k]} for k in DIRECTION_KEYS],
        "change": [{"key": k, "label": LABELS[k], "count": change[k]} for k in CHANGE_KEYS],
        "variation": [
            {"key": k, "label": label, "count": variation[k]} for k, label in VARIATION_KEYS.items()
        ],
        "assurance": [
            {"key": k, "label": label, "count": assurance[k]} for k, label in ASSURANCE_KEYS.items()
        ],
    }


def _previous_year(rows: list[dict], year: int) -> None:
    """The same quarters a year earlier, for the charts (one query for every target)."""
    previous = card_label(year - 1)
    found = results_shown(
        target_id__in=[row["target_id"] for row in rows],
        period__in=[f"{previous}-Q{n}" for n in range(1, 5)],
    ).only("target_id", "period", "value", "numerator", "denominator")
    by_key = {(r.target_id, r.period): r for r in found}
    for row in rows:
        cells = []
        for n in range(1, 5):
            result = by_key.get((row["target_id"], f"{previous}-Q{n}"))
            cells.append(
                None
                if result is None
                else {
                    "period": result.period,
                    "figures": figures_text(result),
                    "value": None if result.value is None else f"{result.value:.1f}",
                }
            )
        row["previous_year"] = cells


def _qaf(status: QafStatus | None, meeting: ReviewMeeting) -> dict:
    if status is None:
        return {
            "status": "",
            "label": "Not worked out yet",
            "reason": f"{meeting.commissioner.name} has no QAF status on record for this provider.",
            "as_of": "",
        }
    return {
        "status": status.status,
        "label": status.get_status_display(),
        "reason": status.reason,
        "as_of": day_label(timezone.localdate(status.computed_at)),
    }


def _notices(contracts: list[Contract]) -> list[dict]:
    notices = Notice.objects.filter(contract__in=contracts, status__in=OPEN_STATUSES).select_related(
        "contract"
    )
    return [
        {
            "contract": n.contract.reference,
            "kind": n.get_kind_display(),
            "reason": n.get_reason_display(),
            "category": n.get_noc_category_display() if n.noc_category else "",
            "issued": day_label(timezone.localdate(n.issued_at)) if n.issued_at else "",
            "remedy_due": day_label(n.remedy_due_on),
            "target_close": day_label(n.target_close_on),
            "status": n.get_status_display(),
        }
        for n in notices.order_by("issued_at", "id")
    ]


def _actions(meeting: ReviewMeeting, today: date) -> list[dict]:
    return [
        {
            "description": a.description,
            "owner_kind": a.get_owner_kind_display(),
            "owner": ", ".join(part for part in (a.owner_name, a.owner_organisation) if part),
            "due": day_label(a.due_on),
            "overdue": a.is_open and a.due_on < today,
            "status": a.status,
            "status_label": a.get_status_display(),
            "status_note": a.status_note,
            "agreed": day_label(a.meeting.held_on),
            "contract": a.contract.reference if a.contract else "",
            "measure": target_measure_name(MEASURES[a.target.measure], a.target.params)
            if a.target and a.target.measure in MEASURES
            else "",
        }
        for a in selectors.actions_carried_forward(meeting, WHOLE)
    ]


def _restated(meeting: ReviewMeeting, rows: list[dict]) -> tuple[list[dict], dict | None]:
    """Figures that differ from those the previous meeting's issued pack showed for the same target
    and period; each cell concerned also says what it was."""
    previous = selectors.previous_meeting(meeting)
    pack = ReviewPack.objects.filter(meeting=previous, issued_at__isnull=False).first() if previous else None
    if previous is None or pack is None:  # no previous meeting: no pack either
        return [], None
    before = {}
    for section in pack.figures.get("contracts", []):
        for old in section.get("rows", []):
            for cell in [*old.get("quarters", []), old.get("ytd")]:
                if cell:
                    before[(old["target_id"], cell["period"])] = cell
    restated = []
    for row in rows:
        for cell in [*row["quarters"], row["ytd"]]:
            old = before.get((row["target_id"], cell["period"])) if cell else None
            if old is None or old["figures"] == cell["figures"]:
                continue
            cell["restated_from"] = old["figures"]
            restated.append(
                {
                    "contract": row["contract"],
                    "measure": row["measure"],
                    "params": row["params"],
                    "period": cell["period"],
                    "before": old["figures"],
                    "before_rag": old.get("rag_label", ""),
                    "after": cell["figures"],
                    "after_rag": cell["rag_label"],
                }
            )
    compared_with = {
        "version": pack.version,
        "held_on": day_label(previous.held_on),
        "quarter": previous.quarter,
        "issued": day_label(timezone.localdate(pack.issued_at)),
    }
    return restated, compared_with
