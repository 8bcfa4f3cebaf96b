"""A body's own QAF framework (commissioning.qaf.views_framework, framework_csv and the framework
services): the page, the CSV download and upload (all or nothing), versions kept by assessments,
the comment window, and who may do what (providers 404; roles without ASSESS_QUALITY 403 on POST).
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.access import acting_for
from accounts.models import AuditEntry, Role
from commissioning.qaf import framework_csv, frameworks, services
from commissioning.qaf.models import (
    QafFramework,
    QafFrameworkVersion,
    QafStandard,
)
from commissioning.qaf.template import DEFAULT_DOMAINS
from tests.factories import PASSWORD, CouncilFactory, UserFactory, contract, member
from tests.pages import error_summary, page_text

pytestmark = pytest.mark.django_db

PAGE = "/qaf/framework/"
CSV_URL = "/qaf/framework/standards.csv"
HEADER = "Domain,Code,Title,What good looks like,Weight"


@pytest.mark.usefixtures("adopted")
def test_the_download_is_formula_safe_and_a_quoted_cell_reads_back_as_typed(world):
    version = frameworks.framework_version_current(council_framework(world))
    standard = QafStandard.objects.filter(domain__version=version).order_by("id").first()
    standard.title = '=HYPERLINK("http://example.invalid","Click")'
    standard.looks_like = "-people are listened to"
    standard.save(update_fields=["title", "looks_like"])

    content = client_for(world.users["contract_officer"]).get(CSV_URL).content
    row = next(r for r in rows_of(content) if r[1] == standard.code)
    assert row[2] == "'" + standard.title and row[3] == "'-people are listened to"
    parsed = framework_csv.framework_csv_parse(content)
    read = next(s for d in parsed.domains for s in d.standards if s.code == standard.code)
    assert (read.title, read.looks_like) == (standard.title, standard.looks_like)


COUNCIL_ROLES = ["commissioner", "contract_officer", "quality_officer", "c_viewer", "c_admin"]
PROVIDER_ROLES = ["a_submitter", "a_approver", "a_viewer", "a_admin", "b_admin"]


def client_for(user) -> Client:
    """A client signed in through the real sign-in form."""
    client = Client()
    response = client.post("/account/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def acting(user):
    found = acting_for(user, None)
    assert found is not None
    return found


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def publish(client, content: bytes, **fields):
    data = {
        "form": "publish",
        "excellent_from": "3.50",
        "good_from": "2.50",
        "requires_improvement_from": "1.50",
        "note": "Weights changed",
        **fields,
        "file": SimpleUploadedFile("standards.csv", content, content_type="text/csv"),
    }
    return client.post(PAGE, data)


def council_framework(world) -> QafFramework:
    return frameworks.framework_default_get_or_create(owner=world.council)


@pytest.fixture
def adopted(world):
    """The world, with the council and the ICB having adopted the shipped framework (version 1)."""
    council_framework(world)
    frameworks.framework_default_get_or_create(owner=world.icb)
    return world


def standards_shown(response) -> int:
    return response.content.decode().count('data-testid="standard"')


def rows_of(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def as_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig")


# --- The page ------------------------------------------------------------------------------------


def test_before_adopting_the_page_shows_the_shipped_framework_and_reading_stores_nothing(world):
    viewer = page_text(client_for(world.users["c_viewer"]).get(PAGE))
    assert "has not adopted a framework yet" in viewer
    for name, standards in DEFAULT_DOMAINS:
        assert name in viewer
        for code, title, _ in standards:
            assert f"{code} {title}" in viewer
    assert 'data-testid="adopt"' not in viewer
    assert client_for(world.users["c_viewer"]).get("/qaf/framework/standards.csv").status_code == 404
    officer = client_for(world.users["quality_officer"])
    assert 'data-testid="adopt"' in page_text(officer.get(PAGE))
    assert not QafFramework.objects.exists()  # reading made nothing
    assert client_for(world.users["commissioner"]).post(PAGE, {"form": "adopt"}).status_code == 403
    assert officer.post(PAGE, {"form": "adopt"}).status_code == 302
    assert officer.post(PAGE, {"form": "adopt"}).status_code == 302  # adopting twice changes nothing
    assert QafFramework.objects.filter(owner=world.council).count() == 1
    assert AuditEntry.objects.filter(action="qaf.framework_adopt").count() == 1
    assert standards_shown(officer.get(PAGE)) == 16


def test_the_page_shows_the_shipped_templates_sixteen_standards_rule_and_history(world):
    council_framework(world)
    response = client_for(world.users["c_viewer"]).get(PAGE)

    assert response.status_code == 200
    assert standards_shown(response) == 16
    text = page_text(response)
    for name, standards in DEFAULT_DOMAINS:
        assert name in text
        for code, title, looks_like in standards:
            assert title in text and looks_like in text
    assert "Excellent from 3.50, Good from 2.50, Requires improvement from 1.50, otherwise Poor" in text
    assert "no standard is rated Poor" in text
    assert "14 days to comment" in text
    assert "Assessments keep the framework version they were scheduled with" in text
    assert 'data-testid="version-1"' in text and 'data-testid="used-1">0<' in text
    assert text.count("<caption") >= 5 + 2  # a table per domain, thresholds, history
    client_for(world.users["commissioner"]).get(PAGE)
    assert QafFramework.objects.filter(owner=world.council).count() == 1
    assert QafFrameworkVersion.objects.filter(framework__owner=world.council).count() == 1


@pytest.mark.usefixtures("adopted")
def test_only_quality_officers_see_the_forms(world):
    officer_page = page_text(client_for(world.users["quality_officer"]).get(PAGE))
    viewer_page = page_text(client_for(world.users["c_viewer"]).get(PAGE))

    assert 'data-testid="publish-form"' in officer_page and 'data-testid="settings-form"' in officer_page
    assert "Publish version 2" in officer_page
    assert (
        'data-testid="publish-form"' not in viewer_page and 'data-testid="settings-form"' not in viewer_page
    )
    assert "Quality officers of Riverton City Council publish new versions" in viewer_page


def test_the_tracker_links_to_the_framework_page(world):
    response = client_for(world.users["commissioner"]).get("/qaf/")
    assert 'href="/qaf/framework/"' in response.content.decode()


# --- Download and upload: the round trip ----------------------------------------------------------


@pytest.mark.usefixtures("adopted")
def test_the_download_is_the_import_format_and_reads_back_as_the_same_framework(world):
    response = client_for(world.users["contract_officer"]).get(CSV_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="qaf-standards-version-1.csv"' in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = rows_of(response.content)
    assert rows[0] == ["Domain", "Code", "Title", "What good looks like", "Weight"]
    assert len(rows) == 17
    assert rows[1] == ["Involvement and information", *DEFAULT_DOMAINS[0][1][0], "1"]
    parsed = framework_csv.framework_csv_parse(response.content)
    assert parsed.ok
    assert [
        (d.name, [(s.code, s.title, s.looks_like, s.weight) for s in d.standards]) for d in parsed.domains
    ] == [
        (name, [(code, title, looks_like, Decimal("1")) for code, title, looks_like in standards])
        for name, standards in DEFAULT_DOMAINS
    ]


def test_round_trip_publishes_version_2_and_assessments_keep_their_version(world):
    contract(world.council, world.provider_a, reference="Q-1")
    officer_user = world.users["quality_officer"]
    client = client_for(officer_user)
    earlier = services.assessment_schedule(
        acting=acting(officer_user), provider=world.provider_a, scheduled_for=timezone.localdate()
    )
    assert earlier.framework_version.number == 1

    rows = rows_of(client.get(CSV_URL).content)
    changed = next(row for row in rows if row[1] == "3.1")
    changed[4] = "2"
    rows.append(["Quality of management", "5.4", "Continuity of care", "People see the same carers.", "1.5"])
    response = publish(client, as_csv(rows), note="3.1 weighs 2; 5.4 added", good_from="2.60")

    assert response.status_code == 302, error_summary(response)
    framework = council_framework(world)
    version = frameworks.framework_version_current(framework)
    assert version.number == 2
    assert (version.note, version.created_by_label) == ("3.1 weighs 2; 5.4 added", str(officer_user))
    assert (version.excellent_from, version.good_from, version.requires_improvement_from) == (
        Decimal("3.50"),
        Decimal("2.60"),
        Decimal("1.50"),
    )
    standards = list(QafStandard.objects.filter(domain__version=version).select_related("domain"))
    assert len(standards) == 17
    assert [s.code for s in standards][-4:] == ["5.1", "5.2", "5.3", "5.4"]
    assert standards[-1].domain.name == "Quality of management" and standards[-1].weight == Decimal("1.5")
    assert next(s for s in standards if s.code == "3.1").weight == Decimal("2")
    assert (
        QafStandard.objects.filter(domain__version__number=1, domain__version__framework=framework).count()
        == 16
    )
    entry = AuditEntry.objects.get(action="qaf.framework_publish")
    assert entry.organisation_id == world.council.pk
    assert entry.details["number"] == 2 and entry.details["standards"] == 17

    later = services.assessment_schedule(
        acting=acting(officer_user),
        provider=world.provider_a,
        scheduled_for=timezone.localdate() + timedelta(days=7),
    )
    earlier.refresh_from_db()
    assert earlier.framework_version.number == 1
    assert later.framework_version == version

    page = client.get(PAGE)
    text = page_text(page)
    assert standards_shown(page) == 17
    assert "Continuity of care" in text and "Good from 2.60" in text
    assert 'data-testid="used-1">1<' in text and 'data-testid="used-2">1<' in text
    assert "3.1 weighs 2; 5.4 added" in text
    download = rows_of(client.get(CSV_URL).content)
    assert len(download) == 18 and download[-1][1:] == [
        "5.4",
        "Continuity of care",
        "People see the same carers.",
        "1.5",
    ]


@pytest.mark.usefixtures("adopted")
def test_headers_in_any_case_with_a_bom_and_no_weight_column(world):
    content = csv_bytes(
        "Safety,S1,Safe care,Care is safe.",
        "Staff,T1,Enough staff,",
        "safety ,S2,Safe medicines,Medicines are given safely.",
        header="DOMAIN,code,TITLE,looks_like",
        bom=True,
    )

    response = publish(client_for(world.users["quality_officer"]), content, note="Our own standards")

    assert response.status_code == 302, error_summary(response)
    version = frameworks.framework_version_current(council_framework(world))
    domains = framework_csv.version_domains(version)
    assert [d.name for d in domains] == ["Safety", "Staff"]  # first appearance; first spelling kept
    assert [[(s.code, s.weight) for s in d.standards.all()] for d in domains] == [
        [("S1", Decimal("1")), ("S2", Decimal("1"))],
        [("T1", Decimal("1"))],
    ]


@pytest.mark.usefixtures("adopted")
def test_publishing_the_same_standards_and_thresholds_again_is_refused(world):
    client = client_for(world.users["quality_officer"])
    content = client.get(CSV_URL).content

    response = publish(client, content, note="No change")

    assert response.status_code == 200
    assert any("same as version 1" in message for _, message in error_summary(response))
    assert QafFrameworkVersion.objects.filter(framework__owner=world.council).count() == 1


# --- Bad files: every problem listed, nothing stored -----------------------------------------------


@pytest.mark.usefixtures("adopted")
def test_a_bad_file_lists_every_problem_by_row_and_nothing_is_stored(world):
    client = client_for(world.users["quality_officer"])
    client.get(PAGE)
    content = csv_bytes(
        "Safety,S1,Safe care,Care is safe.,1",
        "Safety,S2,,Nothing here,1",
        "Safety,S1,Safe again,Duplicate code,1",
        "Staff,T1,Enough staff,,heavy",
    )

    response = publish(client, content, excellent_from="2.00", good_from="2.50")

    assert response.status_code == 200
    summary = [message for _, message in error_summary(response)]
    assert any(m.startswith("Row 3, column Title:") for m in summary), summary
    assert any(m.startswith("Row 4, column Code:") and "row 2" in m for m in summary), summary
    assert any(m.startswith("Row 5, column Weight:") for m in summary), summary
    assert any("Excellent must be higher than the score for Good" in m for m in summary), summary
    hrefs = [href for href, _ in error_summary(response)]
    assert "problem-1" in hrefs and "id_excellent_from" in hrefs
    text = page_text(response)
    assert "nothing was published" in text
    assert 'id="problem-3"' in text and "<code>heavy</code>" in text
    assert QafFrameworkVersion.objects.filter(framework__owner=world.council).count() == 1
    assert not AuditEntry.objects.filter(action__startswith="qaf.framework").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (csv_bytes(header="Domain,Code,Title,What good looks like"), "no standards"),
        (b"", "The file is empty"),
        (csv_bytes("Safety,S1,Safe care", header="Domain,Code,Title"), "no What good looks like column"),
        (csv_bytes("Safety,S1,Safe,Good,1", header="Domain,Code,Title,Looks like,Title"), "appears twice"),
        (
            "Domain,Code,Title,What good looks like\r\nSafé,S1,Safe,Good\r\n".encode("cp1252"),
            "not saved as UTF-8",
        ),
        (b"PK\x03\x04 pretend workbook", "Excel workbook"),
        (csv_bytes("Safety,S1,Safe care,Good,0"), "number above 0"),
        (csv_bytes("Safety,S1,Safe care,Good,1.555"), "two decimal places"),
        (csv_bytes("Safety,12345678901,Safe care,Good,1"), "10 characters or fewer"),
    ],
)
@pytest.mark.usefixtures("adopted")
def test_bad_files_are_explained(world, content, expected):
    response = publish(client_for(world.users["quality_officer"]), content)

    assert response.status_code == 200
    assert any(expected in message for _, message in error_summary(response)), error_summary(response)
    assert QafFrameworkVersion.objects.filter(framework__owner=world.council).count() == 1


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"excellent_from": "4.50"}, "4 or less"),
        ({"requires_improvement_from": "0.5"}, "1 or more"),
        ({"good_from": "1.50"}, "Requires improvement must be lower than the score for Good"),
        ({"good_from": "two"}, "as a number"),
        ({"good_from": "2.555"}, "no more than two decimal places"),
        ({"note": ""}, "Say what changed"),
    ],
)
@pytest.mark.usefixtures("adopted")
def test_thresholds_and_note_are_checked(world, fields, expected):
    response = publish(
        client_for(world.users["quality_officer"]), csv_bytes("Safety,S1,Safe care,Good,1"), **fields
    )

    assert response.status_code == 200
    assert any(expected in message for _, message in error_summary(response)), error_summary(response)
    assert QafFrameworkVersion.objects.filter(framework__owner=world.council).count() == 1


def test_the_service_checks_the_officer_and_the_thresholds(world):
    framework = council_framework(world)
    domains = [frameworks.DomainInput("Safety", [frameworks.StandardInput("S1", "Safe care")])]
    with pytest.raises(PermissionDenied):
        frameworks.framework_version_upload(
            acting=acting(world.users["commissioner"]),
            framework=framework,
            domains=domains,
            thresholds=(Decimal("3.5"), Decimal("2.5"), Decimal("1.5")),
            note="x",
        )
    other_officer = member(CouncilFactory(name="Elsewhere Council"), Role.QUALITY_OFFICER)
    with pytest.raises(PermissionDenied):
        frameworks.framework_version_upload(
            acting=acting(other_officer),
            framework=framework,
            domains=domains,
            thresholds=(Decimal("3.5"), Decimal("2.5"), Decimal("1.5")),
            note="x",
        )
    with pytest.raises(ValidationError) as error:
        frameworks.framework_version_upload(
            acting=acting(world.users["quality_officer"]),
            framework=framework,
            domains=domains,
            thresholds=(Decimal("2.5"), Decimal("2.5"), Decimal("1.5")),
            note="x",
        )
    assert "good_from" in error.value.message_dict
    assert framework.versions.count() == 1


# --- The comment window ----------------------------------------------------------------------------


@pytest.mark.usefixtures("adopted")
def test_a_quality_officer_changes_the_comment_window_and_it_is_audited(world):
    client = client_for(world.users["quality_officer"])

    response = client.post(PAGE, {"form": "settings", "comment_window_days": "21"})

    assert response.status_code == 302
    framework = council_framework(world)
    framework.refresh_from_db()
    assert framework.comment_window_days == 21
    entry = AuditEntry.objects.get(action="qaf.framework_settings")
    assert entry.details == {"comment_window_days": [14, 21]}
    assert "21 days to comment" in page_text(client.get(PAGE))

    response = client.post(PAGE, {"form": "settings", "comment_window_days": "91"})
    assert response.status_code == 200
    assert [m for _, m in error_summary(response)] == ["Enter a number of days from 1 to 90"]
    framework.refresh_from_db()
    assert framework.comment_window_days == 21


# --- Who may do what -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["commissioner", "contract_officer", "c_viewer", "c_admin", "icb_admin"])
@pytest.mark.usefixtures("adopted")
def test_commissioners_without_assess_quality_get_403_on_post(world, role):
    client = client_for(world.users[role])
    assert client.get(PAGE).status_code == 200
    assert client.get(CSV_URL).status_code == 200

    assert publish(client, csv_bytes("Safety,S1,Safe care,Good,1")).status_code == 403
    assert client.post(PAGE, {"form": "settings", "comment_window_days": "30"}).status_code == 403
    assert QafFrameworkVersion.objects.filter(number__gt=1).count() == 0
    assert not QafFramework.objects.exclude(comment_window_days=14).exists()


@pytest.mark.parametrize("role", PROVIDER_ROLES)
def test_provider_users_get_404(world, role):
    client = client_for(world.users[role])

    assert client.get(PAGE).status_code == 404
    assert client.get(CSV_URL).status_code == 404
    assert publish(client, csv_bytes("Safety,S1,Safe care,Good,1")).status_code == 404
    assert client.post(PAGE, {"form": "settings", "comment_window_days": "30"}).status_code == 404
    assert not QafFramework.objects.exists()


@pytest.mark.usefixtures("adopted")
def test_status_for_every_kind_of_person(world):
    """The statuses reported for the permission matrix (GET and an empty POST of each URL)."""
    people = {**world.users, "no_organisation": UserFactory()}
    expected = {
        # role: (GET page, POST page, GET csv, POST csv)
        **dict.fromkeys(COUNCIL_ROLES, (200, 403, 200, 405)),
        "quality_officer": (200, 200, 200, 405),
        "icb_admin": (200, 403, 200, 405),
        **dict.fromkeys(PROVIDER_ROLES, (404, 404, 404, 405)),
        "no_organisation": (403, 403, 403, 405),
    }
    found = {}
    for role, user in people.items():
        client = client_for(user)
        found[role] = tuple(
            getattr(client, method)(url).status_code
            for method, url in (("get", PAGE), ("post", PAGE), ("get", CSV_URL), ("post", CSV_URL))
        )
    anonymous = Client()
    assert anonymous.get(PAGE).status_code == 302 and anonymous.get(CSV_URL).status_code == 302
    assert anonymous.post(PAGE).status_code == 302
    assert found == expected


@pytest.mark.usefixtures("adopted")
def test_another_bodys_people_see_their_own_framework(world):
    officer = client_for(world.users["quality_officer"])
    rows = rows_of(officer.get(CSV_URL).content)
    rows.append(["Quality of management", "5.4", "Riverton-only standard", "", "1"])
    assert publish(officer, as_csv(rows), note="Riverton's own").status_code == 302

    elsewhere = CouncilFactory(name="Elsewhere Council")
    elsewhere_officer = member(elsewhere, Role.QUALITY_OFFICER)
    assert client_for(elsewhere_officer).post(PAGE, {"form": "adopt"}).status_code == 302
    for user in (world.users["icb_admin"], elsewhere_officer):
        client = client_for(user)
        response = client.get(PAGE)
        text = page_text(response)
        assert standards_shown(response) == 16
        assert "Riverton-only standard" not in text and "Riverton's own" not in text
        assert 'data-testid="version-2"' not in text
        assert b"Riverton-only standard" not in client.get(CSV_URL).content

    # The other council's officer publishes to its own framework only.
    mine = rows_of(client_for(elsewhere_officer).get(CSV_URL).content)
    mine[1][4] = "3"
    assert publish(client_for(elsewhere_officer), as_csv(mine), note="Elsewhere's own").status_code == 302
    assert frameworks.framework_version_current(council_framework(world)).note == "Riverton's own"
    assert (
        frameworks.framework_version_current(frameworks.framework_default_get_or_create(owner=elsewhere)).note
        == "Elsewhere's own"
    )


# --- Parsing, without the database ------------------------------------------------------------------


def test_domains_follow_first_appearance_and_standards_file_order():
    parsed = framework_csv.framework_csv_parse(
        csv_bytes(
            "B domain,B1,First B,,",
            "A domain,A1,First A,,2",
            "B domain,B2,Second B,,0.5",
            "",
            "A domain,A2,Second A,,1.25",
        )
    )

    assert parsed.ok, parsed.problems
    assert [(d.name, [(s.code, s.weight) for s in d.standards]) for d in parsed.domains] == [
        ("B domain", [("B1", Decimal("1")), ("B2", Decimal("0.5"))]),
        ("A domain", [("A1", Decimal("2")), ("A2", Decimal("1.25"))]),
    ]


def test_problems_are_all_found_in_one_pass():
    parsed = framework_csv.framework_csv_parse(
        csv_bytes(",S1,,,x", "Safety,S1,Fine,,1", "Safety,s1,Again,,1"), "mine.csv"
    )

    assert not parsed.ok and parsed.domains == []
    assert [(p.row, p.column) for p in parsed.problems] == [
        (2, "Domain"),
        (2, "Title"),
        (2, "Weight"),
        (3, "Code"),
        (4, "Code"),
    ]
    assert str(parsed.problems[3]).startswith("Row 3, column Code: Code S1 is also used on row 2")


def test_weight_text():
    assert [framework_csv.weight_text(Decimal(v)) for v in ("1.00", "1.50", "10.00", "0.25")] == [
        "1",
        "1.5",
        "10",
        "0.25",
    ]


def test_the_scheduled_date_does_not_matter_only_when_it_was_scheduled(world):
    """An assessment scheduled before a new version, for a date after it, keeps the older version."""
    contract(world.council, world.provider_a, reference="Q-1")
    officer_user = world.users["quality_officer"]
    booked = services.assessment_schedule(
        acting=acting(officer_user),
        provider=world.provider_a,
        scheduled_for=date.today() + timedelta(days=60),
    )
    client = client_for(officer_user)
    rows = rows_of(client.get(CSV_URL).content)
    rows[1][4] = "2"
    assert publish(client, as_csv(rows), note="1.1 weighs 2").status_code == 302

    booked.refresh_from_db()
    assert booked.framework_version.number == 1
