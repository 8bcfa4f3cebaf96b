"""`python manage.py spc`: the interface of spec/spc.md — JSON with every number as a string of four
decimal places, exit 1 for fewer than 12 points, exit 2 for bad usage or a bad file (row and problem named)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

EXAMPLE_3 = [50, 51, 49, 50, 52, 48, 50, 51, 49, 50, 51, 49, 50, 60, 59, 61, 60, 60, 61, 59]
ROOT = Path(__file__).resolve().parents[3]


def csv_file(tmp_path: Path, text: str, name: str = "series.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def months(values) -> str:
    return "period,value\n" + "".join(
        f"{2024 + (number - 1) // 12}-{(number - 1) % 12 + 1:02d},{value}\n"
        for number, value in enumerate(values, 1)
    )


def spc(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("spc", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def spc_exit(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("spc", *args, stdout=io.StringIO(), stderr=err)
    return exit_.value.code, err.getvalue()


def test_json_of_worked_example_3(tmp_path):
    path = csv_file(tmp_path, months(EXAMPLE_3))
    out, _ = spc("--csv", str(path), "--better", "higher", "--target", "55", "--json")
    answer = json.loads(out)
    assert {key: answer[key] for key in ("n", "mean", "lower", "upper", "near_lower", "near_upper")} == {
        "n": 20,
        "mean": "53.5000",
        "lower": "49.5100",
        "upper": "57.4900",
        "near_lower": "50.8400",
        "near_upper": "56.1600",
    }
    assert answer["points"][0] == {
        "period": "2024-01",
        "value": "50.0000",
        "type": "special_cause_concern",
        "rules": [2],
    }
    assert answer["points"][5] == {
        "period": "2024-06",
        "value": "48.0000",
        "type": "special_cause_concern",
        "rules": [1, 2],
    }
    assert answer["points"][-1] == {
        "period": "2025-08",
        "value": "59.0000",
        "type": "special_cause_improvement",
        "rules": [1, 2],
    }
    assert (answer["variation"], answer["assurance"]) == ("special_cause_improvement_high", "hit_and_miss")
    assert list(answer) == [
        "n",
        "mean",
        "lower",
        "upper",
        "near_lower",
        "near_upper",
        "points",
        "variation",
        "assurance",
    ]


def test_a_fixed_baseline_and_no_target(tmp_path):
    path = csv_file(tmp_path, months([10, 12, 11, 13, 12, 11, 12, 13, 11, 12, 12, 11, 16]))
    answer = json.loads(spc("--csv", str(path), "--better", "higher", "--baseline", "12", "--json")[0])
    assert (answer["mean"], answer["lower"], answer["upper"]) == ("11.6667", "8.5230", "14.8103")
    assert answer["points"][-1]["rules"] == [1]
    assert (answer["variation"], answer["assurance"]) == ("special_cause_improvement_high", None)


def test_the_plain_report_says_what_the_icons_mean(tmp_path):
    path = csv_file(tmp_path, months([12] * 6 + [13, 12] * 3 + [9] * 7))
    out, _ = spc("--csv", str(path), "--better", "higher", "--target", "95")
    assert (
        "Variation: special_cause_concern_low. Special cause concern: the latest month (9.0%) is below the lower "
        "process limit (10.1%); seven months in a row below the average." in out
    )
    assert "Assurance: consistent_fail. Consistently fails the target: " in out
    assert "Mean 11.1; process limits " in out


def test_a_month_with_no_value_is_left_out_and_said(tmp_path):
    text = months(EXAMPLE_3).replace("2024-03,49\n", "2024-03,\n")
    out, _ = spc("--csv", str(csv_file(tmp_path, text)), "--better", "lower")
    assert "SPC (XmR) of 19 values" in out
    assert "Left out, with no value: 2024-03." in out


def test_a_file_without_a_header_a_byte_order_mark_and_percent_signs(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(("\ufeff" + "".join(f"M{n},{v}%\r\n" for n, v in enumerate(EXAMPLE_3, 1))).encode())
    answer = json.loads(spc("--csv", str(path), "--better", "higher", "--json")[0])
    assert (answer["n"], answer["mean"]) == (20, "53.5000")


def test_fewer_than_twelve_points_exits_1(tmp_path):
    code, err = spc_exit("--csv", str(csv_file(tmp_path, months(EXAMPLE_3[:11]))), "--better", "higher")
    assert code == 1
    assert "Not enough months for SPC: 11 of 12." in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("period,value\n2024-01,50\n2024-02,fifty\n", "Row 3 (2024-02): the value 'fifty' is not a number."),
        ("month,figure\n2024-01,50\n", "Row 1: the columns must be period,value"),
        ("period,value\n2024-01\n", "Row 2: it has 1 column(s); each row needs a period and a value."),
        ("period,value\n,50\n", "Row 2: the period is empty"),
        ("", "is empty: it needs a period,value row for each month."),
    ],
)
def test_a_bad_file_exits_2_naming_the_row_and_the_problem(tmp_path, text, message):
    code, err = spc_exit("--csv", str(csv_file(tmp_path, text)), "--better", "higher")
    assert code == 2
    assert message in err


def test_a_missing_file_or_a_baseline_longer_than_the_series_exits_2(tmp_path):
    code, err = spc_exit("--csv", str(tmp_path / "none.csv"), "--better", "higher")
    assert (code, err.strip()) == (2, f"--csv: There is no file at {tmp_path / 'none.csv'}.")
    path = csv_file(tmp_path, months(EXAMPLE_3))
    code, err = spc_exit("--csv", str(path), "--better", "higher", "--baseline", "21")
    assert code == 2 and "between 12 and the 20 points of the series, not 21" in err
    with pytest.raises(CommandError, match="a baseline needs at least 12 points, not 6"):
        spc("--csv", str(path), "--better", "higher", "--baseline", "6")
    with pytest.raises(CommandError, match="'high' is not a number"):
        spc("--csv", str(path), "--better", "higher", "--target", "high")


def test_from_the_command_line_bad_usage_exits_2_and_a_short_series_1(tmp_path):
    env = {**os.environ, "DEBUG": "true", "DATABASE_URL": "sqlite:///" + str(tmp_path / "unused.sqlite3")}
    path = csv_file(tmp_path, months(EXAMPLE_3[:5]))
    usage = subprocess.run(
        [sys.executable, "manage.py", "spc", "--csv", str(path), "--better", "up"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert usage.returncode == 2
    assert "invalid choice: 'up' (choose from 'higher', 'lower')" in usage.stderr
    short = subprocess.run(
        [sys.executable, "manage.py", "spc", "--csv", str(path), "--better", "higher", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (short.returncode, short.stdout) == (1, "")
    assert "Not enough months for SPC: 5 of 12." in short.stderr
