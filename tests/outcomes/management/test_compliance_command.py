"""End to end: load three months of returns with import_return and check `compliance --json`.

The data set and the hand-computed figures are in tests/outcomes/management/compliance_data/ (README.md
shows the working episode by episode). The expected results below are the README's table; a
test checks that the two agree.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import target

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "compliance_data"
REFERENCE = "RCC-HC-001"
SUBMITTED = {"2025-04": "2025-05-09T16:00", "2025-05": "2025-06-10T11:00", "2025-06": "2025-07-08T09:30"}

PARAMS = {
    "INDEPENDENT_WITHIN": {
        "window_days": 42,
        "service_type": "short_term",
        "referral_source": "any",
        "exclude": ["died", "moved_away"],
    },
    "HELP_48H": {},
    "RESIDENTIAL_ENTRY": {"lookback": "period", "service_type": "long_term", "dementia": "any"},
    "HOSPITAL_ADMISSION": {},
    "AT_HOME_91D": {"age_bands": "65+"},
}
TARGETS = {  # measure: (target, tolerance), in the order the targets are created
    "INDEPENDENT_WITHIN": ("66.0", "0.5"),
    "HELP_48H": ("65.0", "0.5"),
    "RESIDENTIAL_ENTRY": ("30.0", "5.0"),
    "HOSPITAL_ADMISSION": ("15.0", "0.5"),
    "AT_HOME_91D": ("60.0", "0.5"),
}
# period: measure: (numerator, denominator, value, rag, not_rated_reason, missing)
EXPECTED = {
    "2025-04": {
        "INDEPENDENT_WITHIN": (3, 5, "60.0", "red", None, 0),
        "HELP_48H": (3, 4, "75.0", "not_rated", "low_numbers", 0),
        "RESIDENTIAL_ENTRY": (1, 5, "20.0", "green", None, 0),
        "HOSPITAL_ADMISSION": (2, 15, "13.3", "green", None, 0),
        "AT_HOME_91D": (1, 2, "50.0", "not_rated", "low_numbers", 0),
    },
    "2025-26-Q1": {
        "INDEPENDENT_WITHIN": (6, 10, "60.0", "red", None, 0),
        "HELP_48H": (4, 6, "66.7", "green", None, 0),
        "RESIDENTIAL_ENTRY": (2, 6, "33.3", "amber", None, 0),
        "HOSPITAL_ADMISSION": (3, 17, "17.6", "red", None, 0),
        "AT_HOME_91D": (3, 5, "60.0", "green", None, 1),
    },
}
EXPECTED["2025-26-YTD-06"] = EXPECTED["2025-26-Q1"]  # April to June: the same window as Q1


def expected_json(period: str) -> dict:
    results = []
    for measure, (numerator, denominator, value, rag, reason, missing) in EXPECTED[period].items():
        target_value, tolerance = TARGETS[measure]
        results.append(
            {
                "measure": measure,
                "params": PARAMS[measure],
                "target": target_value,
                "tolerance": tolerance,
                "numerator": numerator,
                "denominator": denominator,
                "value": value,
                "rag": rag,
                "not_rated_reason": reason,
                "direction": "none",  # the contract began in April 2025: no earlier period is rated
                "pending": 0,
                "missing": missing,
                "incomplete": False,
                "missing_months": [],
                "restated": False,
            }
        )
    return {"contract": REFERENCE, "period": period, "results": results}


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def loaded(returns):
    """The fixture's contract, targets and three accepted months, loaded as a data team would."""
    contract = returns.contract
    assert contract.reference == REFERENCE
    target(contract, "INDEPENDENT_WITHIN", "66", params={"window_days": 42})
    target(contract, "HELP_48H", "65")
    target(contract, "RESIDENTIAL_ENTRY", "30", params={"lookback": "period"}, tolerance="5")
    target(contract, "HOSPITAL_ADMISSION", "15")
    target(contract, "AT_HOME_91D", "60")
    for month, submitted in SUBMITTED.items():
        report = json.loads(
            run(
                "import_return",
                "--contract",
                REFERENCE,
                "--period",
                month,
                "--accept",
                "--submitted-at",
                submitted,
                "--json",
                str(FIXTURES / f"{month}.csv"),
            )
        )
        assert report["status"] == "accepted", report["errors"]
        assert report["errors"] == []
    return contract


@pytest.mark.parametrize("period", list(EXPECTED))
def test_compliance_json_matches_the_hand_computed_figures(loaded, period):
    output = json.loads(run("compliance", "--contract", REFERENCE, "--period", period, "--json"))
    assert output == expected_json(period)


def test_compliance_text_output_shows_value_numerator_and_denominator_together(loaded):
    text = run("compliance", "--contract", REFERENCE, "--period", "2025-26-Q1")
    assert "60.0% (6/10)" in text
    assert "17.6% (3/17)" in text


def test_a_later_correction_is_shown_as_restated(loaded, tmp_path):
    run("compliance", "--contract", REFERENCE, "--period", "2025-04", "--json")

    def corrected(month: str) -> str:
        """The month's file with E19's end corrected: it went to hospital, not into a nursing home."""
        text = (FIXTURES / f"{month}.csv").read_text()
        assert "2025-04-18,nursing_care" in text
        path = tmp_path / f"{month}.csv"
        path.write_text(text.replace("2025-04-18,nursing_care", "2025-04-18,hospital"))
        return str(path)

    run("import_return", "--contract", REFERENCE, "--period", "2025-05", "--accept", corrected("2025-05"))
    # June's row (the latest month) still says nursing care: nothing changes for April.
    assert json.loads(run("compliance", "--contract", REFERENCE, "--period", "2025-04", "--json")) == (
        expected_json("2025-04")
    )
    run("import_return", "--contract", REFERENCE, "--period", "2025-06", "--accept", corrected("2025-06"))
    output = json.loads(run("compliance", "--contract", REFERENCE, "--period", "2025-04", "--json"))
    by_measure = {row["measure"]: row for row in output["results"]}
    residential = by_measure["RESIDENTIAL_ENTRY"]
    assert (residential["numerator"], residential["denominator"], residential["value"]) == (0, 5, "0.0")
    assert residential["restated"] is True
    hospital = by_measure["HOSPITAL_ADMISSION"]
    assert (hospital["numerator"], hospital["denominator"], hospital["value"]) == (3, 15, "20.0")
    assert (hospital["rag"], hospital["restated"]) == ("red", True)
    assert by_measure["INDEPENDENT_WITHIN"]["restated"] is False


README_ROW = re.compile(
    r"^\|\s*(?P<period>[\w-]+)\s*\|\s*(?P<measure>[A-Z_0-9]+)\s*\|\s*(?P<numerator>\d+)\s*\|\s*(?P<denominator>\d+)"
    r"\s*\|\s*(?P<value>[\d.]+)\s*\|\s*(?P<target>[\d.]+)\s*\|\s*(?P<rag>[a-z_]+(?: \([a-z_]+\))?)\s*\|"
    r"\s*(?P<missing>\d+)\s*\|"
)


def test_the_readme_table_is_the_expected_results():
    rows = [
        match
        for line in (FIXTURES / "README.md").read_text().splitlines()
        if (match := README_ROW.match(line))
    ]
    table = {(row["period"], row["measure"]): row for row in rows}
    assert len(table) == sum(len(results) for results in EXPECTED.values())
    for period, results in EXPECTED.items():
        for measure, (numerator, denominator, value, rag, reason, missing) in results.items():
            row = table[(period, measure)]
            shown_rag = f"{rag} ({reason})" if reason else rag
            assert (
                int(row["numerator"]),
                int(row["denominator"]),
                row["value"],
                row["target"],
                row["rag"],
                int(row["missing"]),
            ) == (numerator, denominator, value, TARGETS[measure][0], shown_rag, missing), (period, measure)
