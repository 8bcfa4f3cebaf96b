"""The invariant of measures.md v1.1, as a property: after any sequence of accepted returns (new
months, corrections, late-reported episodes, nil returns, target changes), once the background
work has finished, every stored result equals a fresh computation, for every period kind.

Sequences are generated on the real database (each example in its own transaction, rolled back);
the number of examples is bounded so that the suite stays quick.
"""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from commissioning.services.targets import TargetInput, version_create
from outcomes.management.commands.compliance import one_decimal
from outcomes.models import AttemptStatus
from outcomes.periods import month_end
from outcomes.results.compute import contract_periods, results_recompute
from outcomes.returns.services import return_import
from tests.factories import CouncilFactory, ProviderFactory, contract, target
from tests.outcomes.results.invariant import assert_stored_equals_fresh
from tests.outcomes.return_files import episode, episodes_csv, survey_csv

MONTHS = [date(2025, month, 1) for month in range(4, 10)]  # April to September 2025
REFS = [f"E{i}" for i in range(6)]
REASONS = ["independent", "residential_care", "hospital", "died", "moved_away"]
TARGETS = [
    ("HELP_48H", {}),
    ("INDEPENDENT_WITHIN", {"window_days": 28}),
    ("RESIDENTIAL_ENTRY", {"lookback": "R12", "service_type": "any"}),
    ("PACKAGE_REDUCED", {"min_tenure_days": 30}),
    ("AT_HOME_91D", {"age_bands": "18+"}),
    ("HOSPITAL_ADMISSION", {}),
    ("DIED_PREFERRED_PLACE", {}),
    ("HEALTH_NEEDS_MET", {}),
    ("RETURNS_ON_TIME", {}),
]


@st.composite
def episodes(draw, month: date) -> dict:
    """One valid row of a return for ``month``: every date on or before the month's last day."""
    last = month_end(month)
    referred = date(2025, 2, 1) + timedelta(days=draw(st.integers(0, (last - date(2025, 2, 1)).days)))
    referred_at = datetime.combine(referred, datetime.min.time()) + timedelta(hours=draw(st.integers(6, 20)))
    hours = draw(st.one_of(st.none(), st.integers(1, 120)))
    visit = referred_at + timedelta(hours=hours) if hours is not None else None
    if visit is not None and visit.date() > last:
        visit = None
    cells = {
        "referred_at": f"{referred_at:%Y-%m-%dT%H:%M}",
        "first_visit_at": f"{visit:%Y-%m-%dT%H:%M}" if visit else "",
        "service_type": draw(st.sampled_from(["short_term", "long_term"])),
        "referral_source": draw(st.sampled_from(["community", "hospital_discharge"])),
        "age_band": draw(st.sampled_from(["65-74", "85+"])),
        "weekly_hours_start": str(draw(st.integers(2, 20))),
        "weekly_hours_now": str(draw(st.integers(0, 20))),
        "at_home_91_days": draw(st.sampled_from(["", "Y", "N"])),
    }
    ends = draw(st.one_of(st.none(), st.tuples(st.integers(0, 60), st.sampled_from(REASONS))))
    if visit is not None and ends is not None and visit.date() + timedelta(days=ends[0]) <= last:
        cells["ended_on"] = f"{visit.date() + timedelta(days=ends[0]):%Y-%m-%d}"
        cells["end_reason"] = ends[1]
        if ends[1] == "died":
            cells["end_of_life"] = draw(st.sampled_from(["Y", "N"]))
            if cells["end_of_life"] == "Y":
                cells["died_in_preferred_place"] = draw(st.sampled_from(["Y", "N"]))
    return cells


@st.composite
def steps(draw) -> list[tuple]:
    """A sequence of what happens to a contract: returns (new, corrected, late-reported episodes, nil),
    target changes, and the background work running in between (or not)."""
    found = []
    for _ in range(draw(st.integers(2, 6))):
        kind = draw(st.sampled_from(["file", "file", "file", "nil", "target", "work"]))
        month = draw(st.sampled_from(MONTHS))
        if kind == "file":
            refs = draw(st.lists(st.sampled_from(REFS), min_size=1, max_size=4, unique=True))
            rows = [episode(ref, **draw(episodes(month))) for ref in refs]
            found.append(("file", month, rows, draw(st.integers(0, 12))))
        elif kind == "nil":
            found.append(("nil", month, draw(st.integers(0, 12))))
        elif kind == "target":
            found.append(
                ("target", month, draw(st.sampled_from(range(len(TARGETS)))), draw(st.integers(40, 90)))
            )
        else:
            found.append(("work",))
    return found


def as_printed(values: dict) -> dict:
    """A fresh computation's values as `compliance --json` prints them."""
    return {
        "numerator": values["numerator"],
        "denominator": values["denominator"],
        "value": one_decimal(values["value"]),
        "rag": values["rag"],
        "computed_rag": values["rag"],
        "not_rated_reason": values["not_rated_reason"],
        "direction": values["direction"],
        "pending": values["pending"],
        "missing": values["missing"],
        "missing_months": values["missing_months"],
        "incomplete": bool(values["missing_months"] or values["outside_term_months"]),
    }


class StoredEqualsFresh(TestCase):
    @classmethod
    def setUpTestData(cls):
        council = CouncilFactory(name="Invariant Council")
        cls.contract = contract(
            council, ProviderFactory(name="Invariant Care"), reference="INV-1", return_due_day=10
        )
        cls.targets = [
            target(cls.contract, measure, "60", params=params, min_denominator=1)
            for measure, params in TARGETS
        ]

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(steps())
    def test_stored_results_equal_a_fresh_computation(self, sequence):
        contract = self.contract
        for step in sequence:
            if step[0] in ("file", "nil"):
                month, survey = step[1], step[-1]
                attempt = return_import(
                    contract=contract,
                    period=f"{month:%Y-%m}",
                    file_bytes=episodes_csv(*step[2]) if step[0] == "file" else None,
                    filename="return.csv" if step[0] == "file" else "",
                    survey_bytes=survey_csv(("HEALTH_NEEDS_MET", survey, 12)),
                    survey_filename="survey.csv",
                    nil=step[0] == "nil",
                    accept=True,
                )
                assert attempt.status in (AttemptStatus.ACCEPTED, AttemptStatus.REJECTED), attempt.status
            elif step[0] == "target":
                changed = self.targets[step[2]]
                version_create(
                    target=changed,
                    data=TargetInput(
                        target_value=Decimal(step[3]), effective_from=step[1], min_denominator=1
                    ),
                    actor=None,
                    actor_label="test",
                )
            else:
                results_recompute(contract_id=contract.pk)
        results_recompute(contract_id=contract.pk)  # the background work finishes

        _, fresh = assert_stored_equals_fresh(contract)
        periods = contract_periods(contract)
        for kind in {period.kind for period in periods}:  # and as `compliance --stored` prints it
            period = next(p for p in periods if p.kind == kind)
            out = io.StringIO()
            call_command(
                "compliance", contract="INV-1", period=period.identifier, stored=True, json=True, stdout=out
            )
            printed = {row["measure"]: row for row in json.loads(out.getvalue())["results"]}
            for t in self.targets:
                if (t.pk, period.identifier) in fresh:
                    row = printed[t.measure]
                    expected = as_printed(fresh[t.pk, period.identifier])
                    assert {name: row[name] for name in expected} == expected, (period, t.measure)
