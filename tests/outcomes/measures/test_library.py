"""The measure library: codes, directions, defaults and every parameter validation rule (measures.md).

The registry tests are pure Python; only the page tests at the end use the database.
"""

from __future__ import annotations

import html
from typing import Any

import pytest

from outcomes.measures import MEASURES, Direction, ParameterError, get_measure

SPEC_DIRECTIONS = {
    "HELP_48H": Direction.HIGHER,
    "INDEPENDENT_WITHIN": Direction.HIGHER,
    "RESIDENTIAL_ENTRY": Direction.LOWER,
    "PACKAGE_REDUCED": Direction.HIGHER,
    "PACKAGE_INCREASED": Direction.LOWER,
    "AT_HOME_91D": Direction.HIGHER,
    "HOSPITAL_ADMISSION": Direction.LOWER,
    "DIED_PREFERRED_PLACE": Direction.HIGHER,
    "HEALTH_NEEDS_MET": Direction.HIGHER,
    "CARER_SUPPORTED": Direction.HIGHER,
    "DIED_WITH_DIGNITY": Direction.HIGHER,
    "RETURNS_ON_TIME": Direction.HIGHER,
}


def clean(code: str, **raw: Any) -> dict[str, Any]:
    return get_measure(code).clean_params(raw)


def errors(code: str, **raw: Any) -> dict[str, str]:
    return get_measure(code).param_errors(raw)


# --- The registry ------------------------------------------------------------------------------


def test_every_measure_of_the_spec_table_is_in_the_library_and_nothing_else():
    assert set(MEASURES) == set(SPEC_DIRECTIONS)


@pytest.mark.parametrize(("code", "direction"), SPEC_DIRECTIONS.items())
def test_each_measure_has_the_direction_of_the_spec(code, direction):
    measure = get_measure(code)
    assert measure.code == code
    assert measure.direction is direction


def test_lower_is_better_only_for_residential_entry_package_increased_and_hospital_admission():
    lower = {code for code, measure in MEASURES.items() if measure.direction is Direction.LOWER}
    assert lower == {"RESIDENTIAL_ENTRY", "PACKAGE_INCREASED", "HOSPITAL_ADMISSION"}


def test_an_unknown_code_raises_key_error_listing_the_valid_codes():
    with pytest.raises(KeyError) as caught:
        get_measure("NOPE")
    message = str(caught.value)
    assert "NOPE" in message
    for code in SPEC_DIRECTIONS:
        assert code in message


@pytest.mark.parametrize("code", SPEC_DIRECTIONS)
def test_every_measure_is_documented_and_its_defaults_are_valid(code):
    measure = get_measure(code)
    for text in (measure.name, measure.summary, measure.denominator, measure.numerator, measure.example):
        assert text.strip()
    assert measure.source in {"episodes", "survey", "returns"}
    assert measure.param_errors({}) == {}
    assert measure.clean_params(measure.defaults) == measure.clean_params({})


def test_survey_and_returns_measures_name_their_source():
    assert {c for c, m in MEASURES.items() if m.source == "survey"} == {
        "HEALTH_NEEDS_MET",
        "CARER_SUPPORTED",
        "DIED_WITH_DIGNITY",
    }
    assert get_measure("RETURNS_ON_TIME").source == "returns"


# --- Defaults ----------------------------------------------------------------------------------


def test_independent_within_defaults_match_the_interface_json_in_order():
    cleaned = clean("INDEPENDENT_WITHIN")
    expected = {
        "window_days": 42,
        "service_type": "short_term",
        "referral_source": "any",
        "exclude": ["died", "moved_away"],
    }
    assert cleaned == expected
    assert list(cleaned) == list(expected)


def test_none_means_all_defaults():
    assert get_measure("INDEPENDENT_WITHIN").clean_params(None) == clean("INDEPENDENT_WITHIN")


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("RESIDENTIAL_ENTRY", {"lookback": "R12", "service_type": "long_term", "dementia": "any"}),
        ("PACKAGE_REDUCED", {"min_tenure_days": 90}),
        ("PACKAGE_INCREASED", {"min_tenure_days": 90}),
        ("AT_HOME_91D", {"age_bands": "65+"}),
        ("HELP_48H", {}),
        ("HOSPITAL_ADMISSION", {}),
        ("DIED_PREFERRED_PLACE", {}),
        ("HEALTH_NEEDS_MET", {}),
        ("CARER_SUPPORTED", {}),
        ("DIED_WITH_DIGNITY", {}),
        ("RETURNS_ON_TIME", {}),
    ],
)
def test_defaults_of_the_spec(code, expected):
    cleaned = clean(code)
    assert cleaned == expected
    assert list(cleaned) == list(expected)


def test_one_value_given_keeps_the_other_defaults():
    assert clean("INDEPENDENT_WITHIN", window_days=91) == {
        "window_days": 91,
        "service_type": "short_term",
        "referral_source": "any",
        "exclude": ["died", "moved_away"],
    }


def test_cleaning_never_hands_out_the_registry_default_list():
    cleaned = clean("INDEPENDENT_WITHIN")
    cleaned["exclude"].append("hospital")
    assert clean("INDEPENDENT_WITHIN")["exclude"] == ["died", "moved_away"]


# --- window_days: a whole number from 1 to 730 ----------------------------------------------------


@pytest.mark.parametrize("value", [1, 42, 730, "1", "730"])
def test_window_days_accepts_whole_numbers_from_1_to_730(value):
    assert clean("INDEPENDENT_WITHIN", window_days=value)["window_days"] == int(value)


def test_window_days_as_a_string_becomes_a_number():
    assert clean("INDEPENDENT_WITHIN", window_days="42")["window_days"] == 42
    assert clean("INDEPENDENT_WITHIN", window_days=" 42 ")["window_days"] == 42


@pytest.mark.parametrize("value", [0, 731, -1, "abc", 42.5, True, False, None, "", "0", "731", [42]])
def test_window_days_rejects_anything_else(value):
    problems = errors("INDEPENDENT_WITHIN", window_days=value)
    assert set(problems) == {"window_days"}
    assert "Window" in problems["window_days"]
    with pytest.raises(ParameterError) as caught:
        clean("INDEPENDENT_WITHIN", window_days=value)
    assert caught.value.parameter == "window_days"


@pytest.mark.parametrize("value", [0, 731, -1])
def test_window_days_out_of_range_says_the_range(value):
    message = errors("INDEPENDENT_WITHIN", window_days=value)["window_days"]
    assert "from 1 to 730" in message
    assert str(value) in message


@pytest.mark.parametrize("value", ["abc", 42.5, True])
def test_window_days_not_a_whole_number_says_so(value):
    assert "whole number" in errors("INDEPENDENT_WITHIN", window_days=value)["window_days"]


# --- min_tenure_days: a whole number from 0 to 730 ------------------------------------------------


@pytest.mark.parametrize("code", ["PACKAGE_REDUCED", "PACKAGE_INCREASED"])
@pytest.mark.parametrize("value", [0, 1, 90, 730, "0", "365"])
def test_min_tenure_days_accepts_0_to_730(code, value):
    assert clean(code, min_tenure_days=value) == {"min_tenure_days": int(value)}


@pytest.mark.parametrize("code", ["PACKAGE_REDUCED", "PACKAGE_INCREASED"])
@pytest.mark.parametrize("value", [-1, 731, "abc", 90.5, True, None])
def test_min_tenure_days_rejects_anything_else(code, value):
    assert set(errors(code, min_tenure_days=value)) == {"min_tenure_days"}


# --- service_type ------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["INDEPENDENT_WITHIN", "RESIDENTIAL_ENTRY"])
@pytest.mark.parametrize("value", ["short_term", "long_term", "any"])
def test_service_type_accepts_its_three_choices(code, value):
    assert clean(code, service_type=value)["service_type"] == value


@pytest.mark.parametrize("code", ["INDEPENDENT_WITHIN", "RESIDENTIAL_ENTRY"])
@pytest.mark.parametrize("value", ["SHORT_TERM", "Short_term", "short-term", "reablement", "", None, ["any"]])
def test_service_type_rejects_anything_else(code, value):
    message = errors(code, service_type=value)["service_type"]
    assert "short_term, long_term, any" in message


# --- referral_source ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["any", "hospital_discharge", "community", "other"])
def test_referral_source_accepts_its_choices(value):
    assert clean("INDEPENDENT_WITHIN", referral_source=value)["referral_source"] == value


@pytest.mark.parametrize("value", ["hospital", "HOSPITAL_DISCHARGE", "gp", "", None])
def test_referral_source_rejects_anything_else(value):
    message = errors("INDEPENDENT_WITHIN", referral_source=value)["referral_source"]
    assert "any, hospital_discharge, community, other" in message


# --- exclude: any combination of end reasons ------------------------------------------------------


def test_exclude_is_put_in_canonical_order():
    assert clean("INDEPENDENT_WITHIN", exclude=["moved_away", "died"])["exclude"] == ["died", "moved_away"]
    assert clean("INDEPENDENT_WITHIN", exclude=["moved_away", "hospital", "died"])["exclude"] == [
        "hospital",
        "died",
        "moved_away",
    ]


def test_exclude_accepts_a_comma_separated_string():
    assert clean("INDEPENDENT_WITHIN", exclude="moved_away,died")["exclude"] == ["died", "moved_away"]
    assert clean("INDEPENDENT_WITHIN", exclude="died, moved_away")["exclude"] == ["died", "moved_away"]
    assert clean("INDEPENDENT_WITHIN", exclude="hospital")["exclude"] == ["hospital"]


def test_exclude_drops_duplicates():
    assert clean("INDEPENDENT_WITHIN", exclude=["died", "died"])["exclude"] == ["died"]


def test_exclude_may_be_empty():
    assert clean("INDEPENDENT_WITHIN", exclude=[])["exclude"] == []


def test_exclude_accepts_every_end_reason():
    reasons = [
        "independent",
        "transferred",
        "residential_care",
        "nursing_care",
        "hospital",
        "died",
        "moved_away",
        "other",
    ]
    assert clean("INDEPENDENT_WITHIN", exclude=list(reversed(reasons)))["exclude"] == reasons


@pytest.mark.parametrize("value", [["died", "emigrated"], ["Died"], "died,bogus", ["moved away"]])
def test_exclude_rejects_an_unknown_reason_and_names_it(value):
    message = errors("INDEPENDENT_WITHIN", exclude=value)["exclude"]
    unknown = next(item for item in (value.split(",") if isinstance(value, str) else value) if item != "died")
    assert unknown in message
    assert "moved_away" in message  # says what is allowed


@pytest.mark.parametrize("value", [None, 5, {"died": True}])
def test_exclude_rejects_something_that_is_not_a_list(value):
    assert set(errors("INDEPENDENT_WITHIN", exclude=value)) == {"exclude"}


# --- lookback and dementia ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["R12", "period"])
def test_lookback_accepts_r12_and_period(value):
    assert clean("RESIDENTIAL_ENTRY", lookback=value)["lookback"] == value


@pytest.mark.parametrize("value", ["r12", "R6", "PERIOD", "year", "", None])
def test_lookback_rejects_anything_else(value):
    assert "R12, period" in errors("RESIDENTIAL_ENTRY", lookback=value)["lookback"]


@pytest.mark.parametrize("value", ["any", "Y", "N"])
def test_dementia_accepts_any_y_and_n(value):
    assert clean("RESIDENTIAL_ENTRY", dementia=value)["dementia"] == value


@pytest.mark.parametrize("value", ["y", "n", "yes", "ANY", True, "", None])
def test_dementia_rejects_anything_else(value):
    assert "any, Y, N" in errors("RESIDENTIAL_ENTRY", dementia=value)["dementia"]


def test_the_dementia_cohort_of_the_worked_example():
    assert clean("RESIDENTIAL_ENTRY", dementia="Y") == {
        "lookback": "R12",
        "service_type": "long_term",
        "dementia": "Y",
    }


# --- age_bands -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["65+", "18+"])
def test_age_bands_accepts_the_shorthands(value):
    assert clean("AT_HOME_91D", age_bands=value) == {"age_bands": value}


@pytest.mark.parametrize(
    "value",
    [
        ["65-74", "75-84", "85+"],
        ["85+", "75-84", "65-74"],
        ["65-74", "75-84", "85+", "85+"],
        "65-74,75-84,85+",
    ],
)
def test_age_bands_equal_to_65_and_over_become_the_shorthand(value):
    assert clean("AT_HOME_91D", age_bands=value) == {"age_bands": "65+"}


def test_all_four_bands_become_18_and_over():
    assert clean("AT_HOME_91D", age_bands=["85+", "18-64", "75-84", "65-74"]) == {"age_bands": "18+"}


def test_other_band_lists_are_kept_in_canonical_order():
    assert clean("AT_HOME_91D", age_bands=["85+", "65-74"]) == {"age_bands": ["65-74", "85+"]}
    assert clean("AT_HOME_91D", age_bands="85+,18-64") == {"age_bands": ["18-64", "85+"]}
    assert clean("AT_HOME_91D", age_bands=["75-84"]) == {"age_bands": ["75-84"]}


@pytest.mark.parametrize("value", [["90+"], ["65-74", "95-104"], "65-75", ["65+"], ["18+", "85+"]])
def test_age_bands_rejects_an_unknown_band(value):
    message = errors("AT_HOME_91D", age_bands=value)["age_bands"]
    assert "18-64, 65-74, 75-84, 85+" in message


@pytest.mark.parametrize("value", [[], "", " , ", None, 65])
def test_age_bands_rejects_an_empty_or_missing_list(value):
    assert set(errors("AT_HOME_91D", age_bands=value)) == {"age_bands"}


# --- Parameter names -------------------------------------------------------------------------------


def test_an_unknown_parameter_is_rejected_with_the_valid_names():
    problems = errors("INDEPENDENT_WITHIN", window=42)
    assert set(problems) == {"window"}
    for name in ("window_days", "service_type", "referral_source", "exclude"):
        assert name in problems["window"]
    with pytest.raises(ParameterError) as caught:
        clean("INDEPENDENT_WITHIN", window=42)
    assert caught.value.parameter == "window"


@pytest.mark.parametrize("code", ["HELP_48H", "HOSPITAL_ADMISSION", "RETURNS_ON_TIME"])
def test_a_measure_without_parameters_rejects_any(code):
    problems = errors(code, window_days=42)
    assert set(problems) == {"window_days"}
    assert "no parameters" in problems["window_days"]
    with pytest.raises(ParameterError):
        clean(code, window_days=42)


def test_param_errors_reports_every_problem_at_once():
    problems = errors(
        "INDEPENDENT_WITHIN", window_days=0, service_type="SHORT_TERM", exclude=["x"], colour="red"
    )
    assert set(problems) == {"window_days", "service_type", "exclude", "colour"}


def test_parameter_error_is_a_value_error_carrying_its_parameter():
    with pytest.raises(ValueError, match="from 1 to 730"):
        clean("INDEPENDENT_WITHIN", window_days=731)


# --- Plain-English descriptions used on the pages ------------------------------------------------


def test_describe_renders_defaults_in_plain_english():
    measure = get_measure("INDEPENDENT_WITHIN")
    assert measure.parameter("window_days").describe(42) == "42 days"
    assert measure.parameter("exclude").describe(["died", "moved_away"]) == "Died, Moved away"
    assert measure.parameter("referral_source").describe("any") == "Any"
    assert get_measure("AT_HOME_91D").parameter("age_bands").describe("65+") == "65 and over"
    assert get_measure("PACKAGE_REDUCED").parameter("min_tenure_days").describe(90) == "90 days"


# --- The pages ------------------------------------------------------------------------------------


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("user", ["a_viewer", "commissioner"])
def test_the_library_lists_every_measure_for_providers_and_commissioners(client, world, user):
    client.force_login(world.users[user])
    response = client.get("/measures/")
    assert response.status_code == 200
    page = text(response)
    assert "Measure library" in page
    for measure in MEASURES.values():
        assert measure.name in page
        assert f'href="/measures/{measure.code}/"' in page
        assert measure.summary in page
    assert "Lower" in page and "Higher" in page
    assert "85.0% (551/648)" in page
    assert "0.5 percentage points" in page
    assert '<th scope="col"' in page


@pytest.mark.parametrize("user", ["a_viewer", "commissioner"])
def test_the_detail_page_shows_parameters_and_the_worked_example(client, world, user):
    client.force_login(world.users[user])
    response = client.get("/measures/INDEPENDENT_WITHIN/")
    assert response.status_code == 200
    page = text(response)
    measure = get_measure("INDEPENDENT_WITHIN")
    assert f">{measure.name}</h1>" in page
    for expected in ("Window", "42 days", "1 to 730", "window_days", "Died, Moved away", "Worked example"):
        assert expected in page
    assert measure.example in page
    assert measure.denominator in page and measure.numerator in page
    for note in measure.notes:
        assert note in page
    assert "<caption" in page and '<th scope="row"' in page


def test_the_age_bands_parameter_lists_its_allowed_values(client, world):
    client.force_login(world.users["commissioner"])
    page = text(client.get("/measures/AT_HOME_91D/"))
    assert "65+, 18+ or bands 18-64, 65-74, 75-84, 85+" in page
    assert "65 and over" in page


def test_a_choice_parameter_lists_its_choices(client, world):
    client.force_login(world.users["commissioner"])
    page = text(client.get("/measures/RESIDENTIAL_ENTRY/"))
    for value in ("R12", "period", "Y", "N", "long_term"):
        assert f"<code>{value}</code>" in page
    assert "Lower (lower is better)" in page


def test_a_measure_without_parameters_says_so(client, world):
    client.force_login(world.users["a_viewer"])
    page = text(client.get("/measures/HELP_48H/"))
    assert "This measure has no parameters." in page
    assert "<table" not in page


@pytest.mark.parametrize("code", SPEC_DIRECTIONS)
def test_every_measure_has_a_page(client, world, code):
    client.force_login(world.users["c_viewer"])
    response = client.get(f"/measures/{code}/")
    assert response.status_code == 200
    assert get_measure(code).example in text(response)


@pytest.mark.parametrize("code", ["NOPE", "help_48h", "HELP_48H "])
def test_an_unknown_measure_is_not_found(client, world, code):
    client.force_login(world.users["commissioner"])
    assert client.get(f"/measures/{code}/").status_code == 404


@pytest.mark.parametrize("path", ["/measures/", "/measures/INDEPENDENT_WITHIN/"])
def test_signed_out_people_are_sent_to_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in/")
