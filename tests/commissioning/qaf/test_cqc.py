"""CQC ratings (commissioning.qaf.cqc and its pages): recording one by hand, importing a CSV file
all-or-nothing, which rating is current, and who may do it (commissioning bodies' quality officers
and commissioners; provider organisations get 404, other roles 403)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.access import acting_for
from accounts.models import AuditEntry
from commissioning.qaf import cqc
from providers.models import CqcRating, CqcRatingRecord, Provider
from tests.factories import CouncilFactory, ProviderFactory, contract
from tests.pages import error_summary, page_text

pytestmark = pytest.mark.django_db

IMPORT_URL = "/qaf/cqc/import/"


def _acting(user):
    found = acting_for(user, None)
    assert found is not None
    return found


@pytest.fixture
def setup(world):
    """The council leads contracts with Acme (provider A) and Carewell; Brookside (provider B) is
    contracted only by another council."""
    world.carewell = ProviderFactory(name="Carewell at Home", cqc_location_id="1-000000003")
    Provider.objects.filter(pk=world.provider_a.pk).update(
        cqc_location_id="1-000000001", cqc_rating=CqcRating.GOOD, cqc_rating_date=date(2023, 5, 1)
    )
    Provider.objects.filter(pk=world.provider_b.pk).update(cqc_location_id="1-000000002")
    world.provider_a.refresh_from_db()
    world.provider_b.refresh_from_db()
    contract(world.council, world.provider_a, reference="C-1", partners=[world.icb])
    contract(world.council, world.carewell, reference="C-3")
    contract(CouncilFactory(name="Elsewhere Council"), world.provider_b, reference="X-1")
    return world


def _csv(
    *rows: str, header: str = "Location ID,Location name,Rating,Rating date", bom: bool = False
) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


def _upload(client, content: bytes, name: str = "ratings.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content, content_type="text/csv")})


def _nothing_stored(world) -> None:
    assert CqcRatingRecord.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="cqc.").exists()
    world.provider_a.refresh_from_db()
    assert (world.provider_a.cqc_rating, world.provider_a.cqc_rating_date) == (
        CqcRating.GOOD,
        date(2023, 5, 1),
    )


# --- Recording by hand ---------------------------------------------------------------------------


def test_a_quality_officer_records_a_newer_rating_and_it_becomes_current(setup):
    officer = _acting(setup.users["quality_officer"])

    done = cqc.cqc_rating_record(
        acting=officer,
        provider=setup.provider_a,
        rating=CqcRating.REQUIRES_IMPROVEMENT,
        rating_date=date(2025, 3, 14),
        location_name="Acme Homecare, Riverton",
    )

    assert done.became_current
    setup.provider_a.refresh_from_db()
    assert setup.provider_a.cqc_rating == CqcRating.REQUIRES_IMPROVEMENT
    assert setup.provider_a.cqc_rating_date == date(2025, 3, 14)
    record = CqcRatingRecord.objects.get()
    assert (record.location_id, record.source) == ("1-000000001", CqcRatingRecord.Source.MANUAL)
    entry = AuditEntry.objects.get(action="cqc.record")
    assert entry.organisation_id == setup.council.pk
    assert entry.details["previous"] == "Good (1 May 2023)"
    assert entry.details["became_current"] is True


def test_an_older_rating_joins_the_history_without_changing_the_current_one(setup):
    commissioner = _acting(setup.users["commissioner"])

    done = cqc.cqc_rating_record(
        acting=commissioner,
        provider=setup.provider_a,
        rating=CqcRating.INADEQUATE,
        rating_date=date(2021, 1, 5),
    )

    assert not done.became_current
    setup.provider_a.refresh_from_db()
    assert (setup.provider_a.cqc_rating, setup.provider_a.cqc_rating_date) == (
        CqcRating.GOOD,
        date(2023, 5, 1),
    )
    assert CqcRatingRecord.objects.count() == 1
    assert [r.rating for r in cqc.cqc_history(setup.provider_a)] == [CqcRating.INADEQUATE]


def test_a_later_record_of_the_same_date_corrects_the_current_rating(setup):
    officer = _acting(setup.users["quality_officer"])
    for rating in (CqcRating.INADEQUATE, CqcRating.REQUIRES_IMPROVEMENT):
        cqc.cqc_rating_record(
            acting=officer, provider=setup.carewell, rating=rating, rating_date=date(2025, 1, 10)
        )

    setup.carewell.refresh_from_db()
    assert setup.carewell.cqc_rating == CqcRating.REQUIRES_IMPROVEMENT
    assert CqcRatingRecord.objects.filter(provider=setup.carewell).count() == 2


def test_not_yet_inspected_needs_no_date_but_other_ratings_do(setup):
    officer = _acting(setup.users["quality_officer"])
    Provider.objects.filter(pk=setup.carewell.pk).update(cqc_rating_date=None)
    setup.carewell.refresh_from_db()

    done = cqc.cqc_rating_record(
        acting=officer, provider=setup.carewell, rating=CqcRating.NOT_YET_INSPECTED, rating_date=None
    )
    assert done.became_current
    setup.carewell.refresh_from_db()
    assert setup.carewell.cqc_rating == CqcRating.NOT_YET_INSPECTED

    with pytest.raises(ValidationError) as error:
        cqc.cqc_rating_record(
            acting=officer, provider=setup.carewell, rating=CqcRating.GOOD, rating_date=None
        )
    assert "rating_date" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        cqc.cqc_rating_record(
            acting=officer,
            provider=setup.carewell,
            rating=CqcRating.GOOD,
            rating_date=timezone.localdate() + timedelta(days=1),
        )
    assert error.value.message_dict["rating_date"] == ["The rating date cannot be in the future"]
    with pytest.raises(ValidationError):
        cqc.cqc_rating_record(acting=officer, provider=setup.carewell, rating="brilliant", rating_date=None)


def test_only_quality_officers_and_commissioners_of_the_lead_body_record(setup):
    for role in ("contract_officer", "c_viewer"):
        with pytest.raises(PermissionDenied):
            cqc.cqc_rating_record(
                acting=_acting(setup.users[role]),
                provider=setup.provider_a,
                rating=CqcRating.GOOD,
                rating_date=date(2025, 1, 1),
            )
    with pytest.raises(PermissionDenied):  # the council does not contract provider B
        cqc.cqc_rating_record(
            acting=_acting(setup.users["quality_officer"]),
            provider=setup.provider_b,
            rating=CqcRating.GOOD,
            rating_date=date(2025, 1, 1),
        )
    with pytest.raises(PermissionDenied):  # the ICB is only a partner on provider A's contract
        cqc.cqc_rating_record(
            acting=_acting(setup.users["icb_admin"]),
            provider=setup.provider_a,
            rating=CqcRating.GOOD,
            rating_date=date(2025, 1, 1),
        )
    with pytest.raises(PermissionDenied):
        cqc.cqc_rating_record(
            acting=_acting(setup.users["a_admin"]),
            provider=setup.provider_a,
            rating=CqcRating.GOOD,
            rating_date=date(2025, 1, 1),
        )
    assert CqcRatingRecord.objects.count() == 0


def test_the_record_form_posts_and_returns_to_the_provider_page(setup, sign_in):
    client = sign_in(setup.users["quality_officer"])
    url = reverse("qaf:cqc-record", args=[setup.provider_a.pk])
    back = reverse("qaf:provider", args=[setup.provider_a.pk])

    assert client.get(url).url == back
    response = client.post(url, {"rating": "requires_improvement", "rating_date": "14/03/2025"})

    assert response.status_code == 302 and response.url == back
    setup.provider_a.refresh_from_db()
    assert (setup.provider_a.cqc_rating, setup.provider_a.cqc_rating_date) == (
        CqcRating.REQUIRES_IMPROVEMENT,
        date(2025, 3, 14),
    )
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown == [
        "CQC rating recorded for Acme Homecare Ltd: Requires improvement (14 March 2025). It is now the current rating."
    ]


def test_a_bad_record_form_says_what_to_fix_and_stores_nothing(setup, sign_in):
    client = sign_in(setup.users["commissioner"])
    url = reverse("qaf:cqc-record", args=[setup.provider_a.pk])

    response = client.post(url, {"rating": "good", "rating_date": "", "location_id": "12345"})

    assert response.status_code == 302
    assert response.url == reverse("qaf:provider", args=[setup.provider_a.pk])
    [shown] = [str(m) for m in get_messages(response.wsgi_request)]
    assert shown.startswith("The CQC rating was not recorded.")
    assert "Enter the date of the rating" in shown
    assert "Enter a CQC location ID like 1-000000001" in shown
    _nothing_stored(setup)


@pytest.mark.parametrize(
    ("role", "provider", "status"),
    [
        ("a_admin", "provider_a", 404),
        ("a_approver", "provider_a", 404),
        ("b_admin", "provider_b", 404),
        ("icb_admin", "provider_a", 404),  # a partner, not the lead commissioner
        ("quality_officer", "provider_b", 404),  # another council's provider
        ("c_viewer", "provider_a", 403),
        ("contract_officer", "provider_a", 403),
        ("c_admin", "provider_a", 302),
    ],
)
def test_who_may_post_a_rating(setup, sign_in, role, provider, status):
    client = sign_in(setup.users[role])
    url = reverse("qaf:cqc-record", args=[getattr(setup, provider).pk])

    response = client.post(url, {"rating": "outstanding", "rating_date": "2025-02-01"})

    assert response.status_code == status
    assert CqcRatingRecord.objects.count() == (1 if status == 302 else 0)


# --- Importing -----------------------------------------------------------------------------------


def test_an_import_adds_ratings_and_reports_what_changed(setup, sign_in):
    client = sign_in(setup.users["quality_officer"])
    content = _csv(
        "1-000000001,Acme Homecare Ltd,Requires improvement,2025-03-14",
        "1-000000003,Carewell at Home,Good,02/11/2024",
        "1-000000001,Acme Homecare Ltd,Good,2022-06-30",
        bom=True,
    )

    response = _upload(client, content)

    assert response.status_code == 200
    text = page_text(response)
    assert "3 ratings added" in text
    assert error_summary(response) == []
    setup.provider_a.refresh_from_db()
    setup.carewell.refresh_from_db()
    assert (setup.provider_a.cqc_rating, setup.provider_a.cqc_rating_date) == (
        CqcRating.REQUIRES_IMPROVEMENT,
        date(2025, 3, 14),
    )
    assert (setup.carewell.cqc_rating, setup.carewell.cqc_rating_date) == (CqcRating.GOOD, date(2024, 11, 2))
    assert CqcRatingRecord.objects.filter(source=CqcRatingRecord.Source.IMPORT).count() == 3
    # Acme's rating changed (Good → Requires improvement); Carewell's was Good already (date added).
    assert "Providers whose current CQC rating changed" in text
    assert "Good (1 May 2023)" in text and "Requires improvement (14 March 2025)" in text
    entry = AuditEntry.objects.get(action="cqc.import")
    assert entry.organisation_id == setup.council.pk
    assert entry.details["added"] == 3
    assert entry.details["changed"] == {
        "Acme Homecare Ltd": ["Good (1 May 2023)", "Requires improvement (14 March 2025)"]
    }


def test_importing_the_same_file_again_adds_nothing(setup):
    officer = _acting(setup.users["quality_officer"])
    content = _csv("1-000000001,Acme,Outstanding,2025-01-20")
    first = cqc.cqc_ratings_import(acting=officer, file_bytes=content, filename="a.csv")
    again = cqc.cqc_ratings_import(acting=officer, file_bytes=content, filename="a.csv")

    assert (first.added, len(first.changed)) == (1, 1)
    assert (again.added, again.already_recorded, again.changed) == (0, 1, [])
    assert CqcRatingRecord.objects.count() == 1


def test_other_header_spellings_and_not_inspected_are_accepted(setup):
    officer = _acting(setup.users["commissioner"])
    content = _csv(
        "1-000000003,Carewell,not inspected,",
        "1-000000001,Acme, OUTSTANDING ,5/1/2025",
        header="location_id,name,rating,date",
    )

    summary = cqc.cqc_ratings_import(acting=officer, file_bytes=content, filename="export.CSV")

    assert summary.ok, summary.problems
    assert summary.added == 2
    setup.provider_a.refresh_from_db()
    assert (setup.provider_a.cqc_rating, setup.provider_a.cqc_rating_date) == (
        CqcRating.OUTSTANDING,
        date(2025, 1, 5),
    )
    record = CqcRatingRecord.objects.get(provider=setup.carewell)
    assert (record.rating, record.rating_date) == (CqcRating.NOT_YET_INSPECTED, None)


def test_one_bad_row_and_nothing_is_stored(setup, sign_in):
    client = sign_in(setup.users["quality_officer"])
    content = _csv(
        "1-000000001,Acme Homecare Ltd,Requires improvement,2025-03-14",
        "1-000000003,Carewell at Home,Very good,2024-11-02",
        "1-000000003,Carewell at Home,Good,31/02/2024",
    )

    response = _upload(client, content)

    assert response.status_code == 200
    assert error_summary(response) == [
        (
            "problem-1",
            "Row 3, column Rating: Enter the rating as Outstanding, Good, Requires improvement, "
            "Inadequate or Not yet inspected.",
        ),
        (
            "problem-2",
            "Row 4, column Rating date: Enter the rating date as a real date, like 2024-11-02 or 02/11/2024.",
        ),
    ]
    assert "nothing was imported" in page_text(response)
    _nothing_stored(setup)


def test_an_unknown_location_id_is_an_error(setup):
    officer = _acting(setup.users["quality_officer"])
    content = _csv("1-000000001,Acme,Good,2025-01-20", "1-999999999,Nobody,Good,2025-01-20")

    summary = cqc.cqc_ratings_import(acting=officer, file_bytes=content, filename="r.csv")

    assert not summary.ok
    [problem] = summary.problems
    assert (problem.row, problem.column, problem.value) == (3, "Location ID", "1-999999999")
    assert "No provider your organisation contracts has this CQC location ID" in problem.message
    _nothing_stored(setup)


def test_another_bodys_provider_cannot_be_imported(setup):
    officer = _acting(setup.users["quality_officer"])
    content = _csv("1-000000002,Brookside Care Services,Inadequate,2025-01-20")

    summary = cqc.cqc_ratings_import(acting=officer, file_bytes=content, filename="r.csv")

    [problem] = summary.problems
    assert (problem.row, problem.column) == (2, "Location ID")
    setup.provider_b.refresh_from_db()
    assert setup.provider_b.cqc_rating == CqcRating.GOOD
    assert CqcRatingRecord.objects.count() == 0


def test_a_partner_body_cannot_import_its_partners_providers(setup):
    icb = _acting(setup.users["icb_admin"])

    summary = cqc.cqc_ratings_import(
        acting=icb, file_bytes=_csv("1-000000001,Acme,Inadequate,2025-01-20"), filename="r.csv"
    )

    assert [(p.row, p.column) for p in summary.problems] == [(2, "Location ID")]
    _nothing_stored(setup)


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"", "r.csv", "The file is empty"),
        (b"Location ID,Rating\r\n1-000000001,Good\r\n", "r.csv", "The first row has no 'Rating date' column"),
        (
            "Location ID,Rating,Date\r\n1-000000001,Bon,2025-01-01\r\n".encode("utf-16"),
            "r.csv",
            "not saved as UTF-8",
        ),
        (b"Location ID,Rating,Date\r\n", "r.csv", "no ratings"),
        (b"PK\x03\x04", "ratings.xlsx", "must be a CSV file"),
        (
            b"Location ID,Rating,Date\r\n1-000000001,Good,2025-01-01\r\n1-000000001,Inadequate,2025-01-01\r\n",
            "r.csv",
            "Row 2 gives this location a different rating on the same date",
        ),
        (b"Location ID,Rating,Date\r\n1-000000001,Good,\r\n", "r.csv", "Enter the date of the rating"),
        (b"Location ID,Rating,Date\r\n,Good,2025-01-01\r\n", "r.csv", "Enter the CQC location ID"),
    ],
)
def test_file_problems_say_what_to_fix(setup, content, filename, expected):
    summary = cqc.cqc_ratings_import(
        acting=_acting(setup.users["quality_officer"]), file_bytes=content, filename=filename
    )

    assert not summary.ok
    assert any(expected in problem.message for problem in summary.problems), summary.problems
    _nothing_stored(setup)


def test_the_import_page_explains_the_file(setup, sign_in):
    response = sign_in(setup.users["quality_officer"]).get(IMPORT_URL)

    assert response.status_code == 200
    text = page_text(response)
    assert "Import CQC ratings" in text
    assert "Location ID,Location name,Rating,Rating date" in text
    assert "02/11/2024" in text
    assert "all or nothing" in text


def test_uploading_without_a_file_shows_the_error_summary(setup, sign_in):
    response = sign_in(setup.users["commissioner"]).post(IMPORT_URL, {})

    assert response.status_code == 200
    assert error_summary(response) == [("id_file", "Choose a CSV file to upload")]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("a_admin", 404),
        ("a_approver", 404),
        ("a_viewer", 404),
        ("b_admin", 404),
        ("c_viewer", 403),
        ("contract_officer", 403),
        ("quality_officer", 200),
        ("commissioner", 200),
        ("c_admin", 200),
        ("icb_admin", 200),
    ],
)
def test_who_may_import(setup, sign_in, role, status):
    client = sign_in(setup.users[role])

    assert client.get(IMPORT_URL).status_code == status
    response = _upload(client, _csv("1-000000001,Acme,Inadequate,2025-01-20"))
    assert response.status_code == status
    if status != 200:
        assert CqcRatingRecord.objects.count() == 0


# --- The management command ----------------------------------------------------------------------


def test_the_command_imports_as_a_named_person(setup, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    path = tmp_path / "ratings.csv"
    path.write_bytes(_csv("1-000000001,Acme,Inadequate,2025-01-20", bom=True))
    out = StringIO()

    call_command("import_cqc_ratings", str(path), "--as", "quality@riverton.example", stdout=out)

    assert "1 rating(s) added" in out.getvalue()
    assert "Acme Homecare Ltd: Good (1 May 2023) -> Inadequate (20 January 2025)" in out.getvalue()
    setup.provider_a.refresh_from_db()
    assert setup.provider_a.cqc_rating == CqcRating.INADEQUATE


def test_the_command_stores_nothing_when_a_row_is_bad(setup, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    path = tmp_path / "ratings.csv"
    path.write_bytes(_csv("1-000000001,Acme,Inadequate,2025-01-20", "1-000000003,Carewell,Great,2025-01-20"))
    err = StringIO()

    with pytest.raises(CommandError):
        call_command("import_cqc_ratings", str(path), "--as", "quality@riverton.example", stderr=err)

    assert "row 3, column Rating: Enter the rating as" in err.getvalue()
    _nothing_stored(setup)
    with pytest.raises(CommandError, match="does not let you record CQC ratings"):
        call_command("import_cqc_ratings", str(path), "--as", "viewer@riverton.example")


def test_a_rating_changed_by_one_body_is_told_to_the_others(world, client):
    """One current rating for every body: the ICB (a partner on a council contract, and lead of its
    own) records a new rating; the council's audit log says who changed it, from what, to what, and
    the provider page lists who recorded each rating."""
    contract(world.council, world.provider_a, reference="J-1", partners=[world.icb])
    contract(world.icb, world.provider_a, reference="ICB-1")
    icb = _acting(world.users["icb_admin"])
    cqc.cqc_rating_record(
        acting=icb, provider=world.provider_a, rating=CqcRating.GOOD, rating_date=date(2026, 3, 3)
    )
    (told,) = AuditEntry.objects.filter(action="cqc.changed_by_another_body")
    assert told.organisation_id == world.council.pk
    assert told.details["recorded_by"] == "Riverton ICB" and told.details["now"].startswith("Good")
    record = CqcRatingRecord.objects.get(provider=world.provider_a)
    assert record.recorded_by_organisation_id == world.icb.pk
    client.force_login(world.users["commissioner"])
    page = client.get(f"/providers/{world.provider_a.pk}/").content.decode()
    assert 'data-testid="cqc-history"' in page and "Riverton ICB" in page
