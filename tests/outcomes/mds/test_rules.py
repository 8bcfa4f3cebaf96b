"""The episodes and survey rules of the monthly data standard (return-format.md), one test per rule.

Pure Python: no database. Rows are built as CSV bytes here; file handling is in test_mds_files.py.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from outcomes.mds import ValidatedReturn, validate_return
from outcomes.mds.columns import END_REASONS
from outcomes.periods import LONDON, month_end, parse_month

HEADER = (
    "episode_ref",
    "person_ref",
    "service_type",
    "referral_source",
    "age_band",
    "dementia",
    "end_of_life",
    "referred_at",
    "first_visit_at",
    "weekly_hours_start",
    "weekly_hours_now",
    "ended_on",
    "end_reason",
    "died_in_preferred_place",
    "at_home_91_days",
)
GOOD = {
    "episode_ref": "EP-0001",
    "person_ref": "P-1001",
    "service_type": "short_term",
    "referral_source": "community",
    "age_band": "75-84",
    "dementia": "N",
    "end_of_life": "N",
    "referred_at": "2025-04-03T14:30",
    "first_visit_at": "2025-04-04T09:00",
    "weekly_hours_start": "10",
    "weekly_hours_now": "7.5",
    "ended_on": "",
    "end_reason": "",
    "died_in_preferred_place": "",
    "at_home_91_days": "",
}


def csv_bytes(rows: list[dict[str, str]], header: tuple[str, ...] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return out.getvalue().encode()


def validate_rows(rows: list[dict[str, str]], period: str = "2025-04") -> ValidatedReturn:
    return validate_return(period=period, episodes_file=csv_bytes(rows), filename="return.csv")


def validate_row(period: str = "2025-04", **changes: str) -> ValidatedReturn:
    return validate_rows([{**GOOD, **changes}], period=period)


def errors_in(result: ValidatedReturn, column: str) -> list:
    return [problem for problem in result.errors if problem.column == column]


def warnings_in(result: ValidatedReturn, column: str) -> list:
    return [problem for problem in result.warnings if problem.column == column]


def survey_result(rows: list[tuple[str, str, str]]) -> ValidatedReturn:
    survey = csv_bytes(
        [dict(zip(("measure_code", "numerator", "denominator"), row, strict=True)) for row in rows],
        header=("measure_code", "numerator", "denominator"),
    )
    return validate_return(
        period="2025-04",
        episodes_file=csv_bytes([GOOD]),
        filename="return.csv",
        survey_file=survey,
        survey_filename="survey.csv",
    )


# --- a good row ---------------------------------------------------------------------------------


def test_good_row_is_valid_and_typed():
    result = validate_row()
    assert result.is_valid and result.errors == [] and result.warnings == []
    assert result.period == "2025-04"
    (episode,) = result.episodes
    assert episode.row == 2
    assert episode.episode_ref == "EP-0001" and episode.person_ref == "P-1001"
    assert (episode.service_type, episode.referral_source, episode.age_band) == (
        "short_term",
        "community",
        "75-84",
    )
    assert episode.dementia is False and episode.end_of_life is False
    assert episode.referred_at == datetime(2025, 4, 3, 14, 30, tzinfo=LONDON)
    assert episode.first_visit_at == datetime(2025, 4, 4, 9, 0, tzinfo=LONDON)
    assert episode.weekly_hours_start == Decimal("10") and episode.weekly_hours_now == Decimal("7.5")
    assert episode.ended_on is None and episode.end_reason is None
    assert episode.died_in_preferred_place is None and episode.at_home_91_days is None


def test_errors_reject_the_whole_return_and_warnings_do_not():
    rejected = validate_rows([GOOD, {**GOOD, "episode_ref": "EP-0002", "age_band": "90+"}])
    assert not rejected.is_valid and rejected.episodes == []
    warned = validate_row(
        referral_source="community",
        referred_at="2025-01-10T09:00",
        first_visit_at="2025-01-11T09:00",
        at_home_91_days="Y",
    )
    assert warned.is_valid and warned.warnings and len(warned.episodes) == 1


def test_problem_as_dict_leaves_out_the_severity():
    (problem,) = validate_row(age_band="90+").errors
    assert problem.severity == "error"
    assert problem.as_dict() == {
        "sheet": "episodes",
        "row": 2,
        "column": "age_band",
        "value": "90+",
        "message": problem.message,
    }


@pytest.mark.parametrize("column", [name for name in HEADER if name in GOOD and GOOD[name]])
def test_required_cells_may_not_be_blank(column):
    if column == "first_visit_at":
        assert validate_row(first_visit_at="").is_valid
        return
    (problem,) = errors_in(validate_row(**{column: ""}), column)
    assert "is blank" in problem.message and problem.row == 2


# --- episode_ref and person_ref -----------------------------------------------------------------


@pytest.mark.parametrize("ref", ["a", "A_b-9", "X" * 64])
def test_episode_ref_good(ref):
    assert validate_row(episode_ref=ref).is_valid


@pytest.mark.parametrize(
    ("ref", "says"), [("EP 1", "no spaces"), ("EP/1", "only contain"), ("X" * 65, "longer than 64")]
)
def test_episode_ref_bad(ref, says):
    (problem,) = errors_in(validate_row(episode_ref=ref), "episode_ref")
    assert says in problem.message


def test_episode_ref_unique_names_the_first_row():
    rows = [GOOD, {**GOOD, "episode_ref": "EP-0002"}, {**GOOD, "person_ref": "P-2"}]
    (problem,) = validate_rows(rows).errors
    assert (problem.row, problem.column) == (4, "episode_ref")
    assert "row 2" in problem.message


@pytest.mark.parametrize("ref", ["P-1001", "12345678901", "123456789", "abc_DEF-123"])
def test_person_ref_good(ref):
    assert validate_row(person_ref=ref).is_valid


@pytest.mark.parametrize("ref", ["9434765919", "943 476 5919", "943-476-5919"])
def test_person_ref_that_could_be_an_nhs_number(ref):
    (problem,) = errors_in(validate_row(person_ref=ref), "person_ref")
    assert "NHS number" in problem.message


def test_person_ref_with_a_space_could_be_a_name():
    (problem,) = errors_in(validate_row(person_ref="Mary Jones"), "person_ref")
    assert "could be a person's name" in problem.message


def test_person_ref_other_characters():
    (problem,) = errors_in(validate_row(person_ref="P.1001"), "person_ref")
    assert "letters, digits" in problem.message


def test_identifiers_are_masked_in_problems():
    result = validate_rows(
        [
            {**GOOD, "person_ref": "9434765919"},
            {**GOOD, "episode_ref": "EPISODE 42", "person_ref": "Mary Jones"},
        ]
    )
    values = {problem.column: problem.value for problem in result.errors}
    assert values == {"person_ref": "Ma***", "episode_ref": "EP***"}
    assert [problem.value for problem in result.errors if problem.row == 2] == ["94***"]
    for problem in result.errors:
        assert "9434765919" not in problem.message and "Mary" not in problem.message


def test_long_values_are_shortened_in_problems():
    (problem,) = validate_row(age_band="x" * 100).errors
    assert len(problem.value) == 40 and problem.value.endswith("…")


# --- allowed values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "value"),
    [
        *(("service_type", value) for value in ("short_term", "long_term")),
        *(("referral_source", value) for value in ("hospital_discharge", "community", "other")),
        *(("age_band", value) for value in ("18-64", "65-74", "75-84", "85+")),
    ],
)
def test_allowed_values(column, value):
    assert validate_row(**{column: value}).is_valid


@pytest.mark.parametrize(
    ("column", "value", "says"),
    [
        ("service_type", "reablement", "short_term or long_term"),
        ("service_type", "Short_Term", "exactly short_term"),
        ("referral_source", "GP", "hospital_discharge, community or other"),
        ("age_band", "65+", "18-64, 65-74, 75-84 or 85+"),
    ],
)
def test_values_outside_the_standard(column, value, says):
    (problem,) = errors_in(validate_row(**{column: value}), column)
    assert says in problem.message and problem.value == value


@pytest.mark.parametrize("column", ["dementia", "end_of_life"])
def test_yes_no_flags(column):
    assert getattr(validate_row(**{column: "Y"}).episodes[0], column) is True
    assert getattr(validate_row(**{column: "N"}).episodes[0], column) is False
    for value, says in [("y", "capital Y or N"), ("n", "capital Y or N"), ("Yes", "Y or N"), ("1", "Y or N")]:
        (problem,) = errors_in(validate_row(**{column: value}), column)
        assert says in problem.message


# --- dates and times (Europe/London) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("2025-04-03", datetime(2025, 4, 2, 23, 0, tzinfo=UTC)),  # 00:00 BST
        ("2025-04-03T14:30", datetime(2025, 4, 3, 13, 30, tzinfo=UTC)),
        ("2025-04-03 14:30:00", datetime(2025, 4, 3, 13, 30, tzinfo=UTC)),
        ("2025-04-03T13:30Z", datetime(2025, 4, 3, 13, 30, tzinfo=UTC)),
        ("2025-04-03T14:30:00+01:00", datetime(2025, 4, 3, 13, 30, tzinfo=UTC)),
        ("2025-04-03T15:30+02:00", datetime(2025, 4, 3, 13, 30, tzinfo=UTC)),
    ],
)
def test_referred_at_formats(text, expected_utc):
    (episode,) = validate_row(referred_at=text, first_visit_at="").episodes
    assert episode.referred_at == expected_utc
    assert episode.referred_at.tzinfo == LONDON


def test_naive_summer_datetime_is_british_summer_time():
    (episode,) = validate_row(period="2025-07", referred_at="2025-07-01T10:00", first_visit_at="").episodes
    assert episode.referred_at == datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
    assert episode.referred_at.utcoffset() == timedelta(hours=1)


def test_date_alone_on_the_day_the_clocks_go_forward_is_midnight_gmt():
    (episode,) = validate_row(
        period="2025-03", referred_at="2025-03-30", first_visit_at="2025-03-30T12:00"
    ).episodes
    assert episode.referred_at == datetime(2025, 3, 30, 0, 0, tzinfo=UTC)
    assert episode.referred_at.utcoffset() == timedelta(0)
    assert episode.first_visit_at.utcoffset() == timedelta(hours=1)


def test_offset_datetime_is_converted_to_london_time():
    (episode,) = validate_row(referred_at="2025-04-03T08:00-05:00", first_visit_at="").episodes
    assert (episode.referred_at.hour, episode.referred_at.minute) == (14, 0)
    assert episode.referred_at.tzinfo == LONDON


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("04/13/2025", "month-first"),
        ("03/04/25", "two-digit year"),
        ("2025-02-30", "real date"),
        ("2025-04-03T25:00", "real date"),
        ("yesterday", "YYYY-MM-DD"),
        ("45750", "Excel date number"),
    ],
)
def test_referred_at_bad(text, says):
    (problem,) = errors_in(validate_row(referred_at=text, first_visit_at=""), "referred_at")
    assert says in problem.message


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("2025-04-30T23:59:59", True),
        ("2025-04-30T22:30Z", True),  # 23:30 BST
        ("2025-04-30T23:30Z", False),  # 00:30 BST on 1 May
        ("2025-05-01", False),
    ],
)
def test_referred_at_must_not_be_after_the_end_of_the_period(text, ok):
    result = validate_row(referred_at=text, first_visit_at="")
    assert result.is_valid is ok
    if not ok:
        (problem,) = errors_in(result, "referred_at")
        assert "April 2025" in problem.message


def test_first_visit_at_before_referral_is_an_error():
    (problem,) = errors_in(validate_row(first_visit_at="2025-04-03T14:29"), "first_visit_at")
    assert "before referred_at" in problem.message
    assert validate_row(first_visit_at="2025-04-03T14:30").is_valid


def test_first_visit_date_alone_counts_as_midnight():
    (problem,) = errors_in(validate_row(first_visit_at="2025-04-03"), "first_visit_at")
    assert "midnight" in problem.message


def test_first_visit_after_the_period_is_a_warning():
    result = validate_row(first_visit_at="2025-05-01T09:00")
    assert result.is_valid
    assert warnings_in(result, "first_visit_at")


# --- weekly hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours"), [("0", "0"), ("10", "10"), ("10.5", "10.5"), ("168", "168"), (".5", "0.5")]
)
def test_weekly_hours_good(text, hours):
    (episode,) = validate_row(weekly_hours_start=text, weekly_hours_now=text).episodes
    assert episode.weekly_hours_start == Decimal(hours) == episode.weekly_hours_now


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("ten", "written in digits"),
        ("10h", "written in digits"),
        ("1,5", "written in digits"),
        ("-1", "cannot be negative"),
        ("169", "more than 168"),
        ("168.01", "more than 168"),
    ],
)
@pytest.mark.parametrize("column", ["weekly_hours_start", "weekly_hours_now"])
def test_weekly_hours_bad(column, text, says):
    (problem,) = errors_in(validate_row(**{column: text}), column)
    assert says in problem.message and problem.value == text


# --- ending an episode --------------------------------------------------------------------------


@pytest.mark.parametrize("reason", END_REASONS)
def test_every_end_reason_is_accepted(reason):
    (episode,) = validate_row(ended_on="2025-04-20", end_reason=reason).episodes
    assert episode.ended_on == date(2025, 4, 20) and episode.end_reason == reason


def test_end_reason_outside_the_list():
    (problem,) = errors_in(validate_row(ended_on="2025-04-20", end_reason="deceased"), "end_reason")
    assert "independent" in problem.message and "moved_away" in problem.message


def test_ended_on_needs_an_end_reason():
    (problem,) = validate_row(ended_on="2025-04-20").errors
    assert problem.column == "end_reason" and "ended_on is filled in" in problem.message


def test_end_reason_needs_ended_on():
    (problem,) = validate_row(end_reason="independent").errors
    assert problem.column == "end_reason" and "ended_on is blank" in problem.message


def test_ended_on_takes_a_date_only():
    (problem,) = errors_in(validate_row(ended_on="2025-04-20T10:00", end_reason="other"), "ended_on")
    assert "without a time" in problem.message
    (problem,) = errors_in(validate_row(ended_on="2025-04-31", end_reason="other"), "ended_on")
    assert "real calendar date" in problem.message


def test_ended_on_not_before_the_first_visit_date():
    assert validate_row(ended_on="2025-04-04", end_reason="hospital").is_valid  # same day as first visit
    (problem,) = errors_in(validate_row(ended_on="2025-04-03", end_reason="hospital"), "ended_on")
    assert "before the first visit" in problem.message


def test_ended_on_compares_the_london_date_of_the_first_visit():
    # 23:30 UTC on 3 April is 00:30 BST on 4 April: ending on the 3rd is before the first visit.
    result = validate_row(first_visit_at="2025-04-03T23:30Z", ended_on="2025-04-03", end_reason="other")
    assert errors_in(result, "ended_on")


def test_ended_on_not_after_the_period():
    assert validate_row(ended_on="2025-04-30", end_reason="other").is_valid
    (problem,) = errors_in(validate_row(ended_on="2025-05-01", end_reason="other"), "ended_on")
    assert "30 April 2025" in problem.message


def test_ended_without_a_first_visit_before_the_referral_is_a_warning():
    result = validate_row(first_visit_at="", ended_on="2025-04-02", end_reason="died")
    assert result.is_valid and warnings_in(result, "ended_on")
    assert validate_row(first_visit_at="", ended_on="2025-04-03", end_reason="died").warnings == []


# --- died_in_preferred_place --------------------------------------------------------------------


def test_died_in_preferred_place_given_for_a_death():
    (episode,) = validate_row(ended_on="2025-04-20", end_reason="died", died_in_preferred_place="N").episodes
    assert episode.died_in_preferred_place is False


@pytest.mark.parametrize(("ended_on", "reason"), [("2025-04-20", "independent"), ("", "")])
def test_died_in_preferred_place_only_when_the_person_died(ended_on, reason):
    result = validate_row(ended_on=ended_on, end_reason=reason, died_in_preferred_place="Y")
    (problem,) = errors_in(result, "died_in_preferred_place")
    assert "only for episodes whose end_reason is died" in problem.message


def test_died_in_preferred_place_blank_for_an_end_of_life_death_is_a_warning():
    result = validate_row(end_of_life="Y", ended_on="2025-04-20", end_reason="died")
    assert result.is_valid
    (problem,) = result.warnings
    assert problem.column == "died_in_preferred_place" and "end-of-life" in problem.message
    assert validate_row(end_of_life="N", ended_on="2025-04-20", end_reason="died").warnings == []


def test_died_in_preferred_place_must_be_y_or_n():
    result = validate_row(ended_on="2025-04-20", end_reason="died", died_in_preferred_place="yes")
    assert errors_in(result, "died_in_preferred_place")


# --- at_home_91_days ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("referred_at", "warned"),
    [
        ("2025-03-31T23:59", True),  # 91st day is 30 June, the period's last day
        ("2025-04-01T00:00", False),  # 91st day is 1 July
    ],
)
def test_at_home_91_days_blank_once_91_days_have_passed(referred_at, warned):
    result = validate_row(
        period="2025-06", referral_source="hospital_discharge", referred_at=referred_at, first_visit_at=""
    )
    assert result.is_valid
    assert bool(warnings_in(result, "at_home_91_days")) is warned
    if warned:
        assert "30 June 2025" in result.warnings[0].message


def test_at_home_91_days_answered_is_typed():
    (episode,) = validate_row(
        period="2025-07", referral_source="hospital_discharge", at_home_91_days="Y"
    ).episodes
    assert episode.at_home_91_days is True


def test_at_home_91_days_for_another_referral_source_is_ignored_with_a_warning():
    result = validate_row(period="2025-07", referral_source="community", at_home_91_days="N")
    assert result.is_valid
    (problem,) = warnings_in(result, "at_home_91_days")
    assert "ignored" in problem.message
    assert validate_row(period="2025-07", referral_source="community").warnings == []


def test_at_home_91_days_must_be_y_or_n():
    result = validate_row(referral_source="hospital_discharge", at_home_91_days="yes")
    assert errors_in(result, "at_home_91_days")


# --- survey -------------------------------------------------------------------------------------


def test_survey_good():
    result = survey_result(
        [("HEALTH_NEEDS_MET", "41", "44"), ("CARER_SUPPORTED", "0", "0"), ("DIED_WITH_DIGNITY", "3", "3")]
    )
    assert result.is_valid
    assert [(row.row, row.measure_code, row.numerator, row.denominator) for row in result.survey] == [
        (2, "HEALTH_NEEDS_MET", 41, 44),
        (3, "CARER_SUPPORTED", 0, 0),
        (4, "DIED_WITH_DIGNITY", 3, 3),
    ]


@pytest.mark.parametrize(
    ("row", "column", "says"),
    [
        (("HEALTH", "1", "2"), "measure_code", "HEALTH_NEEDS_MET, CARER_SUPPORTED or DIED_WITH_DIGNITY"),
        (("health_needs_met", "1", "2"), "measure_code", "exactly HEALTH_NEEDS_MET"),
        (("HEALTH_NEEDS_MET", "-1", "2"), "numerator", "cannot be negative"),
        (("HEALTH_NEEDS_MET", "1.5", "2"), "numerator", "whole number"),
        (("HEALTH_NEEDS_MET", "", "2"), "numerator", "is blank"),
        (("HEALTH_NEEDS_MET", "1", "two"), "denominator", "whole number"),
        (("HEALTH_NEEDS_MET", "5", "4"), "denominator", "smaller than numerator"),
    ],
)
def test_survey_bad(row, column, says):
    result = survey_result([row])
    (problem,) = result.errors
    assert (problem.sheet, problem.row, problem.column) == ("survey", 2, column)
    assert says in problem.message
    assert result.survey == [] and result.episodes == []


def test_survey_measure_at_most_once():
    (problem,) = survey_result([("CARER_SUPPORTED", "1", "2"), ("CARER_SUPPORTED", "3", "4")]).errors
    assert (problem.row, problem.column) == (3, "measure_code") and "row 2" in problem.message


# --- periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "first", "last"),
    [("2025-04", date(2025, 4, 1), date(2025, 4, 30)), ("2024-02", date(2024, 2, 1), date(2024, 2, 29))],
)
def test_parse_month(period, first, last):
    assert (parse_month(period), month_end(parse_month(period))) == (first, last)


@pytest.mark.parametrize("period", ["2025-13", "25-04", "2025-4", "2025-00", "April 2025", ""])
def test_parse_month_bad(period):
    with pytest.raises(ValueError, match="2025-04"):
        parse_month(period)
    with pytest.raises(ValueError):
        validate_return(period=period, episodes_file=csv_bytes([GOOD]), filename="return.csv")
