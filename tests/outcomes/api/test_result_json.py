"""The result list written by PostgreSQL (``outcomes.api.result_json``) and its ETag made from facts.

1. The page PostgreSQL writes is byte for byte the page ``ResultSerializer`` and DRF's renderer
   write, on every kind of row: overrides in force, withdrawn and naming no one, restatements,
   earlier figures, empty figures, months missing, sources without an attempt, decimals of every
   scale, a measure no longer in the library, text needing escapes, datetimes with and without
   microseconds in summer and winter and in time zones east and west (and one with seconds in its
   offset), and the paging links.
2. The ETag changes when, and only when, the body would: each kind of change is made, and the body
   and the ETag compared before and after; a 304 writes nothing.

Each change is made in a transaction of its own, as every change the service makes is: the facts
include PostgreSQL's row version (the transaction that last wrote the row).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.access import acting_for
from commissioning.models import Target, TargetVersion
from outcomes.api import result_json
from outcomes.measures import MEASURES
from outcomes.models import ComplianceResult, ResultOverride
from outcomes.periods import parse_period
from outcomes.results.overrides import result_override
from tests.factories import target

pytestmark = pytest.mark.django_db

SUMMER = datetime(2025, 7, 14, 8, 12, 3, 123456, tzinfo=UTC)
WINTER = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
ODD_TEXT = 'Care "at home" \\ north\nline\ttab\x01 \u2028 sep \u2029 para, é, 😀 <b>'


def stored(t: Target, period_id: str, **fields) -> ComplianceResult:
    """A result stored for target ``t`` and a period, with any field given."""
    period = parse_period(period_id)
    values = {
        "contract": t.contract,
        "target": t,
        "target_version": t.versions.order_by("pk").last(),
        "period": period.identifier,
        "period_kind": period.kind,
        "period_start": period.start,
        "period_end": period.end,
        "numerator": 5,
        "denominator": 8,
        "value": Decimal("62.5"),
        "rag": "red",
        "computed_at": WINTER,
        "checked_at": WINTER,
    } | fields
    return ComplianceResult.objects.create(**values)


def override(result: ComplianceResult, rag: str, label: str, at: datetime, reason: str = "Agreed") -> None:
    ResultOverride.objects.create(
        target=result.target,
        period=result.period,
        rag=rag,
        reason=reason,
        computed_rag=result.rag,
        result=result,
        created_at=at,
        created_by_label=label,
    )


@pytest.fixture
def every_kind(api_world, db):
    """J-1 and C-2 with a result of every kind (the council's c_read token sees both)."""
    joint, council_b = api_world.contracts["joint"], api_world.contracts["council_b"]
    joint.title = ODD_TEXT
    joint.save()
    api_world.provider_b.name = "Brookside Care — Ünïcode \u2028 Ltd"
    api_world.provider_b.save()
    first = joint.targets.get()
    quarter_ish = target(joint, "HELP_48H", "66.25", tolerance="0", min_denominator=1)
    whole = target(council_b, "HOSPITAL_ADMISSION", "5.50", tolerance="1.25")
    unset = target(council_b, "RETURNS_ON_TIME", "90")
    TargetVersion.objects.filter(target=unset).update(  # only a version ending the target has none
        is_end=True, target_value=None, tolerance=None, min_denominator=None
    )
    retired = Target.objects.create(contract=joint, measure="NO_LONGER_IN_THE_LIBRARY", params={})
    TargetVersion.objects.create(
        target=retired,
        effective_from=joint.start_date,
        target_value=Decimal("70"),
        tolerance=Decimal("0.5"),
        min_denominator=5,
        recorded_by_label="test",
    )

    earlier = stored(first, "2025-26-Q1", is_latest=False, computed_at=SUMMER, checked_at=SUMMER)
    stored(
        first,
        "2025-26-Q1",
        numerator=4,
        value=Decimal("50.0"),
        restated=True,
        restates=earlier,
        restated_because="Changed by 2025-04 version 2",
        sources={
            "2025-06": {"attempt": 12, "version": 2},
            "2025-04": {"attempt": None, "version": None},
            "2025-05": {"attempt": 0},
            "2025-10": {"version": 1},
        },
        computed_at=SUMMER,
        checked_at=WINTER,
    )
    stored(
        first,
        "2025-04",
        numerator=0,
        denominator=0,
        value=None,
        rag="not_rated",
        not_rated_reason="no_data",
        missing_months=["2025-04"],
        outside_term_months=["2025-03", "2025-02"],
        direction="worsened",
        pending=3,
        missing=2,
    )
    for index, (label, rag) in enumerate(
        [
            ("Jane Patel <jane@example.org>", "amber"),
            ("jane@example.org", "green"),  # names no one: the lead body's name
            ("None", "green"),
            ("\u00a0 Sam Okafor\u2003 <sam@example.org>", "amber"),
            (ODD_TEXT, "green"),
        ]
    ):
        result = stored(quarter_ish, f"2025-{index + 4:02d}", computed_at=SUMMER.replace(microsecond=0))
        override(
            result, rag, label, SUMMER.replace(minute=index), reason=ODD_TEXT if index == 4 else "Agreed"
        )
    withdrawn = stored(quarter_ish, "2025-26-Q1")
    override(withdrawn, "green", "Jane Patel", SUMMER)
    override(withdrawn, "", "Jane Patel", WINTER)
    tied = stored(quarter_ish, "2025-26-YTD-06")
    override(tied, "red", "First", SUMMER)
    override(tied, "green", "Second, made later at the same moment", SUMMER)
    stored(whole, "2025-26-Q1", value=Decimal("100.0"), numerator=8, rag="green")
    stored(
        unset,
        "2025-26-Q1",
        value=Decimal("0.0"),
        numerator=0,
        rag="not_rated",
        not_rated_reason="low_numbers",
    )
    stored(retired, "2025-26-Q1", computed_at=datetime(1800, 1, 1, 12, tzinfo=UTC))
    return api_world


def both_ways(client, url: str, monkeypatch) -> tuple[bytes, bytes]:
    """The answer to ``url`` written by PostgreSQL, and by the serializer."""
    written = client.get(url)
    with monkeypatch.context() as patched:
        patched.setattr(result_json, "available", lambda: False)
        serialized = client.get(url)
    assert written.status_code == serialized.status_code == 200, serialized.content
    assert written["Content-Type"] == serialized["Content-Type"] == "application/json"
    return written.content, serialized.content


@pytest.mark.parametrize("zone", ["Europe/London", "UTC", "America/New_York", "Asia/Kathmandu"])
@pytest.mark.parametrize(
    "query",
    ["page_size=500", "history=true&page_size=500", "rag=green", "contract_reference=c-2&rag=not_rated"],
)
def test_the_page_postgresql_writes_is_the_serializers_byte_for_byte(
    every_kind, api, monkeypatch, zone, query
):
    client = api(every_kind.tokens["c_read"])
    with timezone.override(zone):
        written, serialized = both_ways(client, f"/api/v1/results/?{query}", monkeypatch)
    assert written == serialized
    assert b'"override":{' in written or "rag=not_rated" in query


def test_paging_links_forwards_and_backwards_are_the_serializers(every_kind, api, monkeypatch):
    client = api(every_kind.tokens["c_read"])
    url, pages = "/api/v1/results/?history=true&page_size=3", 0
    while url:
        written, serialized = both_ways(client, url, monkeypatch)
        assert written == serialized
        page = client.get(url).json()
        if page["previous"]:
            back_written, back_serialized = both_ways(client, page["previous"], monkeypatch)
            assert back_written == back_serialized
        url, pages = page["next"], pages + 1
    assert pages == 5  # 13 results, 3 a page
    empty_written, empty_serialized = both_ways(client, "/api/v1/results/?period=2030-31-Q1", monkeypatch)
    assert empty_written == empty_serialized == b'{"next":null,"previous":null,"results":[]}'


def test_a_measure_no_longer_in_the_library_and_the_oddest_text_are_written_alike(every_kind, api):
    rows = api(every_kind.tokens["c_read"]).get("/api/v1/results/?page_size=500").json()["results"]
    retired = next(row for row in rows if row["measure"]["code"] == "NO_LONGER_IN_THE_LIBRARY")
    assert (retired["measure"]["name"], retired["measure"]["direction"]) == ("", "")
    assert retired["computed_at"] == "1800-01-01T11:58:45-00:01:15"  # London's mean time, before 1847
    assert {row["contract"]["title"] for row in rows if row["contract"]["reference"] == "J-1"} == {ODD_TEXT}
    by = sorted(row["override"]["by"] for row in rows if row["override"])
    odd_name = ODD_TEXT.split("<", 1)[0].strip()
    assert by == sorted(
        [
            "Jane Patel",
            "Riverton City Council",
            "Riverton City Council",
            "Sam Okafor",
            odd_name,
            "Second, made later at the same moment",
        ]
    )


# --- The ETag: changes with the body, and only then -----------------------------------------------


@pytest.fixture
def polled(api_world):
    """J-1 (an override in force naming no one) and C-2 (none) with a few results each."""
    joint, council_b = api_world.contracts["joint"], api_world.contracts["council_b"]
    help_target = target(joint, "HELP_48H", "80")
    api_world.results = {
        "q1": stored(
            joint.targets.get(measure="INDEPENDENT_WITHIN"), "2025-26-Q1", sources={"2025-04": {"attempt": 1}}
        ),
        "help": stored(help_target, "2025-26-Q1"),
        "b": stored(council_b.targets.get(), "2025-26-Q1"),
        "b_month": stored(council_b.targets.get(), "2025-04"),
    }
    override(api_world.results["help"], "amber", "commissioner@riverton.example", SUMMER)
    return api_world


def commissioner(world):
    return acting_for(world.users["commissioner"], world.council.pk)


def _rename(instance, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()


def _restate(w):
    old = w.results["q1"]
    ComplianceResult.objects.filter(pk=old.pk).update(is_latest=False)
    stored(old.target, old.period, numerator=4, value=Decimal("50.0"), restated=True, restates=old)


@dataclass(frozen=True)
class Change:
    name: str
    make: Callable
    shows: bool  # whether the body changes
    url: str = "/api/v1/results/?page_size=500"
    token: str = "c_read"


CHANGES = [
    Change("nothing", lambda w: None, shows=False),
    Change(
        "a contract field the list does not show", lambda w: _rename(w.contracts["joint"], lot="North"), False
    ),
    Change(
        "a provider field the list does not show",
        lambda w: _rename(w.provider_a, address_town="Elsewhere"),
        False,
    ),
    Change(
        "another council's contract gets a result",
        lambda w: stored(w.contracts["other"].targets.get(), "2025-26-Q1"),
        False,
    ),
    Change(
        "a contract the filter leaves out gets a result",
        lambda w: stored(w.contracts["joint"].targets.get(measure="HELP_48H"), "2025-04"),
        False,
        url="/api/v1/results/?contract_reference=C-2",
    ),
    Change(
        "an override is set",
        lambda w: result_override(
            acting=commissioner(w), result=w.results["q1"], rag_value="amber", reason="Agreed"
        ),
        True,
    ),
    Change(
        "an override is withdrawn",
        lambda w: result_override(
            acting=commissioner(w), result=w.results["help"], rag_value="", reason="Withdrawn"
        ),
        True,
    ),
    Change(
        "an override is replaced",
        lambda w: result_override(
            acting=commissioner(w), result=w.results["help"], rag_value="green", reason="Later"
        ),
        True,
    ),
    Change(
        "an override recorded directly", lambda w: override(w.results["b"], "green", "Jane", WINTER), True
    ),
    Change(
        "the contract reference is renamed", lambda w: _rename(w.contracts["joint"], reference="J-1A"), True
    ),
    Change(
        "the contract title changes", lambda w: _rename(w.contracts["council_b"], title="New title"), True
    ),
    Change(
        "the prime provider is renamed", lambda w: _rename(w.provider_b, name="Brookside Care Group"), True
    ),
    Change(
        "the lead body is renamed, an override naming no one in force",
        lambda w: _rename(w.council, name="Riverton Council"),
        True,
    ),
    Change(
        "the lead body is renamed, no override in force",
        lambda w: _rename(w.council, name="Riverton Council"),
        False,
        url="/api/v1/results/?contract_reference=C-2",
    ),
    Change(
        "a recomputation confirms the figures",
        lambda w: ComplianceResult.objects.filter(pk=w.results["b"].pk).update(checked_at=timezone.now()),
        True,
    ),
    Change(
        "a recomputation rereads other return versions",
        lambda w: ComplianceResult.objects.filter(pk=w.results["q1"].pk).update(
            sources={"2025-04": {"attempt": 2, "version": 2}}
        ),
        True,
    ),
    Change("a restatement replaces a figure", _restate, True),
    Change("a restatement, with the history", _restate, True, url="/api/v1/results/?history=true"),
    Change(
        "a result is withdrawn",
        lambda w: ComplianceResult.objects.filter(pk=w.results["b_month"].pk).update(is_latest=False),
        True,
    ),
    Change(
        "a result is withdrawn, with the history",
        lambda w: ComplianceResult.objects.filter(pk=w.results["b_month"].pk).update(is_latest=False),
        True,
        url="/api/v1/results/?history=true",
    ),
    Change(
        "the target version is corrected",
        lambda w: TargetVersion.objects.filter(target=w.results["b"].target).update(tolerance=Decimal("2")),
        True,
    ),
    Change(
        "a partner loses the contract",
        lambda w: w.contracts["joint"].partner_commissioners.clear(),
        True,
        token="icb_read",
    ),
    Change(
        "a newer result lands on the first page",
        lambda w: stored(w.results["b"].target, "2025-05"),
        True,
        url="/api/v1/results/?page_size=2",
    ),
    Change(
        "a newer result does not reach the second page",
        lambda w: stored(w.results["b"].target, "2025-05"),
        False,
        url="second page",
    ),
]


@pytest.mark.parametrize("change", CHANGES, ids=[change.name for change in CHANGES])
def test_the_etag_changes_when_and_only_when_the_body_does(polled, api, change):
    client = api(polled.tokens[change.token])
    url = change.url
    if url == "second page":
        url = client.get("/api/v1/results/?page_size=2").json()["next"]
    before = client.get(url)
    with transaction.atomic():  # a change of its own, as the service makes each
        change.make(polled)
    after = client.get(url)
    assert before.status_code == after.status_code == 200
    assert (after.content != before.content) is change.shows
    assert (after["ETag"] != before["ETag"]) is change.shows
    conditional = client.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert conditional.status_code == (200 if change.shows else 304)
    assert conditional["ETag"] == after["ETag"]


def test_a_304_writes_nothing(polled, api):
    client = api(polled.tokens["c_read"])
    etag = client.get("/api/v1/results/")["ETag"]
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/results/", HTTP_IF_NONE_MATCH=f'"other", {etag}')
    assert response.status_code == 304 and response.content == b""
    assert response["ETag"] == etag and response["Cache-Control"] == "private, no-cache"
    statements = [query["sql"] for query in queries.captured_queries]
    assert not any("string_agg(concat(" in sql for sql in statements), statements
    assert sum("hash_record_extended(" in sql for sql in statements) == 1


@pytest.mark.parametrize(
    "other,shows",
    [
        ({"path": "/api/v1/results/?page_size=2"}, True),  # the next link
        ({"HTTP_HOST": "api.example.org"}, True),  # every address
        ({"zone": "America/New_York"}, True),  # every time
        ({"path": "/api/v1/results/?page_size=499"}, False),  # one page either way
        ({"path": "/api/v1/results/?page_size=500&unknown=1"}, False),  # ignored, and no link shows it
    ],
    ids=["page size", "host", "time zone", "a page size that makes no difference", "an ignored parameter"],
)
def test_the_address_and_time_zone_are_in_the_etag_as_far_as_the_body_shows_them(
    polled, api, settings, other, shows
):
    settings.ALLOWED_HOSTS = ["testserver", "api.example.org"]
    client = api(polled.tokens["c_read"])
    first = client.get("/api/v1/results/?page_size=500")
    extra = {key: value for key, value in other.items() if key.startswith("HTTP_")}
    with timezone.override(other.get("zone", timezone.get_current_timezone_name())):
        second = client.get(other.get("path", "/api/v1/results/?page_size=500"), **extra)
    assert (first.content != second.content) is shows
    assert (first["ETag"] != second["ETag"]) is shows


def test_a_measure_renamed_in_the_library_changes_the_etag(polled, api, monkeypatch):
    client = api(polled.tokens["c_read"])
    first = client.get("/api/v1/results/")
    monkeypatch.setitem(MEASURES, "HELP_48H", replace(MEASURES["HELP_48H"], name="Help within two days"))
    second = client.get("/api/v1/results/")
    assert first.content != second.content and first["ETag"] != second["ETag"]


def test_the_serializer_path_keeps_its_etag_and_304(polled, api, monkeypatch):
    monkeypatch.setattr(result_json, "available", lambda: False)
    client = api(polled.tokens["c_read"])
    first = client.get("/api/v1/results/")
    again = client.get("/api/v1/results/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again["ETag"] == first["ETag"]


def test_the_whitespace_postgresql_strips_is_pythons():
    python = {char for char in map(chr, range(sys.maxunicode + 1)) if char.isspace()}
    assert set(result_json.PYTHON_WHITESPACE) == python


def test_a_list_without_filters_is_the_list_with_the_default_filters(every_kind, api):
    client = api(every_kind.tokens["c_read"])
    plain = client.get("/api/v1/results/?page_size=500").json()["results"]
    explicit = client.get("/api/v1/results/?page_size=500&history=false").json()["results"]
    assert plain == explicit and all(row["is_latest"] for row in plain) and len(plain) == 12
