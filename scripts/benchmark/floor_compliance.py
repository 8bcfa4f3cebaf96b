"""The floor of the nightly full recompute: the engine's whole job in hand-written, set-based SQL.

``results_recompute_all()`` computes, for every contract with accepted returns, every kept period
(months, quarters, years to date, rolling twelve months) of every target, judges it and stores a
result. ``floor_recompute`` does exactly the same work in hand-written SQL (a few statements, each
making a temporary table the next reads), so that a benchmark can print the engine's time beside a
floor that reads the same rows and stores the same results:

- the same periods (``periods_kept`` of each contract's accepted months, as ``contract_periods``),
  and for the direction of travel the period before each, as ``previous_period`` defines it;
- the same rows: the episodes' latest rows (the ``is_latest`` flag kept at acceptance), the package
  measures' hours from the snapshot version, survey figures and return versions;
- every measure counted with each target's own parameters, one statement per measure for all
  contracts, targets and periods (``figures_*`` below, each with the rule of measures.md it
  implements): the latest rows joined to a table of the periods and grouped by target and period;
- judged in SQL: the target version in force at the period's end, the value rounded half up to one
  decimal place, RAG and not-rated reason, direction of travel, missing and outside-term months,
  and the return versions read (``sources``, built as jsonb);
- stored: one row per target and period in ``bench_floor_result``, a copy of
  ``outcomes_complianceresult`` with its defaults, checks, indexes and foreign keys.

Python only lists the (contract, period) pairs and the targets' cleaned parameters; it never sees
an episode or a result. ``floor_mismatches`` compares the floor's rows with the engine's latest
results, field by field. The module runs inside a configured Django process.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction

from outcomes.measures import MEASURES
from outcomes.measures.library import AGE_BAND_GROUPS
from outcomes.periods import LONDON, Period, periods_kept

RESULT_TABLE = "bench_floor_result"
PERIOD_TABLE = "bench_floor_period"  # the (contract, period) pairs of the run, with the period before
TARGET_TABLE = "bench_floor_target"  # the targets of the run's contracts, with cleaned parameters
SURVEY_MEASURES = ("HEALTH_NEEDS_MET", "CARER_SUPPORTED", "DIED_WITH_DIGNITY")
# What a stored result keeps that the floor must reproduce (floor_mismatches compares them).
COMPARED = (
    "target_version_id",
    "numerator",
    "denominator",
    "pending",
    "missing",
    "value",
    "rag",
    "not_rated_reason",
    "direction",
    "missing_months",
    "outside_term_months",
    "sources",
)


@dataclass(frozen=True)
class FloorRun:
    """One run of the floor: wall time (metadata, counting, judging and storing) and what it stored."""

    seconds: float
    rows: int
    contracts: int
    periods: int


# --- What Python prepares: the (contract, period) pairs and the targets' parameters -----------------


def _work(now: datetime, contract_ids: list[int] | None, periods: dict[int, list[Period]] | None) -> dict:
    """The periods of each contract the engine would compute: the given ones, or every kept period
    of every contract with accepted returns (``contract_periods`` as at ``now``'s London day).
    Contracts whose person-level data has been deleted keep their figures: none is computed."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.id, mr.month
            FROM commissioning_contract c
            LEFT JOIN outcomes_monthlyreturn mr ON mr.contract_id = c.id
                AND EXISTS (SELECT 1 FROM outcomes_returnattempt a
                            WHERE a.monthly_return_id = mr.id AND a.is_current)
            WHERE c.person_data_deleted_on IS NULL
            """
        )
        accepted: dict[int, list[date]] = defaultdict(list)
        computable = set()
        for contract_id, month in cursor.fetchall():
            computable.add(contract_id)
            if month is not None:
                accepted[contract_id].append(month)
    wanted = set(contract_ids) if contract_ids is not None else None
    if periods is not None:
        chosen = {cid: sorted(set(given)) for cid, given in periods.items() if given}
    else:
        today = now.astimezone(LONDON).date()
        chosen = {cid: periods_kept(months, today) for cid, months in accepted.items()}
    return {
        cid: found
        for cid, found in sorted(chosen.items())
        if cid in computable and (wanted is None or cid in wanted) and found
    }


def _targets(contract_ids: list[int]) -> list[dict]:
    """Every target of the contracts with its measure's direction and its parameters, cleaned as the
    engine cleans them (defaults filled in; an age-band group such as 65+ as its bands)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, contract_id, measure, params FROM commissioning_target WHERE contract_id = ANY(%s)",
            [contract_ids],
        )
        found = cursor.fetchall()
    targets = []
    for target_id, contract_id, code, raw in found:
        measure = MEASURES[code]
        params = measure.clean_params(json.loads(raw) if isinstance(raw, str) else raw)
        bands = params.get("age_bands")
        if isinstance(bands, str):
            bands = list(AGE_BAND_GROUPS[bands])
        targets.append(
            {
                "target_id": target_id,
                "contract_id": contract_id,
                "measure": code,
                "better": str(measure.direction),
                "window_days": params.get("window_days"),
                "service_type": params.get("service_type"),
                "referral_source": params.get("referral_source"),
                "exclude": params.get("exclude"),
                "lookback": params.get("lookback"),
                "dementia": params.get("dementia"),
                "min_tenure_days": params.get("min_tenure_days"),
                "age_bands": bands,
            }
        )
    return targets


def _metadata_store(cursor, work: dict[int, list[Period]], targets: list[dict]) -> None:
    """The run's periods and targets as tables. Each period carries the period before it of the same
    kind (``previous_period``): the month or quarter before; a year to date or rolling twelve months
    a year earlier, ending at the end of the same month."""
    pairs = [
        {
            "contract_id": contract_id,
            "period": period.identifier,
            "period_kind": period.kind,
            "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
        }
        for contract_id, periods in work.items()
        for period in periods
    ]
    cursor.execute(f"DROP TABLE IF EXISTS {RESULT_TABLE}, {PERIOD_TABLE}, {TARGET_TABLE}")
    cursor.execute(
        f"""
        CREATE TABLE {PERIOD_TABLE} AS
        SELECT w.contract_id, w.period, w.period_kind, w.period_start, w.period_end,
               (w.period_start - back.step)::date AS previous_start,
               (date_trunc('month', w.period_end) - back.step + interval '1 month' - interval '1 day')::date
                   AS previous_end
        FROM jsonb_to_recordset(%s::jsonb) AS w(
            contract_id bigint, period text, period_kind text, period_start date, period_end date)
        CROSS JOIN LATERAL (
            SELECT CASE w.period_kind WHEN 'month' THEN interval '1 month'
                                      WHEN 'quarter' THEN interval '3 months'
                                      ELSE interval '12 months' END
        ) AS back(step)
        """,
        [json.dumps(pairs)],
    )
    cursor.execute(
        f"""
        CREATE TABLE {TARGET_TABLE} AS
        SELECT * FROM jsonb_to_recordset(%s::jsonb) AS t(
            target_id bigint, contract_id bigint, measure text, better text,
            window_days int, service_type text, referral_source text, exclude text[],
            lookback text, dementia text, min_tenure_days int, age_bands text[])
        """,
        [json.dumps(targets)],
    )
    cursor.execute(f"ANALYZE {PERIOD_TABLE}, {TARGET_TABLE}")


def _result_table_create(cursor) -> None:
    """``bench_floor_result``: outcomes_complianceresult's columns, defaults, identity, checks and
    indexes (the one-latest-result unique index among them), and its foreign keys, checked on insert
    as the engine's are at commit."""
    cursor.execute(
        f"""
        CREATE TABLE {RESULT_TABLE} (LIKE outcomes_complianceresult
            INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING INDEXES)
        """
    )
    cursor.execute(
        f"""
        ALTER TABLE {RESULT_TABLE}
            ADD FOREIGN KEY (contract_id) REFERENCES commissioning_contract (id),
            ADD FOREIGN KEY (target_id) REFERENCES commissioning_target (id),
            ADD FOREIGN KEY (target_version_id) REFERENCES commissioning_targetversion (id),
            ADD FOREIGN KEY (restates_id) REFERENCES {RESULT_TABLE} (id)
        """
    )


# --- Counting: one statement per measure over every target and span ------------------------------
#
# Each returns rows (target_id, period_start, period_end, numerator, denominator, pending, missing),
# only for spans with something counted (the rest count 0). They read these tables of STEPS:
#   floor_spans: every (contract, first day, last day) to count, the run's periods and those before
#       them, with the last day covered by the contract's accepted returns and the snapshot version
#       (the newest accepted version of the month holding the span's last day, or of the latest
#       month before it with one);
#   floor_span_months: each month of each span, with the span;
#   floor_episode_months, floor_package_days: see STEPS.
# ``l`` is an episode's latest row: its row in the latest month that holds it, from that month's
# newest accepted version (the is_latest flag, kept at acceptance); one row per episode, so a count
# of rows is a count of distinct episodes.


def _dated(day: str) -> str:
    """Latest rows whose ``day`` (an expression of ``l`` and ``t``) is in span ``s``. Spans are whole
    months, so a day is in a span exactly when its month is one of the span's months: an equi-join
    on the month, rather than a test of every row against every span."""
    return f"""
    FROM {TARGET_TABLE} t
    JOIN outcomes_episoderecord l ON l.contract_id = t.contract_id AND l.is_latest
    JOIN floor_span_months s ON s.contract_id = t.contract_id
        AND s.month = date_trunc('month', ({day})::timestamp)::date"""


BY_SPAN = "GROUP BY t.target_id, s.period_start, s.period_end"


def figures_help_48h() -> str:
    """HELP_48H. Denominator: episodes whose referred_at is in period, except those with no first
    visit whose 48 hours have not yet run out by the end of the period. Numerator: first_visit_at −
    referred_at ≤ 48 h. Durations are elapsed time (timestamptz ± interval '48 hours'), and the
    period ends at midnight London time after its last day."""
    return f"""
    SELECT t.target_id, s.period_start, s.period_end,
           count(*) FILTER (WHERE counted AND l.first_visit_at <= l.referred_at + interval '48 hours'),
           count(*) FILTER (WHERE counted),
           0, 0
    {_dated("l.referred_on")}
    CROSS JOIN LATERAL (
        SELECT NOT (l.first_visit_at IS NULL AND l.referred_at >
                    ((s.period_end + 1)::timestamp AT TIME ZONE 'Europe/London') - interval '48 hours')
    ) AS r(counted)
    WHERE t.measure = 'HELP_48H'
    {BY_SPAN}"""


def figures_independent_within() -> str:
    """INDEPENDENT_WITHIN. Episodes of the cohort (service_type, referral_source) with a first visit,
    whose judging day (first-visit date + window_days) is in period. Denominator: those judged (the
    judging day covered by accepted returns) less those that ended for an excluded reason on or
    before the judging day; numerator: ended 'independent' on or before it; pending: those whose
    judging day is after the last day covered (never failures)."""
    return f"""
    SELECT t.target_id, s.period_start, s.period_end,
           count(*) FILTER (WHERE judged AND NOT excluded AND independent),
           count(*) FILTER (WHERE judged AND NOT excluded),
           count(*) FILTER (WHERE NOT judged),
           0
    {_dated("l.first_visit_on + t.window_days")}
        AND (t.service_type = 'any' OR l.service_type = t.service_type)
        AND (t.referral_source = 'any' OR l.referral_source = t.referral_source)
    CROSS JOIN LATERAL (SELECT l.first_visit_on + t.window_days) AS d(judging_day)
    CROSS JOIN LATERAL (
        SELECT coalesce(d.judging_day <= s.last_covered_day, false),
               coalesce(l.end_reason = ANY (t.exclude) AND l.ended_on <= d.judging_day, false),
               coalesce(l.end_reason = 'independent' AND l.ended_on <= d.judging_day, false)
    ) AS r(judged, excluded, independent)
    WHERE t.measure = 'INDEPENDENT_WITHIN'
    {BY_SPAN}"""


def figures_residential_entry() -> str:
    """RESIDENTIAL_ENTRY. Denominator: distinct episodes of the cohort (service_type, dementia) open at
    any time in the lookback window ending at the period's end (R12: the twelve months ending then;
    or the period itself). Numerator: those ended residential_care or nursing_care within it. Open
    at any time = first visit on or before the window's last day, not ended before its first."""
    return f"""
    SELECT t.target_id, s.period_start, s.period_end,
           coalesce(sum(b.episodes) FILTER (WHERE b.end_reason IN ('residential_care', 'nursing_care')
                                            AND b.end_month BETWEEN w.window_start AND s.period_end), 0),
           sum(b.episodes),
           0, 0
    FROM {TARGET_TABLE} t
    JOIN floor_spans s ON s.contract_id = t.contract_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN t.lookback = 'R12'
                    THEN (date_trunc('month', s.period_end::timestamp) - interval '11 months')::date
                    ELSE s.period_start END
    ) AS w(window_start)
    JOIN floor_episode_months b ON b.contract_id = t.contract_id
        AND b.first_month <= s.period_end
        AND (b.end_month IS NULL OR b.end_month >= w.window_start)
        AND (t.service_type = 'any' OR b.service_type = t.service_type)
        AND (t.dementia = 'any' OR b.dementia = (t.dementia = 'Y'))
    WHERE t.measure = 'RESIDENTIAL_ENTRY'
    {BY_SPAN}"""


def package_days() -> str:
    """PACKAGE_REDUCED / PACKAGE_INCREASED, counted for both measures once per contract, minimum tenure
    and last day D (a month, its quarter, year to date and rolling twelve months share D).
    Denominator: long_term episodes open on D whose first visit was at least min_tenure_days before
    it. Numerator: weekly_hours_now < (or >) weekly_hours_start, where weekly_hours_now is from the
    episode's row in the snapshot version (the newest accepted version of the month containing D, or
    of the latest month before it with one: the hours as they stood then) and weekly_hours_start
    from its latest row. An episode missing from the snapshot version counts in the denominator only."""
    return f"""
    SELECT k.contract_id, k.min_tenure_days, e.period_end,
           count(*) FILTER (WHERE snap.weekly_hours_now < l.weekly_hours_start) AS reduced,
           count(*) FILTER (WHERE snap.weekly_hours_now > l.weekly_hours_start) AS increased,
           count(*) AS denominator
    FROM (SELECT DISTINCT contract_id, min_tenure_days FROM {TARGET_TABLE}
          WHERE measure IN ('PACKAGE_REDUCED', 'PACKAGE_INCREASED')) AS k
    JOIN (SELECT DISTINCT contract_id, period_end, snapshot_attempt FROM floor_spans) AS e
        ON e.contract_id = k.contract_id
    JOIN outcomes_episoderecord l ON l.contract_id = k.contract_id AND l.is_latest
        AND l.service_type = 'long_term'
        AND l.first_visit_on <= e.period_end
        AND l.first_visit_on <= e.period_end - k.min_tenure_days
        AND (l.ended_on IS NULL OR l.ended_on >= e.period_end)
    LEFT JOIN outcomes_episoderecord snap  -- one row at most (unique per version and episode)
        ON snap.attempt_id = e.snapshot_attempt AND snap.episode_ref = l.episode_ref
    GROUP BY k.contract_id, k.min_tenure_days, e.period_end"""


def figures_package() -> str:
    """PACKAGE_REDUCED / PACKAGE_INCREASED: each target's counts for the last day of each span
    (``package_days``)."""
    return f"""
    SELECT t.target_id, s.period_start, s.period_end,
           CASE t.measure WHEN 'PACKAGE_REDUCED' THEN d.reduced ELSE d.increased END, d.denominator,
           0, 0
    FROM floor_package_days d
    JOIN {TARGET_TABLE} t ON t.contract_id = d.contract_id AND t.min_tenure_days = d.min_tenure_days
        AND t.measure IN ('PACKAGE_REDUCED', 'PACKAGE_INCREASED')
    JOIN floor_spans s ON s.contract_id = d.contract_id AND s.period_end = d.period_end"""


def figures_at_home_91d() -> str:
    """AT_HOME_91D. hospital_discharge short_term episodes in the age bands whose referred_at + 91
    days is in period. Denominator: those judged (referral + 91 days covered by accepted returns);
    numerator: at_home_91_days = Y; missing: judged with at_home_91_days blank (counted as not at
    home); pending: not judged yet."""
    return f"""
    SELECT t.target_id, s.period_start, s.period_end,
           count(*) FILTER (WHERE judged AND l.at_home_91_days IS TRUE),
           count(*) FILTER (WHERE judged),
           count(*) FILTER (WHERE NOT judged),
           count(*) FILTER (WHERE judged AND l.at_home_91_days IS NULL)
    {_dated("l.referred_on + 91")}
        AND l.referral_source = 'hospital_discharge' AND l.service_type = 'short_term'
        AND l.age_band = ANY (t.age_bands)
    CROSS JOIN LATERAL (SELECT coalesce(l.referred_on + 91 <= s.last_covered_day, false)) AS r(judged)
    WHERE t.measure = 'AT_HOME_91D'
    {BY_SPAN}"""


def figures_hospital_admission() -> str:
    """HOSPITAL_ADMISSION. Denominator: distinct episodes open at any time in period (first visit on or
    before its last day, not ended before its first). Numerator: those ended 'hospital' in period."""
    return f"""
    SELECT t.target_id, s.period_start, s.period_end,
           coalesce(sum(b.episodes) FILTER (WHERE b.end_reason = 'hospital'
                                            AND b.end_month BETWEEN s.period_start AND s.period_end), 0),
           sum(b.episodes),
           0, 0
    FROM {TARGET_TABLE} t
    JOIN floor_spans s ON s.contract_id = t.contract_id
    JOIN floor_episode_months b ON b.contract_id = t.contract_id
        AND b.first_month <= s.period_end
        AND (b.end_month IS NULL OR b.end_month >= s.period_start)
    WHERE t.measure = 'HOSPITAL_ADMISSION'
    {BY_SPAN}"""


def figures_died_preferred_place() -> str:
    """DIED_PREFERRED_PLACE. Denominator: episodes with end_of_life = Y that ended 'died' in period.
    Numerator: died_in_preferred_place = Y; missing: died_in_preferred_place blank."""
    return f"""
    SELECT t.target_id, s.period_start, s.period_end,
           count(*) FILTER (WHERE l.died_in_preferred_place IS TRUE),
           count(*),
           0,
           count(*) FILTER (WHERE l.died_in_preferred_place IS NULL)
    {_dated("l.ended_on")}
        AND l.end_of_life AND l.end_reason = 'died'
    WHERE t.measure = 'DIED_PREFERRED_PLACE'
    {BY_SPAN}"""


def figures_surveys() -> str:
    """HEALTH_NEEDS_MET / CARER_SUPPORTED / DIED_WITH_DIGNITY. Denominator: the sum of the survey
    denominators of the months in period; numerator: the sum of the survey numerators (each month's
    figures from its newest accepted version)."""
    measures = ", ".join(f"'{code}'" for code in SURVEY_MEASURES)
    return f"""
    SELECT t.target_id, s.period_start, s.period_end,
           sum(f.numerator), sum(f.denominator),
           0, 0
    FROM {TARGET_TABLE} t
    JOIN floor_spans s ON s.contract_id = t.contract_id
    JOIN outcomes_surveyfigure f ON f.contract_id = t.contract_id AND f.measure_code = t.measure
        AND f.month BETWEEN s.period_start AND s.period_end
    JOIN outcomes_returnattempt a ON a.id = f.attempt_id AND a.is_current
    WHERE t.measure IN ({measures})
    {BY_SPAN}"""


def figures_returns_on_time() -> str:
    """RETURNS_ON_TIME. Denominator: months of the period (within the contract's term) that have ended
    and whose due date has passed — the end of the contract's return due day of the following month,
    London time. Numerator: months whose first accepted return (version 1) was submitted by the
    month's due date."""
    return f"""
    SELECT t.target_id, s.period_start, s.period_end,
           count(*) FILTER (WHERE v1.submitted_at <= mr.due_at),
           count(*),
           0, 0
    FROM {TARGET_TABLE} t
    JOIN floor_span_months s ON s.contract_id = t.contract_id
    JOIN commissioning_contract k ON k.id = t.contract_id
    CROSS JOIN LATERAL (
        SELECT (s.month + interval '1 month' - interval '1 day')::date,
               ((s.month + interval '1 month')::date + (k.return_due_day - 1) + time '23:59:59.999999')
                   AT TIME ZONE 'Europe/London'
    ) AS m(month_end, due_at)
    LEFT JOIN outcomes_monthlyreturn mr ON mr.contract_id = t.contract_id AND mr.month = s.month
    LEFT JOIN outcomes_returnattempt v1 ON v1.monthly_return_id = mr.id AND v1.version = 1
    WHERE t.measure = 'RETURNS_ON_TIME'
        AND m.month_end >= k.start_date AND s.month <= k.end_date
        AND m.month_end < %(today)s AND m.due_at < %(now)s
    {BY_SPAN}"""


FIGURES = (
    figures_help_48h,
    figures_independent_within,
    figures_residential_entry,
    figures_package,
    figures_at_home_91d,
    figures_hospital_admission,
    figures_died_preferred_place,
    figures_surveys,
    figures_returns_on_time,
)


# --- The run, step by step: each step a temporary table, analysed before the next reads it -------

# Each step: a table and the SELECT that makes it (and any more whose rows are added to it).
STEPS: tuple[tuple[str, ...], ...] = (
    (
        "floor_coverage",  # the newest accepted version of each month of the run's contracts
        f"""
        SELECT mr.contract_id, mr.month, a.id AS attempt_id, a.version
        FROM outcomes_returnattempt a
        JOIN outcomes_monthlyreturn mr ON mr.id = a.monthly_return_id
        WHERE a.is_current AND mr.contract_id IN (SELECT contract_id FROM {PERIOD_TABLE})
        """,
    ),
    (
        "floor_periods",  # every period judged: the run's, and those before them (direction of travel)
        f"""
        SELECT contract_id, period_kind, period_start, period_end FROM {PERIOD_TABLE}
        UNION
        SELECT contract_id, period_kind, previous_start, previous_end FROM {PERIOD_TABLE}
        """,
    ),
    (
        "floor_spans",  # every span counted, with the last day covered and the snapshot version
        """
        SELECT DISTINCT ON (s.contract_id, s.period_start, s.period_end)
               s.contract_id, s.period_start, s.period_end,
               (covered.last_month + interval '1 month' - interval '1 day')::date AS last_covered_day,
               c.attempt_id AS snapshot_attempt
        FROM (SELECT DISTINCT contract_id, period_start, period_end FROM floor_periods) AS s
        LEFT JOIN (SELECT contract_id, max(month) AS last_month FROM floor_coverage GROUP BY contract_id)
            AS covered ON covered.contract_id = s.contract_id
        LEFT JOIN floor_coverage c ON c.contract_id = s.contract_id AND c.month <= s.period_end
        ORDER BY s.contract_id, s.period_start, s.period_end, c.month DESC
        """,
    ),
    (
        "floor_span_months",  # each month of each span
        """
        SELECT s.*, g::date AS month
        FROM floor_spans s
        CROSS JOIN generate_series(s.period_start::timestamp, s.period_end::timestamp, interval '1 month') AS g
        """,
    ),
    (
        # The measures of episodes open in a window count latest rows by the months that place them
        # in one. Windows are whole months, so a first visit on or before a window's last day is a
        # first-visit month no later than its last month, an end on or after its first day an end
        # month no earlier than its first month, and so on: the counts per first-visit month, end
        # month and what the measures filter on give the same answers as the rows.
        "floor_episode_months",
        f"""
        SELECT contract_id, service_type, dementia, end_reason,
               date_trunc('month', first_visit_on::timestamp)::date AS first_month,
               date_trunc('month', ended_on::timestamp)::date AS end_month,
               count(*) AS episodes
        FROM outcomes_episoderecord
        WHERE is_latest AND first_visit_on IS NOT NULL AND contract_id IN (
            SELECT contract_id FROM {TARGET_TABLE}
            WHERE measure IN ('RESIDENTIAL_ENTRY', 'HOSPITAL_ADMISSION'))
        GROUP BY 1, 2, 3, 4, 5, 6
        """,
    ),
    ("floor_package_days", package_days()),
    (
        # Every measure's counts (only for spans with something counted), a statement each.
        "floor_figures (target_id, period_start, period_end, numerator, denominator, pending, missing)",
        *(function() for function in FIGURES),
    ),
    (
        "floor_windows",  # the months a result reads: the period, or RESIDENTIAL_ENTRY's lookback window
        f"""
        SELECT t.target_id, t.contract_id, s.period_start, s.period_end,
               CASE WHEN t.measure = 'RESIDENTIAL_ENTRY' AND t.lookback = 'R12'
                    THEN (date_trunc('month', s.period_end::timestamp) - interval '11 months')::date
                    ELSE s.period_start END AS window_start
        FROM {TARGET_TABLE} t JOIN floor_spans s ON s.contract_id = t.contract_id
        """,
    ),
    (
        # Each window's months: owed (within the contract's term) and without an accepted return, or
        # outside the term; and whether any owed month has one (else "no data").
        "floor_window_months",
        """
        SELECT w.contract_id, w.window_start, w.window_end,
               coalesce(jsonb_agg(to_char(m.month, 'YYYY-MM') ORDER BY m.month)
                        FILTER (WHERE m.in_term AND c.month IS NULL), '[]') AS missing_months,
               coalesce(jsonb_agg(to_char(m.month, 'YYYY-MM') ORDER BY m.month)
                        FILTER (WHERE NOT m.in_term), '[]') AS outside_term_months,
               coalesce(bool_or(m.in_term AND c.month IS NOT NULL), false) AS has_data
        FROM (SELECT DISTINCT contract_id, window_start, period_end AS window_end FROM floor_windows) AS w
        JOIN commissioning_contract k ON k.id = w.contract_id
        CROSS JOIN LATERAL (
            SELECT g::date, (g + interval '1 month' - interval '1 day')::date >= k.start_date
                            AND g::date <= k.end_date
            FROM generate_series(w.window_start::timestamp, w.window_end::timestamp, interval '1 month') AS g
        ) AS m(month, in_term)
        LEFT JOIN floor_coverage c ON c.contract_id = w.contract_id AND c.month = m.month
        GROUP BY w.contract_id, w.window_start, w.window_end
        """,
    ),
    (
        # The return versions a result names: every accepted month from the window's first month on
        # (later months correct earlier ones), as {"YYYY-MM": {"attempt": id, "version": n}}.
        "floor_window_sources",
        """
        SELECT w.contract_id, w.window_start,
               coalesce(jsonb_object_agg(to_char(c.month, 'YYYY-MM'),
                                         jsonb_build_object('attempt', c.attempt_id, 'version', c.version))
                        FILTER (WHERE c.month IS NOT NULL), '{}') AS sources
        FROM (SELECT DISTINCT contract_id, window_start FROM floor_windows) AS w
        LEFT JOIN floor_coverage c ON c.contract_id = w.contract_id AND c.month >= w.window_start
        GROUP BY w.contract_id, w.window_start
        """,
    ),
    (
        # Each target's figures for each period judged, with the target version in force at the
        # period's end (the latest effective on or before it, the one recorded last for the same date;
        # none when that one ends the target) and the value: 100 × numerator ÷ denominator rounded half
        # up to one decimal place, in whole numbers: tenths = (2000 n + d) div 2d.
        "floor_judged",
        f"""
        SELECT t.target_id, t.contract_id, t.better, p.period_kind, p.period_start, p.period_end,
               v.id AS target_version_id, v.target_value, v.tolerance, v.min_denominator,
               coalesce(f.numerator, 0) AS numerator, coalesce(f.denominator, 0) AS denominator,
               coalesce(f.pending, 0) AS pending, coalesce(f.missing, 0) AS missing,
               (CASE WHEN f.denominator > 0
                     THEN ((2000 * f.numerator + f.denominator) / (2 * f.denominator))::numeric / 10
                END)::numeric(4, 1) AS value,
               w.window_start, m.has_data OR t.measure = 'RETURNS_ON_TIME' AS has_data
        FROM {TARGET_TABLE} t
        JOIN floor_periods p ON p.contract_id = t.contract_id
        CROSS JOIN LATERAL (
            SELECT tv.id, tv.is_end, tv.target_value, tv.tolerance, tv.min_denominator
            FROM commissioning_targetversion tv
            WHERE tv.target_id = t.target_id AND tv.effective_from <= p.period_end
            ORDER BY tv.effective_from DESC, tv.recorded_at DESC, tv.id DESC
            LIMIT 1
        ) AS v
        JOIN floor_windows w ON w.target_id = t.target_id
            AND w.period_start = p.period_start AND w.period_end = p.period_end
        JOIN floor_window_months m ON m.contract_id = t.contract_id
            AND m.window_start = w.window_start AND m.window_end = p.period_end
        LEFT JOIN floor_figures f ON f.target_id = t.target_id
            AND f.period_start = p.period_start AND f.period_end = p.period_end
        WHERE NOT v.is_end
        """,
    ),
    (
        # RAG: not rated without data ("no_data") or below the minimum denominator ("low_numbers");
        # higher is better: green V ≥ T, amber T − A ≤ V < T, red below; lower is better: green
        # V ≤ T, amber T < V ≤ T + A, red above.
        "floor_rated",
        """
        SELECT j.*,
               CASE WHEN NOT j.has_data THEN 'not_rated'
                    WHEN j.denominator < j.min_denominator OR j.value IS NULL THEN 'not_rated'
                    WHEN j.better = 'higher' THEN
                        CASE WHEN j.value >= j.target_value THEN 'green'
                             WHEN j.value >= j.target_value - j.tolerance THEN 'amber'
                             ELSE 'red' END
                    ELSE
                        CASE WHEN j.value <= j.target_value THEN 'green'
                             WHEN j.value <= j.target_value + j.tolerance THEN 'amber'
                             ELSE 'red' END
               END AS rag,
               CASE WHEN NOT j.has_data THEN 'no_data'
                    WHEN j.denominator < j.min_denominator OR j.value IS NULL THEN 'low_numbers'
               END AS not_rated_reason
        FROM floor_judged j
        """,
    ),
)

# Stored: one row per target and period of the run, with the direction of travel against the period
# before (of the same kind): improved / worsened when the value moved at least 1.0 pp the better /
# worse way, else stable; none when either is not rated (or the period before has no result).
STORE = f"""
INSERT INTO {RESULT_TABLE} (
    contract_id, target_id, target_version_id, period, period_kind, period_start, period_end,
    numerator, denominator, value, rag, not_rated_reason, direction, pending, missing,
    missing_months, outside_term_months, sources,
    restated, restates_id, restated_because, is_latest, computed_at, checked_at)
SELECT cur.contract_id, cur.target_id, cur.target_version_id, w.period, w.period_kind,
       w.period_start, w.period_end,
       cur.numerator, cur.denominator, cur.value, cur.rag, cur.not_rated_reason,
       CASE WHEN cur.not_rated_reason IS NOT NULL OR earlier.target_id IS NULL
                 OR earlier.not_rated_reason IS NOT NULL THEN 'none'
            WHEN travel.change >= 1.0 THEN 'improved'
            WHEN travel.change <= -1.0 THEN 'worsened'
            ELSE 'stable' END,
       cur.pending, cur.missing, m.missing_months, m.outside_term_months, src.sources,
       false, NULL, '', true, %(now)s, %(now)s
FROM {PERIOD_TABLE} w
JOIN floor_rated cur ON cur.contract_id = w.contract_id AND cur.period_kind = w.period_kind
    AND cur.period_start = w.period_start AND cur.period_end = w.period_end
LEFT JOIN floor_rated earlier ON earlier.target_id = cur.target_id AND earlier.period_kind = w.period_kind
    AND earlier.period_start = w.previous_start AND earlier.period_end = w.previous_end
JOIN floor_window_months m ON m.contract_id = cur.contract_id
    AND m.window_start = cur.window_start AND m.window_end = cur.period_end
JOIN floor_window_sources src ON src.contract_id = cur.contract_id AND src.window_start = cur.window_start
CROSS JOIN LATERAL (
    SELECT CASE WHEN cur.better = 'lower' THEN earlier.value - cur.value ELSE cur.value - earlier.value END
) AS travel(change)
"""


def floor_recompute(
    *, now: datetime, contract_ids: list[int] | None = None, periods: dict[int, list[Period]] | None = None
) -> FloorRun:
    """The engine's nightly full recompute as hand-written SQL, stored in ``bench_floor_result``
    (dropped and made again): every target of the contracts (all with accepted returns, or the given
    ones) for their kept periods as at ``now`` (or the given periods), counted, judged and stored."""
    start = time.perf_counter()
    params = {"now": now, "today": now.astimezone(LONDON).date()}
    with transaction.atomic(), connection.cursor() as cursor:
        work = _work(now, contract_ids, periods)
        _metadata_store(cursor, work, _targets(list(work)))
        _result_table_create(cursor)
        for table, first, *more in STEPS:
            name = table.split()[0]
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {table} AS {first}", params if "%(" in first else None)
            for sql in more:
                cursor.execute(f"INSERT INTO {name} {sql}", params if "%(" in sql else None)
            cursor.execute(f"ANALYZE {name}")
        cursor.execute(STORE, params)
        rows = cursor.rowcount
    return FloorRun(
        seconds=time.perf_counter() - start,
        rows=rows,
        contracts=len(work),
        periods=sum(len(found) for found in work.values()),
    )


def floor_mismatches(limit: int = 20) -> tuple[int, list[str]]:
    """Compare ``bench_floor_result`` with the engine's latest results for the floor run's contracts
    and periods: how many (target, period) keys differ in a stored field or are on one side only,
    and up to ``limit`` of them described."""
    differs = " OR ".join(f"f.{name} IS DISTINCT FROM e.{name}" for name in COMPARED)
    sides = ", ".join(f"'{name}', jsonb_build_array(f.{name}, e.{name})" for name in COMPARED)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH engine AS (
                SELECT r.* FROM outcomes_complianceresult r
                JOIN {PERIOD_TABLE} w ON w.contract_id = r.contract_id AND w.period = r.period
                WHERE r.is_latest
            )
            SELECT coalesce(f.target_id, e.target_id), coalesce(f.period, e.period),
                   f.id IS NOT NULL, e.id IS NOT NULL, jsonb_build_object({sides})
            FROM {RESULT_TABLE} f
            FULL JOIN engine e ON e.target_id = f.target_id AND e.period = f.period
            WHERE f.id IS NULL OR e.id IS NULL OR {differs}
            ORDER BY 1, 2
            """
        )
        found = cursor.fetchall()
    examples = []
    for target_id, period, in_floor, in_engine, values in found[:limit]:
        if not (in_floor and in_engine):
            side = "floor" if in_floor else "engine"
            examples.append(f"target {target_id} {period}: only the {side} has a result")
            continue
        pairs = json.loads(values) if isinstance(values, str) else values
        fields = "; ".join(
            f"{name} floor {floor!r} engine {engine!r}"
            for name, (floor, engine) in pairs.items()
            if floor != engine
        )
        examples.append(f"target {target_id} {period}: {fields}")
    return len(found), examples
