"""A target's measure is named with its parameters in words, never with a placeholder ("N days")."""

from __future__ import annotations

import pytest

from outcomes.measures import MEASURES, target_measure_name


@pytest.mark.parametrize(
    ("code", "params", "name"),
    [
        ("INDEPENDENT_WITHIN", {}, "Independent 42 days after first visit (short-term care)"),
        (
            "INDEPENDENT_WITHIN",
            {
                "window_days": 91,
                "service_type": "any",
                "referral_source": "hospital_discharge",
                "exclude": [],
            },
            "Independent 91 days after first visit (any service type; referred from hospital discharge; "
            "leaving none out)",
        ),
        (
            "INDEPENDENT_WITHIN",
            {"window_days": 1, "exclude": ["died"]},
            "Independent 1 day after first visit (short-term care; leaving out those who died)",
        ),
        ("RESIDENTIAL_ENTRY", {}, "Entered residential or nursing care (rolling 12 months; long-term care)"),
        (
            "RESIDENTIAL_ENTRY",
            {"lookback": "period", "dementia": "Y"},
            "Entered residential or nursing care (in the period; long-term care; people with dementia)",
        ),
        ("PACKAGE_REDUCED", {}, "Care package reduced (in care 90 days or more)"),
        ("PACKAGE_INCREASED", {"min_tenure_days": 0}, "Care package increased (any time in care)"),
        ("AT_HOME_91D", {}, "At home 91 days after hospital discharge (aged 65 and over)"),
        ("AT_HOME_91D", {"age_bands": "18+"}, "At home 91 days after hospital discharge (all ages)"),
        (
            "AT_HOME_91D",
            {"age_bands": ["18-64", "85+"]},
            "At home 91 days after hospital discharge (aged 18-64, 85+)",
        ),
        ("HELP_48H", {}, "Help within 48 hours of referral"),
    ],
)
def test_names_say_the_parameters_in_words(code, params, name):
    assert target_measure_name(MEASURES[code], params) == name


def test_every_measure_is_named_without_placeholders_and_stale_params_still_name():
    for measure in MEASURES.values():
        name = target_measure_name(measure, measure.defaults)
        assert " N " not in name and name
    # A parameter stored before a rule changed: the target is still named from what it holds.
    assert target_measure_name(MEASURES["INDEPENDENT_WITHIN"], {"window_days": 9999}).startswith(
        "Independent 9999 days"
    )
