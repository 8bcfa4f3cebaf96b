"""The one rule for the RAG override in force, in its three forms: ``overrides_in_force`` (Python, for
pages that hold results in memory), ``with_rag_in_force`` (SQL, for the API's filter and order) and
``newest_override_sql`` (raw SQL, for the statements writing the API's result list).

Every sequence of up to three overrides and withdrawals is tried, with distinct times and with a
tie on the time (the later row wins), each on a period of its own: both forms must agree on every
one, and agree with the rule written out by hand."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from outcomes.models import ComplianceResult, ResultOverride
from outcomes.periods import add_months, month_period
from outcomes.results.overrides import (
    newest_override_sql,
    override_in_force,
    overrides_in_force,
    with_rag_in_force,
)
from tests.factories import contract, target

pytestmark = pytest.mark.django_db

RAGS = ("", "green", "red")  # "" withdraws the override before it
COMPUTED = "amber"
START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _sequences():
    for length in range(4):
        for rags in itertools.product(RAGS, repeat=length):
            for tied in (False, True):
                if length < 2 and tied:
                    continue
                yield rags, tied


def _expected(rags: tuple[str, ...]) -> str:
    """The rule by hand: the newest row decides; an empty RAG means the computed one."""
    return (rags[-1] or COMPUTED) if rags else COMPUTED


def test_python_and_sql_agree_on_every_sequence_of_overrides(world):
    made = contract(world.council, world.provider_a, reference="OVR-1")
    t = target(made, "HELP_48H", "90")
    version = t.versions.get()
    expected: dict[str, str] = {}
    for index, (rags, tied) in enumerate(_sequences()):
        period = month_period(add_months(START.date().replace(day=1), -index))
        result = ComplianceResult.objects.create(
            contract=made,
            target=t,
            target_version=version,
            period=period.identifier,
            period_kind=period.kind,
            period_start=period.start,
            period_end=period.end,
            numerator=1,
            denominator=2,
            rag=COMPUTED,
        )
        for step, rag in enumerate(rags):
            # Tied rows share one time: the one made later (the higher id) is the newer.
            when = START if tied else START + timedelta(minutes=step)
            ResultOverride.objects.create(
                target=t,
                period=period.identifier,
                rag=rag,
                reason=f"step {step}",
                computed_rag=COMPUTED,
                result=result,
                created_at=when,
                created_by_label="Commissioner",
            )
        expected[period.identifier] = _expected(rags)

    in_python = overrides_in_force([t.pk], list(expected))
    python = {
        period: (in_python[(t.pk, period)].rag if (t.pk, period) in in_python else COMPUTED)
        for period in expected
    }
    sql = dict(
        with_rag_in_force(ComplianceResult.objects.filter(target=t)).values_list("period", "rag_in_force")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.period, CASE WHEN o.rag <> '' THEN o.rag ELSE r.rag END "
            f"FROM {ComplianceResult._meta.db_table} r LEFT JOIN LATERAL {newest_override_sql('r')} o ON true "
            "WHERE r.target_id = %s",
            [t.pk],
        )
        raw = dict(cursor.fetchall())
    one_by_one = {
        period: (found.rag if (found := override_in_force(t.pk, period)) else COMPUTED) for period in expected
    }
    assert python == expected
    assert sql == expected
    assert raw == expected
    assert one_by_one == expected
