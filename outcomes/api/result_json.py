"""The result list written by PostgreSQL: each page's ``results`` JSON, and the page's validator
(ETag) made from cheap facts, so that a conditional request is answered 304 before anything is
written.

A BI tool pages through every latest result, 500 a page. ``ResultSerializer`` builds a page row by
row in Python (about 0.4 ms a row); here one statement writes the page's JSON text, byte for byte
what the serializer and DRF's JSON renderer give (``tests/outcomes/api/test_result_json.py`` holds
the two together on every kind of row), and the view wraps it in the page's envelope. Other
databases (the embedded SQLite) keep the serializer and an ETag digested from the body.

A page's body is a function of these, and its validator is a digest of them (each changes only
when the body does, barring the rare cases named):
- what the view knows before reading any result: the page's result ids in order, its ``next`` and
  ``previous`` links, the addresses of the routes a result links to (scheme, host and prefix, from
  the request), the time zone datetimes are written in, and this module's SQL and the measure
  library (names and directions);
- per result of the page, read by one cheap statement: the row's version (PostgreSQL's ``xmin``,
  the transaction that last wrote it: every in-place write changes it, which covers the columns a
  recomputation rewrites, ``checked_at`` and ``sources``, and ``is_latest`` and ``restates``;
  everything else of a result is written once, as a changed figure is a new row with a new id),
  with ``checked_at``, ``is_latest`` and ``restates`` themselves; what the page shows of other
  rows: the contract's reference, title and prime provider, the provider's name, the target's
  measure, and the target version's id and figures; and the override in force for the target and
  period, if any: its id and everything shown of it, and the lead body's name, which names who set
  it when its label names no one (a lead body renamed changes the ETag of a page with such an
  override even when every one of them names a person);
- how many of the page's results are still stored.
The per-result facts are summed as 64-bit hashes of each result's row of them: a change goes unseen
only if it leaves that sum unchanged, a chance of one in 2**64.
A write that changes nothing shown of a result row (an UPDATE to the same values) changes its
``xmin`` and so the ETag; the service makes none. A dump restored into a new database changes every
``xmin``, so every ETag, once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.utils import timezone

from accounts.api.links import link, link_parts
from accounts.models import Organisation
from commissioning.models import Contract, Target, TargetVersion
from outcomes.measures import MEASURES
from outcomes.models import ComplianceResult
from outcomes.results.overrides import newest_override_sql

API_VERSION = "v1"

# The addresses of objects with a numeric id that a result carries: SQL parameter name → route.
ROUTES = {
    "result_url": "api:results-detail",
    "result_web_url": "results:detail",
    "contract_url": "api:contracts-detail",
    "contract_web_url": "commissioning:contract-detail",
    "return_url": "api:returns-detail",
}


def available() -> bool:
    """Whether this database writes the result list's JSON (PostgreSQL does)."""
    return connection.vendor == "postgresql"


# Every character ``str.strip()`` removes (``str.isspace``), for ``btrim`` to remove the same.
PYTHON_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _text(expression: str) -> str:
    """A JSON string of a text expression (or null), escaped as Python's ``json.dumps`` escapes it."""
    return f"coalesce(to_json(({expression})::text)::text, 'null')"


def _integer(expression: str) -> str:
    return f"coalesce(({expression})::text, 'null')"


def _boolean(expression: str) -> str:
    return f"CASE WHEN {expression} THEN 'true' ELSE 'false' END"


def _decimal(expression: str) -> str:
    """A decimal as DRF sends it (COERCE_DECIMAL_TO_STRING off): the shortest float repr, so
    66.00 is 66.0 and 66.50 is 66.5 (the stored scale is 1 or 2, so the text is exact)."""
    return (
        f"CASE WHEN {expression} IS NULL THEN 'null' WHEN {expression} = round({expression}, 1) "
        f"THEN round({expression}, 1)::text ELSE ({expression})::text END"
    )


def _date(expression: str) -> str:
    return f"""concat('"', to_char({expression}, 'YYYY-MM-DD'), '"')"""


def _datetime(name: str) -> str:
    """An instant as DRF's DateTimeField gives it: ISO 8601 in the current time zone, microseconds
    only when there are any, the offset as ±HH:MM (±HH:MM:SS when it has seconds), "Z" for none.
    ``local.<name>`` is the instant's wall time there and ``local.<name>_offset`` its offset in seconds."""
    wall, offset = f"local.{name}", f"local.{name}_offset"
    seconds = "'YYYY-MM-DD\"T\"HH24:MI:SS'"
    return (
        f"CASE WHEN {wall} IS NULL THEN 'null' ELSE concat('\"', to_char({wall}, CASE WHEN "
        f"date_trunc('second', {wall}) = {wall} THEN {seconds} ELSE {seconds[:-1]}.US' END), "
        f"CASE {offset} WHEN 0 THEN 'Z' WHEN 3600 THEN '+01:00' ELSE concat("
        f"CASE WHEN {offset} < 0 THEN '-' ELSE '+' END, lpad((abs({offset}) / 3600)::text, 2, '0'), ':', "
        f"lpad(mod(abs({offset}) / 60, 60)::text, 2, '0'), CASE WHEN mod({offset}, 60) = 0 THEN '' "
        f"ELSE concat(':', lpad(mod(abs({offset}), 60)::text, 2, '0')) END) END, '\"') END"
    )


def _local(name: str, instant: str) -> str:
    """``local.<name>`` and ``local.<name>_offset`` for ``_datetime``."""
    return (
        f"{instant} AT TIME ZONE %(tz)s::text AS {name}, "
        f"extract(epoch FROM ({instant} AT TIME ZONE %(tz)s::text) - ({instant} AT TIME ZONE 'UTC'))::integer "
        f"AS {name}_offset"
    )


def _link(route: str, number: str) -> str:
    """The address of one of ``ROUTES`` for a whole number, as ``accounts.api.links.link`` writes
    it, as a JSON string: the two parts around the number come escaped (``results_parameters``), and the
    digits need none."""
    return f"concat(%({route}_open)s::text, {number}, %({route}_close)s::text)"


def _object(*pairs: tuple[str, str]) -> str:
    """A JSON object of (key, JSON expression) pairs, in order, written compactly as DRF does
    (every expression is text, never NULL)."""
    parts = []
    for index, (key, expression) in enumerate(pairs):
        parts.append(("'{" if index == 0 else "',") + f'"{key}":\'')
        parts.append(expression)
    return "concat(" + ", ".join(parts) + ", '}')"


def _list_of_text(column: str) -> str:
    """A stored JSON list shown as a list of strings (``ListField(child=CharField())``)."""
    return (
        f"CASE WHEN jsonb_array_length({column}) = 0 THEN '[]' ELSE (SELECT concat('[', string_agg("
        f"coalesce(to_json(item)::text, 'null'), ',' ORDER BY position), ']') "
        f"FROM jsonb_array_elements_text({column}) WITH ORDINALITY AS items(item, position)) END"
    )


def _sources(column: str) -> str:
    """The return versions read (the JSON object ``column``), by month in the order Python sorts
    the months."""
    entry = _object(
        ("month", _text("source.key")),
        ("attempt_id", _integer("read.attempt")),
        ("version", _integer("(source.value ->> 'version')::bigint")),
        (
            "url",
            f"CASE WHEN coalesce(read.attempt, 0) = 0 THEN 'null' ELSE {_link('return_url', 'read.attempt')} END",
        ),
    )
    return (
        f"coalesce((SELECT concat('[', string_agg({entry}, ',' ORDER BY source.key COLLATE \"C\"), ']') "
        f"FROM jsonb_each({column}) AS source "
        "CROSS JOIN LATERAL (SELECT (source.value ->> 'attempt')::bigint AS attempt) AS read), '[]')"
    )


def _override_by() -> str:
    """``person_name(None, label, fallback=<the lead body's name>)`` in SQL."""
    name = "btrim(split_part(o.created_by_label, '<', 1), %(whitespace)s::text)"
    return (
        f"CASE WHEN {name} = '' OR position('@' IN {name}) > 0 OR {name} = 'None' "
        f"THEN c.lead_name ELSE {name} END"
    )


def _result() -> str:
    """One result as ``ResultSerializer`` writes it."""
    in_force = "o.id IS NOT NULL"
    return _object(
        ("id", "r.id::text"),
        ("url", _link("result_url", "r.id")),
        ("web_url", _link("result_web_url", "r.id")),
        (
            "contract",
            _object(
                ("id", "c.id::text"),
                ("reference", _text("c.reference")),
                ("title", _text("c.title")),
                ("url", _link("contract_url", "c.id")),
                ("web_url", _link("contract_web_url", "c.id")),
            ),
        ),
        ("provider", _object(("id", "c.provider_id::text"), ("name", _text("c.provider_name")))),
        ("target", "r.target_id::text"),
        ("target_version", "r.target_version_id::text"),
        (
            "measure",
            "coalesce(measure.json, "  # a code no longer in the library
            + _object(
                ("code", _text("t.measure")),
                ("name", "'\"\"'"),
                ("direction", "'\"\"'"),
                (
                    "url",
                    _text("concat(%(measure_url_before)s::text, t.measure, %(measure_url_after)s::text)"),
                ),
            )
            + ")",
        ),
        ("period", _text("r.period")),
        ("period_kind", _text("r.period_kind")),
        ("period_start", _date("r.period_start")),
        ("period_end", _date("r.period_end")),
        ("numerator", "r.numerator::text"),
        ("denominator", "r.denominator::text"),
        ("value", _integer("r.value")),  # numeric(4, 1): its text is the float's repr
        (  # nothing in it needs escaping
            "figures_text",
            "concat('\"', coalesce(r.value::text || '%%', '—'), ' (', r.numerator, '/', r.denominator, ')\"')",
        ),
        ("target_value", _decimal("v.target_value")),
        ("tolerance", _decimal("v.tolerance")),
        ("min_denominator", _integer("v.min_denominator")),
        ("rag", _text(f"CASE WHEN {in_force} THEN o.rag ELSE r.rag END")),
        ("computed_rag", _text("r.rag")),
        (
            "override",
            f"CASE WHEN {in_force} THEN "
            + _object(
                ("rag", _text("o.rag")),
                ("reason", _text("o.reason")),
                ("computed_rag", _text("o.computed_rag")),
                ("by", _text(_override_by())),
                ("at", _datetime("overridden_at")),
            )
            + " ELSE 'null' END",
        ),
        ("not_rated_reason", _text("r.not_rated_reason")),
        ("direction", _text("r.direction")),
        ("pending", "r.pending::text"),
        ("missing", "r.missing::text"),
        ("missing_months", _list_of_text("r.missing_months")),
        ("outside_term_months", _list_of_text("r.outside_term_months")),
        (
            "incomplete",
            _boolean(
                "(jsonb_array_length(r.missing_months) > 0 OR jsonb_array_length(r.outside_term_months) > 0)"
            ),
        ),
        ("restated", _boolean("r.restated")),
        ("restates", _integer("r.restates_id")),
        ("restated_because", _text("r.restated_because")),
        ("sources", "sources.json"),
        ("is_latest", _boolean("r.is_latest")),
        ("computed_at", _datetime("computed_at")),
        ("checked_at", _datetime("checked_at")),
    )


def _facts() -> str:
    """One result's facts (see the module's docstring) as a row; the page's digest is the sum of
    their 64-bit hashes, with the count (the ids' order is in the ETag already)."""
    return (
        "ROW(r.id, r.row_version, r.checked_at, r.is_latest, r.restates_id, c.id, c.reference, c.title, "
        "c.provider_id, c.provider_name, t.measure, v.id, v.target_value, v.tolerance, v.min_denominator, "
        "o.id, o.rag, o.reason, o.computed_rag, o.created_by_label, o.created_at, "
        "CASE WHEN o.id IS NOT NULL THEN c.lead_name END)"
    )


# The columns of a result its facts read (besides its row version).
FACT_COLUMNS = (
    "id",
    "checked_at",
    "is_latest",
    "restates_id",
    "contract_id",
    "target_id",
    "target_version_id",
    "period",
)


def _statement(*, facts: bool, body: bool, where: str) -> str:
    """One statement over the results ``where`` says (a condition on the result ``r``), reading
    their facts (how many there are, and a digest of their facts) and/or writing their JSON: the
    results array without its brackets, newest id first (U+2028 and U+2029 escaped, as DRF's
    renderer does). Facts and body come from one statement, so both are read at the same moment.

    The results are read first, then their few contracts by id from a list, and each result's
    target and target version by its id (OFFSET 0 keeps those lookups as they are written): every
    table is read through its primary key, whatever the planner thinks of the tables' sizes (joined
    plainly, at national scale it hashes the whole target table for each page of 500). The targets
    of a contract read the same return versions for a period, so each distinct ``sources`` is
    written once (found by its hash, and checked equal)."""
    organisations = Organisation._meta.db_table
    if body:  # every column of a result, and its sources' hash
        result_columns = "r.*, jsonb_hash_extended(r.sources, 0) AS sources_hash"
    else:  # the few columns the facts read
        result_columns = ", ".join(f"r.{column}" for column in FACT_COLUMNS)
    tables = [
        f"r AS MATERIALIZED (SELECT {result_columns}, r.xmin AS row_version "
        f"FROM {ComplianceResult._meta.db_table} r WHERE {where})",
        "c AS MATERIALIZED (SELECT c.id, c.reference, c.title, c.provider_id, provider.name AS provider_name, "
        f"lead.name AS lead_name FROM {Contract._meta.db_table} c "
        f"JOIN {organisations} provider ON provider.id = c.provider_id "
        f"JOIN {organisations} lead ON lead.id = c.lead_commissioner_id "
        "WHERE c.id = ANY(ARRAY(SELECT DISTINCT contract_id FROM r)))",
    ]
    joins = [
        "r JOIN c ON c.id = r.contract_id",
        f"CROSS JOIN LATERAL (SELECT t.measure FROM {Target._meta.db_table} t WHERE t.id = r.target_id OFFSET 0) t",
        "CROSS JOIN LATERAL (SELECT v.id, v.target_value, v.tolerance, v.min_denominator "
        f"FROM {TargetVersion._meta.db_table} v WHERE v.id = r.target_version_id OFFSET 0) v",
        f"LEFT JOIN LATERAL {newest_override_sql('r')} o ON o.rag <> ''",
    ]
    columns = []
    if facts:
        columns.append(f"count(*), sum(hash_record_extended({_facts()}, 0))::text")
    if body:
        tables.append(
            f"sources AS MATERIALIZED (SELECT hash, sources, {_sources('sources')} AS json "
            "FROM (SELECT DISTINCT r.sources_hash AS hash, r.sources FROM r) AS distinct_sources)"
        )
        joins += [
            "JOIN sources ON sources.hash = r.sources_hash AND sources.sources = r.sources",
            "LEFT JOIN unnest(%(measure_codes)s::text[], %(measure_json)s::text[]) AS measure(code, json) "
            "ON measure.code = t.measure",
            f"CROSS JOIN LATERAL (SELECT {_local('computed_at', 'r.computed_at')}, "
            f"{_local('checked_at', 'r.checked_at')}, {_local('overridden_at', 'o.created_at')}) AS local",
        ]
        columns.append(
            f"replace(replace(coalesce(string_agg({_result()}, ',' ORDER BY r.id DESC), ''), "
            "chr(8232), '\\u2028'), chr(8233), '\\u2029')"
        )
    return f"WITH {', '.join(tables)} SELECT {', '.join(columns)} FROM {' '.join(joins)}"


PAGE = "r.id = ANY(%(ids)s::bigint[])"


@cache
def page_sql() -> str:
    """The statement reading a page's facts and writing its results (parameters: ``results_parameters``
    and ``ids``)."""
    return _statement(facts=True, body=True, where=PAGE)


@cache
def facts_sql() -> str:
    """The statement reading a page's facts only (parameter: ``ids``)."""
    return _statement(facts=True, body=False, where=PAGE)


def results_sql(where: str) -> str:
    """A statement writing the JSON of the results ``where`` says (a condition on the result ``r``;
    parameters: ``results_parameters`` and any of its own), as the page does."""
    return _statement(facts=False, body=True, where=where)


def _representation() -> str:
    """What turns the facts into a body: the statement's text and the measure library."""
    library = sorted((code, measure.name, measure.direction.value) for code, measure in MEASURES.items())
    return hashlib.sha256(json.dumps([API_VERSION, page_sql(), facts_sql(), library]).encode()).hexdigest()


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def results_parameters(request) -> dict:
    """The parameters of the statements writing results: the time zone, and what the request and
    the measure library make of addresses and measures."""
    parameters = {"tz": timezone.get_current_timezone_name(), "whitespace": PYTHON_WHITESPACE}
    for route_name, route in ROUTES.items():
        before, after = link_parts(request, route)
        parameters[f"{route_name}_open"] = _json_string(before)[:-1]  # escaping is character by character
        parameters[f"{route_name}_close"] = _json_string(after)[1:]
    parameters["measure_url_before"], parameters["measure_url_after"] = link_parts(
        request, "api:measures-detail"
    )
    parameters["measure_codes"] = list(MEASURES)
    parameters["measure_json"] = [
        json.dumps(
            {
                "code": code,
                "name": measure.name,
                "direction": measure.direction.value,
                "url": link(request, "api:measures-detail", code),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for code, measure in MEASURES.items()
    ]
    return parameters


@dataclass(frozen=True)
class PageFacts:
    """How many of a page's results are stored, and a digest of their facts (None for none)."""

    count: int
    digest: str | None


def results_page_facts(ids: list[int]) -> PageFacts:
    """The facts of the page holding results ``ids``, read without writing any of it."""
    with connection.cursor() as cursor:
        cursor.execute(facts_sql(), {"ids": ids})
        return PageFacts(*cursor.fetchone())


def results_page_written(request, ids: list[int]) -> tuple[PageFacts, str]:
    """The page's facts and its ``results`` array as JSON text (``ResultSerializer(many=True)``
    rendered by DRF, newest id first), read at the same moment."""
    with connection.cursor() as cursor:
        cursor.execute(page_sql(), results_parameters(request) | {"ids": ids})
        count, digest, body = cursor.fetchone()
    return PageFacts(count, digest), "[" + (body or "") + "]"


def results_page_etag(
    request, facts: PageFacts, ids: list[int], next_link: str | None, previous_link: str | None
) -> str:
    """The strong ETag of the page holding results ``ids`` (in page order) with these links and
    facts: it changes whenever the page's body would (see the module's docstring)."""
    validator = [
        _representation(),
        timezone.get_current_timezone_name(),
        [link_parts(request, route) for route in (*ROUTES.values(), "api:measures-detail")],
        next_link,
        previous_link,
        ids,
        facts.count,
        facts.digest,
    ]
    return '"' + hashlib.sha256(json.dumps(validator).encode()).hexdigest()[:40] + '"'
