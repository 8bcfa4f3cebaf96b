"""The fast path of the episode checks gives exactly what checking every row in full gives.

``validate_episodes`` reads rows without problems on a fast path (each column's distinct texts read
once) and checks any other row in full. Whatever the file, the typed rows, every error and every
warning (their order, wording, grouping and the cap on how many are listed) must be the same as
checking every row in full: these tests compare the two on files built to mix clean rows with
every kind of problem, including problems that only show across cells or across rows.
"""

from __future__ import annotations

import csv
import io
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes.mds import ValidatedReturn, validate_return
from outcomes.mds import episodes as episode_rules
from outcomes.mds import validation as validation_module
from tests.outcomes.return_files import HEADER, PERIOD, episode

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Values for each column: mostly good ones (repeated, as in a real return), and near misses.
CELLS = {
    "episode_ref": st.sampled_from(
        ["EP-1", "EP-2", "EP-3", "EP-4", "Total", "total:", "", "EP 5", "=A1", "x" * 65]
    ),
    "person_ref": st.sampled_from(
        ["P-1", "P-2", "Jane_Smith", "P-19500312", "9434765919", "943-476-5919", "", "P 1", "-12", "P-1\t"]
    ),
    "service_type": st.sampled_from(["short_term", "long_term", "Short_Term", "", "=1"]),
    "referral_source": st.sampled_from(["community", "hospital_discharge", "other", "Community", ""]),
    "age_band": st.sampled_from(["85+", "18-64", "65-74", "75-84", "90+", ""]),
    "dementia": st.sampled_from(["Y", "N", "y", "Yes", ""]),
    "end_of_life": st.sampled_from(["Y", "N", "n", ""]),
    "referred_at": st.sampled_from(
        [
            "2025-05-03T14:30",
            "2025-02-10T09:00",
            "03/05/2025 14:30",
            "2025-01-02",
            "2025-06-01T00:00",
            "2025-05-31T23:30",
            "2025-03-30T01:30",
            "9999-12-31",
            "2025-02-30",
            "05/13/2025",
            "",
            "+44",
        ]
    ),
    "first_visit_at": st.sampled_from(
        [
            "2025-05-04T09:00",
            "2025-05-03T14:30",
            "2025-05-03",
            "2025-06-02",
            "2025-01-01",
            "",
            "04/05/2025 09:00",
        ]
    ),
    "weekly_hours_start": st.sampled_from(
        ["10", "10.5", "0", "-0", "168", "168.5", "-1", "ten", "", "1,000"]
    ),
    "weekly_hours_now": st.sampled_from(["8", "10.505", ".5", "5.", ""]),
    "ended_on": st.sampled_from(
        ["", "", "2025-05-20", "2025-05-02", "2025-06-01", "20/05/2025", "2025-05-20T10:00"]
    ),
    "end_reason": st.sampled_from(["", "", "independent", "died", "Died", "hospital"]),
    "died_in_preferred_place": st.sampled_from(["", "", "Y", "N", "maybe"]),
    "at_home_91_days": st.sampled_from(["", "", "Y", "N"]),
}
GOOD = st.sampled_from([episode(f"EP-{number}") for number in range(1, 5)])


@st.composite
def rows(draw) -> list[dict[str, str]]:
    """Rows that are mostly valid, each with a few cells changed (some rows repeat references)."""
    found = []
    for number in range(draw(st.integers(min_value=1, max_value=25))):
        row = dict(draw(GOOD), episode_ref=f"EP-{number}", person_ref=f"P-{number}")
        for column in draw(st.lists(st.sampled_from(HEADER), max_size=3)):
            row[column] = draw(CELLS[column])
        found.append(row)
    return found


def _csv(header: list[str], table: list[dict[str, str]], extra: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header + (["notes"] if extra else []))
    for index, row in enumerate(table):
        writer.writerow([row[column] for column in header] + ([extra[index % len(extra)]] if extra else []))
    return out.getvalue().encode()


def _both(content: bytes, period: str = PERIOD) -> tuple[ValidatedReturn, ValidatedReturn]:
    fast = validate_return(period=period, episodes_file=content, filename="may.csv")

    def in_full(*args, **kwargs):
        return episode_rules.validate_episodes(*args, **kwargs, fast=False)

    with mock.patch.object(validation_module, "validate_episodes", in_full):
        full = validate_return(period=period, episodes_file=content, filename="may.csv")
    return fast, full


def _same(fast: ValidatedReturn, full: ValidatedReturn) -> None:
    assert fast.errors == full.errors
    assert fast.warnings == full.warnings
    assert fast.episodes == full.episodes
    assert [type(value) for row in fast.episodes for value in row] == [
        type(value) for row in full.episodes for value in row
    ]


@PROPERTY
@given(table=rows())
def test_the_fast_path_finds_exactly_what_the_full_check_finds(table):
    _same(*_both(_csv(HEADER, table)))


@PROPERTY
@given(
    table=rows(), order=st.permutations(HEADER), optional=st.sets(st.sampled_from(HEADER[11:]), max_size=2)
)
def test_the_same_with_columns_in_any_order_or_optional_ones_missing(table, order, optional):
    header = [column for column in order if column not in optional]
    _same(*_both(_csv(header, table)))


@PROPERTY
@given(table=rows(), extra=st.lists(st.sampled_from(["", "", "a note"]), min_size=1, max_size=3))
def test_the_same_with_an_unknown_column(table, extra):
    _same(*_both(_csv(HEADER, table, extra)))


def test_a_clean_return_of_many_rows_is_read_on_the_fast_path_with_every_problem_still_found():
    table = [episode(f"EP-{number}", person_ref=f"P-{number:05d}") for number in range(3000)]
    table[10]["weekly_hours_now"] = "200"  # an error in one cell
    table[20]["episode_ref"] = "EP-5"  # a repeated reference
    table[30].update(ended_on="2025-05-20")  # an error across cells: no end_reason
    table[40].update(referred_at="2025-02-10T09:00", first_visit_at="2025-02-11", at_home_91_days="Y")
    with mock.patch.object(
        episode_rules, "_checked_in_full", wraps=episode_rules._checked_in_full
    ) as checked_in_full:
        fast, full = _both(_csv(HEADER, table))
    assert checked_in_full.call_count == 4 + 3000, "the four rows with a problem, then every row in full"
    _same(fast, full)
    assert [problem.row for problem in fast.errors] == [12, 22, 32] and fast.warnings
    assert len(full.errors) == 3 and not fast.episodes  # a return with an error carries no rows


def test_more_problems_than_are_listed_are_counted_the_same():
    table = [episode(f"EP-{number // 2}") for number in range(3000)]  # 1,500 references used twice
    fast, full = _both(_csv(HEADER, table))
    _same(fast, full)
    assert fast.errors[-1].message.startswith("500 more errors are not listed")
