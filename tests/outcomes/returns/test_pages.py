"""The monthly return pages: overview, month, upload and report, sign-off, nil returns, the
outstanding list and the downloads. Who may reach each URL is pinned in the permission matrix;
these tests pin what the pages show and do."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.downloads import XLSX_CONTENT_TYPE, spreadsheet_safe
from outcomes.mds import EPISODE_COLUMNS, SURVEY_COLUMNS, validate_return
from outcomes.mds.columns import CHANGES_IN_THIS_VERSION, EPISODE_COLUMN_SPECS, SURVEY_COLUMN_SPECS
from outcomes.models import AttemptKind, AttemptStatus, MonthlyReturn, ReturnAttempt
from outcomes.periods import due_at
from outcomes.returns import files as templates_files
from outcomes.returns import selectors, services
from outcomes.returns.forms import EpisodeRowFormSet
from outcomes.returns.submitters import Submitter
from outcomes.returns.validation import attempt_validate
from tests.factories import CouncilFactory, ProviderFactory, contract
from tests.pages import error_summaries_are_govuk, error_summary

JUNE = "2025-06"
EXAMPLE = templates_files.example_csv()


@pytest.fixture
def contracts(world):
    """J-1: provider A prime, council lead, ICB partner. C-2: provider B prime, A subcontracts.
    X-3: another council's contract with another provider."""
    world.contracts = {
        "joint": contract(world.council, world.provider_a, reference="J-1", partners=[world.icb]),
        "council_b": contract(
            world.council, world.provider_b, reference="C-2", subcontractors=[world.provider_a]
        ),
        "other": contract(CouncilFactory(name="Elsewhere Council"), ProviderFactory(), reference="X-3"),
    }
    return world.contracts


def as_user(client, world, role: str):
    client.force_login(world.users[role])
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def month_url(contract_obj, period: str = JUNE) -> str:
    return f"/returns/{contract_obj.pk}/{period}/"


def upload(client, django_capture_on_commit_callbacks, contract_obj, content: bytes, *, period=JUNE, **data):
    """Upload a return file through the month page; the checks run as the transaction commits."""
    data = {"file": SimpleUploadedFile(data.pop("filename", "june.csv"), content), **data}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(month_url(contract_obj, period), data)


def checked_attempt(contract_obj, *, period=JUNE, content: bytes = EXAMPLE, accept=False) -> ReturnAttempt:
    return services.return_import(
        contract=contract_obj, period=period, file_bytes=content, filename="june.csv", accept=accept
    )


def table_rows(response, testid: str) -> list[list[str]]:
    content = response.content.decode()
    table = re.search(rf'<table[^>]*data-testid="{testid}".*?</table>', content, re.S)
    assert table, f"no table {testid}"
    body = table.group(0).split("<tbody", 1)[1]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", c))).strip() for c in cells])
    return rows


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


# --- The overview --------------------------------------------------------------------------


def test_providers_see_the_last_six_months_of_contracts_they_hold_as_prime(client, world, contracts):
    latest = selectors.recent_months()[0]
    checked_attempt(contracts["joint"], period=f"{latest:%Y-%m}", accept=True)
    response = as_user(client, world, "a_viewer").get("/returns/")
    assert response.status_code == 200
    page = text(response)
    assert "J-1: Homecare J-1" in page
    assert "C-2" not in page  # provider A only subcontracts on C-2
    rows = table_rows(response, "contract-returns")
    assert len(rows) == 6
    assert rows[0][0].startswith(f"{latest:%B %Y}")
    assert rows[0][1] == "Accepted"
    assert rows[1][1] == "Not submitted" and rows[1][3] == "Overdue"
    assert f'href="/returns/{contracts["joint"].pk}/{latest:%Y-%m}/"' in response.content.decode()
    assert "outstanding" not in page.lower()


def test_commissioners_see_every_contract_they_commission_and_the_outstanding_link(client, world, contracts):
    response = as_user(client, world, "c_viewer").get("/returns/")
    page = text(response)
    assert "J-1" in page and "C-2" in page and "X-3" not in page
    assert "Acme Homecare Ltd" in page and "Brookside Care Services" in page
    assert 'href="/returns/outstanding/"' in response.content.decode()
    partner = as_user(client, world, "icb_admin").get("/returns/")
    assert "J-1" in text(partner) and "C-2" not in text(partner)


def test_the_navigation_has_returns_after_contracts(client, world, contracts):
    content = as_user(client, world, "a_submitter").get("/").content.decode()
    assert content.index(">Contracts<") < content.index(">Returns<") < content.index(">Measures<")


# --- A month's page -------------------------------------------------------------------------


def test_the_month_page_shows_the_due_date_and_the_upload_form_to_submitters(client, world, contracts):
    response = as_user(client, world, "a_submitter").get(month_url(contracts["joint"], "2025-04"))
    assert response.status_code == 200
    page = text(response)
    assert "April 2025 return" in page
    assert "Due by the end of 10 May 2025" in page
    assert "No version of this month's return has been accepted yet." in page
    content = response.content.decode()
    assert 'enctype="multipart/form-data"' in content and 'name="file"' in content
    assert (
        'name="HEALTH_NEEDS_MET_numerator"' in content and 'name="DIED_WITH_DIGNITY_denominator"' in content
    )
    assert "<legend" in content  # each survey measure's two numbers are grouped
    assert f'href="/returns/{contracts["joint"].pk}/2025-04/nil/"' in content


@pytest.mark.parametrize("role", ["a_viewer", "commissioner", "icb_admin"])
def test_viewers_and_commissioners_see_the_month_read_only(client, world, contracts, role):
    checked_attempt(contracts["joint"])
    response = as_user(client, world, role).get(month_url(contracts["joint"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'name="file"' not in content
    assert "/nil/" not in content
    assert len(table_rows(response, "attempts")) == 1


@pytest.mark.parametrize("period", ["2025-6", "June-2025", "2025-00", "2025-03", "2028-04", "2099-01"])
def test_months_that_are_malformed_or_outside_the_term_are_not_found(client, world, contracts, period):
    response = as_user(client, world, "a_submitter").get(month_url(contracts["joint"], period))
    assert response.status_code == 404


def test_every_attempt_is_listed_newest_first_with_what_changed(client, world, contracts):
    joint = contracts["joint"]
    first = checked_attempt(joint, accept=True)
    rejected = checked_attempt(joint, content=EXAMPLE.replace(b"P-1208", b"9434765919"))
    second = checked_attempt(joint, content=EXAMPLE.replace(b",14,12,", b",14,10,"), accept=True)
    response = as_user(client, world, "commissioner").get(month_url(joint))
    rows = table_rows(response, "attempts")
    assert [row[3] for row in rows] == ["Accepted: version 2", "Rejected", "Version 1, superseded"]
    assert rows[0][5:10] == ["8", "0", "0", "2", "0 added, 1 changed, 0 removed"]
    assert rows[1][6] == "1" and rows[1][8] == "—"
    assert rows[2][9] == "First version"
    page = text(response)
    assert "Version 2" in page and "Data import (import_return)" in page
    content = response.content.decode()
    for attempt in (first, rejected, second):
        assert f'href="/returns/attempts/{attempt.pk}/"' in content


# --- Upload, report, sign-off ----------------------------------------------------------------


def test_a_bad_file_shows_the_report_with_row_and_column(
    client, world, contracts, django_capture_on_commit_callbacks
):
    bad = EXAMPLE.replace(b"P-1208", b"943 476 5919").replace(b"community,85+,Y", b"community,=1+2,Y")
    response = upload(
        as_user(client, world, "a_submitter"), django_capture_on_commit_callbacks, contracts["joint"], bad
    )
    attempt = ReturnAttempt.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/returns/attempts/{attempt.pk}/"
    assert attempt.status == AttemptStatus.REJECTED
    page = client.get(response["Location"])
    assert "This return was rejected: 2 errors" in text(page)
    assert error_summaries_are_govuk(page.content.decode())  # no aria-labelledby on a plain div
    assert table_rows(page, "errors") == [
        ["episodes", "3", "person_ref", "94***", attempt.errors[0]["message"]],
        ["episodes", "3", "age_band", "=1+2", attempt.errors[1]["message"]],
    ]
    assert "could be an NHS number" in attempt.errors[0]["message"]
    assert "943 476 5919" not in page.content.decode()  # identifiers stay masked
    assert "hx-trigger" not in page.content.decode()
    assert "Upload a corrected file" in text(page)
    assert f'href="/returns/attempts/{attempt.pk}/report.csv"' in page.content.decode()


def test_the_report_csv_neutralises_formulas(client, world, contracts, django_capture_on_commit_callbacks):
    bad = EXAMPLE.replace(b"community,85+,Y", b"community,=HYPERLINK(1),Y").replace(
        b"EP-0003,P-3390,short_term,hospital_discharge,85+,N,N",
        b"EP-0003,P-3390,short_term,hospital_discharge,85+,N,@SUM(A1)",
    )
    as_user(client, world, "a_submitter")
    upload(client, django_capture_on_commit_callbacks, contracts["joint"], bad)
    attempt = ReturnAttempt.objects.get()
    response = client.get(f"/returns/attempts/{attempt.pk}/report.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ["severity", "sheet", "row", "column", "value", "message"]
    values = {row[3]: row[4] for row in rows[1:]}
    assert values["age_band"] == "'=HYPERLINK(1)"
    assert values["end_of_life"] == "'@SUM(A1)"
    assert all(row[0] == "error" for row in rows[1:])
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_formula_neutralising_covers_every_dangerous_start():
    assert [spreadsheet_safe(v) for v in ["=1", "+1", "-1", "@A", "ok", None, 3]] == [
        "'=1",
        "'+1",
        "'-1",
        "'@A",
        "ok",
        "",
        "3",
    ]


def test_a_good_file_then_sign_off_makes_the_month_accepted(
    client, world, contracts, django_capture_on_commit_callbacks
):
    joint = contracts["joint"]
    as_user(client, world, "a_approver")
    response = upload(client, django_capture_on_commit_callbacks, joint, EXAMPLE)
    attempt = ReturnAttempt.objects.get()
    assert attempt.status == AttemptStatus.VALID and attempt.episode_count == 8
    page = client.get(response["Location"])
    content = page.content.decode()
    assert "The checks found no errors" in text(page)
    assert f'action="/returns/attempts/{attempt.pk}/sign-off/"' in content
    assert "I confirm this return is complete and accurate to the best of my knowledge" in content
    assert "I have read each warning above" not in content  # no warnings to acknowledge
    assert re.search(r"<fieldset[^>]*>\s*<legend[^>]*>\s*Declaration", content)

    with django_capture_on_commit_callbacks(execute=True):
        signed = client.post(f"/returns/attempts/{attempt.pk}/sign-off/", {"declaration": "on"})
    assert signed.status_code == 302 and signed["Location"] == month_url(joint)
    month_page = client.get(signed["Location"])
    assert "Version 1 of the June 2025 return is accepted" in text(month_page)
    assert f"Signed off by {world.users['a_approver']}" in text(month_page)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.ACCEPTED and attempt.is_current and attempt.version == 1
    [status] = selectors.month_statuses([joint], [date(2025, 6, 1)])
    assert status.state == "accepted"


def test_uploaded_survey_figures_typed_in_are_sent_with_the_file(
    client, world, contracts, django_capture_on_commit_callbacks
):
    as_user(client, world, "a_submitter")
    upload(
        client,
        django_capture_on_commit_callbacks,
        contracts["joint"],
        EXAMPLE,
        HEALTH_NEEDS_MET_numerator="41",
        HEALTH_NEEDS_MET_denominator="44",
    )
    attempt = ReturnAttempt.objects.get()
    assert attempt.survey_entered == [
        {"measure_code": "HEALTH_NEEDS_MET", "numerator": 41, "denominator": 44}
    ]
    assert attempt.status == AttemptStatus.VALID


def test_half_a_survey_figure_or_no_file_is_shown_on_the_form(client, world, contracts):
    as_user(client, world, "a_submitter")
    response = client.post(month_url(contracts["joint"]), {"CARER_SUPPORTED_numerator": "3"})
    assert response.status_code == 200
    summary = error_summary(response)
    assert ("id_file", "Choose the return file to upload") in summary
    assert (
        "id_CARER_SUPPORTED_denominator",
        "Enter both numbers for “Carers who feel supported”, or leave both blank",
    ) in summary
    assert text(response).count("There is a problem") == 1
    assert not ReturnAttempt.objects.exists()


def test_a_file_over_20_mb_is_refused_before_it_is_read(client, world, contracts):
    as_user(client, world, "a_submitter")
    big = SimpleUploadedFile("big.csv", b"x" * (20 * 1024 * 1024 + 1))
    response = client.post(month_url(contracts["joint"]), {"file": big})
    assert response.status_code == 413  # stopped as it streamed in, at the first byte over 20 MB
    page = text(response)
    assert "big.csv is larger than 20 MB." in page
    assert "A monthly return can have up to 2 files, each at most 20 MB." in page
    assert "Remove anything that is not part of the return" in page
    assert not ReturnAttempt.objects.exists()


def test_submitters_without_sign_off_are_told_an_approver_must_sign(client, world, contracts):
    attempt = checked_attempt(contracts["joint"])
    response = as_user(client, world, "a_submitter").get(f"/returns/attempts/{attempt.pk}/")
    assert "An approver (registered manager) must sign this return off" in text(response)
    assert "/sign-off/" not in response.content.decode()
    commissioner = as_user(client, world, "commissioner").get(f"/returns/attempts/{attempt.pk}/")
    assert "/sign-off/" not in commissioner.content.decode()
    assert "waiting for the provider's approver" in text(commissioner)


def test_sign_off_without_the_declaration_shows_the_error_summary(client, world, contracts):
    attempt = checked_attempt(contracts["joint"])
    response = as_user(client, world, "a_approver").post(f"/returns/attempts/{attempt.pk}/sign-off/", {})
    assert response.status_code == 200
    assert error_summary(response) == [("id_declaration", "Confirm the declaration to sign off the return")]
    content = response.content.decode()
    assert content.index("govuk-error-summary") < content.index("<h1")
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID


def test_warnings_must_be_acknowledged_at_sign_off(client, world, contracts):
    # In September 2025 the 91-day follow-up of three hospital discharges in the example is due.
    attempt = checked_attempt(contracts["joint"], period="2025-09")
    assert len(attempt.warnings) == 3
    as_user(client, world, "a_approver")
    page = client.get(f"/returns/attempts/{attempt.pk}/")
    assert len(table_rows(page, "warnings")) == 3
    content = page.content.decode()
    assert all(
        f"I have read warning {n}" in content and f"Note on warning {n} (optional)" in content
        for n in (1, 2, 3)
    )
    # One by one: two acknowledged is not enough, and the error names the one left.
    refused = client.post(
        f"/returns/attempts/{attempt.pk}/sign-off/",
        {
            "declaration": "on",
            "acknowledge_0": "on",
            "acknowledge_2": "on",
            "note_0": "Checked with the ward",
        },
    )
    assert error_summary(refused) == [("id_acknowledge_1", "Confirm that you have read warning 2")]
    assert "Checked with the ward" in refused.content.decode()  # nothing typed is lost
    accepted = client.post(
        f"/returns/attempts/{attempt.pk}/sign-off/",
        {
            "declaration": "on",
            **{f"acknowledge_{index}": "on" for index in range(3)},
            "note_0": "Checked with the ward",
            "note_2": "Follow-up call booked",
        },
    )
    assert accepted.status_code == 302
    assert "Version 1 of the September 2025 return is accepted" in text(client.get(accepted["Location"]))
    attempt.refresh_from_db()
    assert attempt.warning_notes == [
        {"warning": 0, "note": "Checked with the ward"},
        {"warning": 1, "note": ""},
        {"warning": 2, "note": "Follow-up call booked"},
    ]
    shown = table_rows(client.get(f"/returns/attempts/{attempt.pk}/"), "warnings")
    assert shown[0][-1] == "Checked with the ward" and shown[1][-1] == "Read; no note"


def test_signing_off_twice_gives_a_clear_message(client, world, contracts):
    attempt = checked_attempt(contracts["joint"])
    as_user(client, world, "a_approver")
    first = client.post(f"/returns/attempts/{attempt.pk}/sign-off/", {"declaration": "on"})
    assert first.status_code == 302
    again = client.post(f"/returns/attempts/{attempt.pk}/sign-off/", {"declaration": "on"}, follow=True)
    page = text(again)
    assert "This return was already signed off by" in page and "Nothing more is needed." in page
    assert ReturnAttempt.objects.filter(is_current=True).count() == 1
    assert ReturnAttempt.objects.get().version == 1


def test_commissioners_cannot_upload_or_sign_off(client, world, contracts):
    attempt = checked_attempt(contracts["joint"])
    as_user(client, world, "commissioner")
    assert (
        client.post(month_url(contracts["joint"]), {"file": SimpleUploadedFile("a.csv", EXAMPLE)}).status_code
        == 403
    )
    assert client.post(f"/returns/attempts/{attempt.pk}/sign-off/", {"declaration": "on"}).status_code == 403
    assert ReturnAttempt.objects.count() == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID


def test_other_providers_and_subcontractors_cannot_reach_attempts_by_guessing(client, world, contracts):
    mine = checked_attempt(contracts["council_b"])
    others = checked_attempt(contracts["other"])
    as_user(client, world, "a_approver")
    for attempt in (mine, others):
        assert client.get(f"/returns/attempts/{attempt.pk}/").status_code == 404
        assert client.get(f"/returns/attempts/{attempt.pk}/report.csv").status_code == 404
        assert (
            client.post(f"/returns/attempts/{attempt.pk}/sign-off/", {"declaration": "on"}).status_code == 404
        )
    assert client.get(month_url(contracts["council_b"])).status_code == 404


# --- Progress while the checks run -------------------------------------------------------------


def test_the_attempt_page_polls_while_the_checks_run_and_stops_when_done(client, world, contracts):
    attempt = services.attempt_create(
        contract=contracts["joint"],
        period=JUNE,
        submitter=Submitter(user=None, label="test"),
        file_bytes=EXAMPLE,
        filename="june.csv",
        queue_validation=False,
    )
    as_user(client, world, "a_submitter")
    content = client.get(f"/returns/attempts/{attempt.pk}/").content.decode()
    assert f'hx-get="/returns/attempts/{attempt.pk}/status/"' in content
    assert 'hx-trigger="every 1s"' in content and 'hx-swap="outerHTML"' in content
    assert "django_htmx/htmx-2.min.js" in content
    assert f'<a class="govuk-link" href="/returns/attempts/{attempt.pk}/">Refresh the page</a>' in content
    partial = client.get(f"/returns/attempts/{attempt.pk}/status/", headers={"HX-Request": "true"})
    assert "hx-trigger" in partial.content.decode() and "<html" not in partial.content.decode()

    attempt_validate(attempt_id=attempt.pk)
    done = client.get(
        f"/returns/attempts/{attempt.pk}/status/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "hx-trigger" not in done and "hx-get" not in done
    assert 'id="attempt-status"' in done
    assert "The checks found no errors" in done


# --- Nil returns ------------------------------------------------------------------------------


def test_a_nil_return_over_an_accepted_return_with_episodes_asks_for_confirmation(
    client, world, contracts, django_capture_on_commit_callbacks
):
    joint = contracts["joint"]
    accepted = checked_attempt(joint, accept=True)
    as_user(client, world, "a_approver")
    page = client.get(f"{month_url(joint)}nil/")
    assert "already has an accepted return: version 1" in text(page)
    assert f"with {accepted.episode_count} episodes" in text(page)
    refused = client.post(f"{month_url(joint)}nil/", {})
    assert refused.status_code == 200
    assert error_summary(refused)[0][0] == "id_replace_confirmed"
    assert ReturnAttempt.objects.filter(kind=AttemptKind.NIL).count() == 0  # nothing half-done
    with django_capture_on_commit_callbacks(execute=True):
        declared = client.post(f"{month_url(joint)}nil/", {"replace_confirmed": "on"})
    assert declared.status_code == 302
    assert ReturnAttempt.objects.filter(kind=AttemptKind.NIL).count() == 1


def test_a_nil_return_is_confirmed_then_declared_then_signed_off(
    client, world, contracts, django_capture_on_commit_callbacks
):
    joint = contracts["joint"]
    as_user(client, world, "a_approver")
    confirm = client.get(f"{month_url(joint)}nil/")
    assert confirm.status_code == 200
    assert "Declare a nil return for June 2025" in text(confirm)
    assert not ReturnAttempt.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        declared = client.post(f"{month_url(joint)}nil/", {})
    attempt = ReturnAttempt.objects.get()
    assert declared["Location"] == f"/returns/attempts/{attempt.pk}/"
    assert attempt.kind == AttemptKind.NIL and attempt.status == AttemptStatus.VALID
    signed = client.post(f"/returns/attempts/{attempt.pk}/sign-off/", {"declaration": "on"})
    assert signed.status_code == 302
    assert MonthlyReturn.objects.get().attempts.get(is_current=True).kind == AttemptKind.NIL


# --- Outstanding returns -------------------------------------------------------------------------


def test_the_outstanding_list_defaults_to_the_latest_month_due(client, world, contracts):
    response = as_user(client, world, "contract_officer").get("/returns/outstanding/")
    assert response.status_code == 200
    now = timezone.now()
    expected = next(m for m in selectors.recent_months() if now > due_at(m, 10))
    assert f"Outstanding returns for {expected:%B %Y}" in text(response)
    assert f'<option value="{expected:%Y-%m}" selected>' in response.content.decode()


def test_the_outstanding_list_for_a_month_and_its_csv(client, world, contracts):
    checked_attempt(contracts["joint"], accept=True)  # J-1's June return is in
    odd = ProviderFactory(name="=Odd Provider Ltd")
    contract(world.council, odd, reference="D-4")
    as_user(client, world, "c_viewer")
    response = client.get(f"/returns/outstanding/?month={JUNE}")
    rows = table_rows(response, "outstanding")
    assert [row[:2] for row in rows] == [
        ["=Odd Provider Ltd", "D-4 : June 2025 return Homecare D-4"],
        ["Brookside Care Services", "C-2 : June 2025 return Homecare C-2"],
    ]
    assert all(row[2] == "10 July 2025" and row[3] == "Not submitted" and row[4] == "Overdue" for row in rows)
    assert f'href="/returns/outstanding.csv?month={JUNE}"' in response.content.decode()

    download = client.get(f"/returns/outstanding.csv?month={JUNE}")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    lines = read_csv(download)
    assert lines[0] == list(templates_files.OUTSTANDING_COLUMNS)
    assert sorted(line[0] for line in lines[1:]) == ["'=Odd Provider Ltd", "Brookside Care Services"]
    assert all(line[3:] == [JUNE, "2025-07-10", "Not submitted", "yes"] for line in lines[1:])


def test_an_unknown_outstanding_month_is_explained(client, world, contracts):
    as_user(client, world, "commissioner")
    response = client.get("/returns/outstanding/?month=1999-01")
    assert response.status_code == 200
    assert error_summary(response) == [("id_month", "Choose a month from the list")]
    assert client.get("/returns/outstanding.csv?month=nonsense").status_code == 404


# --- Templates, example and guide -------------------------------------------------------------


def test_the_csv_template_is_the_episode_header_only(client, world):
    response = as_user(client, world, "a_viewer").get("/returns/template.csv")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert read_csv(response) == [list(EPISODE_COLUMNS)]
    assert len(EPISODE_COLUMNS) == 15


def test_the_xlsx_template_has_episodes_survey_and_guidance_sheets(client, world):
    response = as_user(client, world, "a_submitter").get("/returns/template.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["episodes", "survey", "guidance"]
    assert [c.value for c in workbook["episodes"][1]] == list(EPISODE_COLUMNS)
    assert [c.value for c in workbook["survey"][1]] == list(SURVEY_COLUMNS)
    sheet = workbook["guidance"]
    assert sheet["A1"].value == "Monthly data standard, version 1.1"
    guidance = [row[:5] for row in sheet.iter_rows(min_row=4, values_only=True) if row[1]]
    specs = [("episodes", c) for c in EPISODE_COLUMN_SPECS] + [("survey", c) for c in SURVEY_COLUMN_SPECS]
    assert guidance == [
        (table, c.name, "yes" if c.required else "no", c.rule, ", ".join(c.allowed) or None)
        for table, c in specs
    ]
    listed = [row[0] for row in sheet.iter_rows(values_only=True) if row[0]]
    assert "What changed in version 1.1" in listed and CHANGES_IN_THIS_VERSION[0] in listed
    # Drop-down lists on every coded column, from the same definitions as the validator.
    lists = {
        str(validation.sqref).split(":")[0][:-1]: validation.formula1
        for validation in workbook["episodes"].data_validations.dataValidation
    }
    coded = {
        openpyxl.utils.get_column_letter(index): '"' + ",".join(column.allowed) + '"'
        for index, column in enumerate(EPISODE_COLUMN_SPECS, start=1)
        if column.allowed
    }
    assert lists == coded
    assert (
        '"independent,transferred,residential_care,nursing_care,hospital,died,moved_away,other"'
        in lists.values()
    )


def test_the_template_filled_with_the_example_passes(client, world):
    workbook = openpyxl.load_workbook(io.BytesIO(templates_files.template_xlsx()))
    for row in list(csv.reader(io.StringIO(EXAMPLE.decode("utf-8-sig"))))[1:]:
        workbook["episodes"].append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = validate_return(period=JUNE, episodes_file=buffer.getvalue(), filename="filled.xlsx")
    assert result.errors == [] and len(result.episodes) == 8


def test_the_example_file_passes_validation_for_the_month_stated(client, world):
    response = as_user(client, world, "a_viewer").get("/returns/example.csv")
    assert response.status_code == 200
    assert templates_files.EXAMPLE_PERIOD in response["Content-Disposition"]
    result = validate_return(
        period=templates_files.EXAMPLE_PERIOD, episodes_file=response.content, filename="example.csv"
    )
    assert result.errors == [] and result.warnings == []
    episodes = result.episodes
    assert len(episodes) == 8
    assert {e.service_type for e in episodes} == {"short_term", "long_term"}
    assert any(e.referral_source == "hospital_discharge" for e in episodes)
    assert any(e.ended_on for e in episodes) and any(e.ended_on is None for e in episodes)
    assert any(
        e.end_of_life and e.end_reason == "died" and e.died_in_preferred_place is not None for e in episodes
    )
    guide = client.get("/returns/guide/")
    assert "pass every check as the return for June 2025" in text(guide)


def test_the_guide_lists_every_column_and_the_downloads(client, world):
    response = as_user(client, world, "c_viewer").get("/returns/guide/")
    assert response.status_code == 200
    rows = table_rows(response, "episode-columns")
    assert [row[0] for row in rows] == list(EPISODE_COLUMNS)
    assert [row[0] for row in table_rows(response, "survey-columns")] == list(SURVEY_COLUMNS)
    content = response.content.decode()
    for url in ("/returns/template.csv", "/returns/template.xlsx", "/returns/example.csv"):
        assert f'href="{url}"' in content
    # Every allowed value of every coded column, lower-case as it must be typed; the version and its changes.
    by_name = {row[0]: row for row in rows}
    assert by_name["end_reason"][3].replace(" ,", ",") == (
        "independent, transferred, residential_care, nursing_care, hospital, died, moved_away, other"
    )
    assert by_name["service_type"][3].replace(" ,", ",") == "short_term, long_term"
    assert "Short_term" not in content
    assert "version 1.1 of the monthly data standard" in content
    assert CHANGES_IN_THIS_VERSION[0].split(":")[0] in content


# --- Start from last month ----------------------------------------------------------------------------


def test_last_months_return_downloads_as_a_workbook_to_update_and_passes_as_next_month(
    client, world, contracts
):
    joint = contracts["joint"]
    june = checked_attempt(joint, accept=True)  # the worked example, accepted for June 2025
    as_user(client, world, "a_submitter")
    page = client.get(month_url(joint, "2025-07"))
    assert "Download last month's return to update (Excel)" in text(page)
    response = client.get(f"{month_url(joint, '2025-07')}last-month.xlsx")
    assert response.status_code == 200
    assert "from-last-month.xlsx" in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook["episodes"]
    header = [cell.value for cell in sheet[1]]
    assert header == list(EPISODE_COLUMNS)
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    stored = june.episodes.all()
    expected = {
        r.episode_ref
        for r in stored
        if r.ended_on is None or r.ended_on >= date(2025, 7, 1) - timedelta(days=120)
    }
    assert {row["episode_ref"] for row in rows} == expected and len(rows) == june.episode_count
    first = next(r for r in stored if r.episode_ref == rows[0]["episode_ref"])
    assert rows[0]["referred_at"] == timezone.localtime(first.referred_at).replace(
        tzinfo=None
    )  # a real date cell
    assert sheet.cell(row=2, column=header.index("referred_at") + 1).number_format == "dd/mm/yyyy hh:mm"
    assert workbook["episodes"].data_validations.dataValidation  # the drop-down lists
    # Uploaded unchanged as July's return, it passes: nothing left out, nothing changed.
    result = validate_return(period="2025-07", episodes_file=response.content, filename="july.xlsx")
    assert result.errors == []


def test_last_months_return_is_404_without_an_accepted_return_and_the_submitted_file_downloads(
    client, world, contracts
):
    joint = contracts["joint"]
    as_user(client, world, "a_submitter")
    assert client.get(f"{month_url(joint, '2025-07')}last-month.xlsx").status_code == 404
    assert "Download last month's return" not in text(client.get(month_url(joint, "2025-07")))
    attempt = checked_attempt(joint)
    response = client.get(f"/returns/attempts/{attempt.pk}/file")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == EXAMPLE
    assert 'filename="june.csv"' in response["Content-Disposition"]


# --- The return filled in the browser -----------------------------------------------------------------


def _editor_data(rows: list[dict], **extra) -> dict:
    data = {"form-TOTAL_FORMS": str(len(rows)), "form-INITIAL_FORMS": "0", **extra}
    for index, row in enumerate(rows):
        data.update({f"form-{index}-{name}": value for name, value in row.items()})
    return data


def test_the_editor_adds_a_row_without_javascript_and_keeps_what_was_typed(client, world, contracts):
    joint = contracts["joint"]
    as_user(client, world, "a_submitter")
    page = client.get(f"{month_url(joint)}edit/")
    assert page.status_code == 200 and "Episode 1: episode_ref" in page.content.decode()
    added = client.post(f"{month_url(joint)}edit/", _editor_data([{"episode_ref": "EP-1"}], add="1"))
    content = added.content.decode()
    assert 'value="EP-1"' in content and "Episode 2: episode_ref" in content
    assert not ReturnAttempt.objects.exists()  # adding a row saves nothing


def test_the_editor_takes_as_many_episodes_as_its_form_allows(client, world, contracts, settings):
    """A typical month (150 episodes) is read whole, and the limit on a request's fields leaves room
    for the editor's most rows."""
    fields = len(EpisodeRowFormSet.form.base_fields)
    assert EpisodeRowFormSet.absolute_max * fields + 100 <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    joint = contracts["joint"]
    as_user(client, world, "a_submitter")
    data = _editor_data([dict.fromkeys(EpisodeRowFormSet.form.base_fields, "") for _ in range(150)], add="1")
    page = client.post(f"{month_url(joint)}edit/", data)
    assert page.status_code == 200 and "Episode 151: episode_ref" in page.content.decode()


def test_the_editor_saves_a_return_checked_like_a_file_with_its_survey_figures(
    client, world, contracts, django_capture_on_commit_callbacks
):
    joint = contracts["joint"]
    as_user(client, world, "a_submitter")
    empty = client.post(f"{month_url(joint)}edit/", _editor_data([{}], save="1"))
    assert "Add at least one episode" in text(empty) and not ReturnAttempt.objects.exists()
    row = {
        "episode_ref": "EP-1", "person_ref": "P-1", "service_type": "short_term", "referral_source": "community",
        "age_band": "85+", "dementia": "N", "end_of_life": "N", "referred_at": "03/06/2025 14:30",
        "first_visit_at": "04/06/2025 09:00", "weekly_hours_start": "10", "weekly_hours_now": "8",
    }  # fmt: skip
    removed = {**row, "episode_ref": "EP-X", "remove": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(
            f"{month_url(joint)}edit/",
            _editor_data(
                [row, removed], save="1", HEALTH_NEEDS_MET_numerator="9", HEALTH_NEEDS_MET_denominator="10"
            ),
        )
    attempt = ReturnAttempt.objects.get()
    assert saved["Location"] == f"/returns/attempts/{attempt.pk}/"
    assert attempt.filename == "entered in the portal.csv" and attempt.status == AttemptStatus.VALID
    assert attempt.episode_count == 1 and attempt.survey_entered[0]["numerator"] in (9, "9")
    editing = client.get(f"{month_url(joint)}edit/?from={attempt.pk}")
    assert 'value="03/06/2025 14:30"' in editing.content.decode()


def test_a_correction_sent_after_the_due_date_does_not_make_an_on_time_month_late(client, world, contracts):
    """On time or late is the month's first accepted version, as the returns-on-time measure counts."""
    joint = contracts["joint"]
    month = date(2025, 6, 1)
    due = due_at(month, joint.return_due_day)
    for submitted in (due - timedelta(days=2), due + timedelta(days=30)):
        services.return_import(
            contract=joint,
            period=JUNE,
            file_bytes=EXAMPLE,
            filename="june.csv",
            accept=True,
            submitted_at=submitted,
        )
    (status,) = selectors.month_statuses([joint], [month])
    assert status.current.version == 2 and status.current.late and not status.late
    assert not selectors.month_status_of(status.current.monthly_return).late
    response = as_user(client, world, "a_submitter").get(month_url(joint, JUNE))
    page = text(response)
    assert "The first version was submitted by the due date" in page and "Accepted late" not in page
    # Correcting it in the browser starts from the accepted version, not from last month's return.
    assert f'edit/?from={status.current.pk}" data-testid="edit-in-browser"' in response.content.decode()


def test_a_file_older_than_the_accepted_version_can_no_longer_be_signed_off(client, world, contracts):
    """Two files waiting, the newer one signed off: the older one would replace it, so it is refused,
    and its page and the month's page say why instead of offering the sign-off."""
    joint = contracts["joint"]
    due = due_at(date(2025, 6, 1), joint.return_due_day)
    older = services.return_import(
        contract=joint,
        period=JUNE,
        file_bytes=EXAMPLE,
        filename="june.csv",
        submitted_at=due - timedelta(days=3),
    )
    newer = services.return_import(
        contract=joint,
        period=JUNE,
        file_bytes=EXAMPLE,
        filename="june.csv",
        accept=True,
        submitted_at=due - timedelta(days=2),
    )
    assert (older.status, newer.version) == (AttemptStatus.VALID, 1)
    as_user(client, world, "a_approver")
    page = client.get(f"/returns/attempts/{older.pk}/").content.decode()
    assert 'data-testid="older-than-accepted"' in page and "Sign off the return" not in page
    refused = client.post(f"/returns/attempts/{older.pk}/sign-off/", {"declaration": "on"})
    assert "is already accepted as version 1" in text(refused)
    older.refresh_from_db()
    assert older.status == AttemptStatus.VALID and ReturnAttempt.objects.get(is_current=True).pk == newer.pk
    assert 'data-testid="waiting-for-sign-off"' not in client.get(month_url(joint, JUNE)).content.decode()
