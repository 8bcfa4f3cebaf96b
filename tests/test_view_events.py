"""Reading person-level data leaves one audit entry (action view.*): the validation report and the
stored file of a return, its episodes handed back to work on, the episodes behind a result, QAF
evidence, a notice's letter and files, a review pack, and the API's validation report. The entry is
the record owner's, and names the reader and the organisation they read for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from commissioning.notices.models import NoticeLetter
from outcomes.models import AttemptStatus, ReturnAttempt
from outcomes.periods import parse_period
from outcomes.results.compute import results_compute
from outcomes.results.episodes import result_episodes
from tests.factories import CouncilFactory, ProviderFactory, contract, target
from tests.fixtures import matrix as make
from tests.fixtures.api import make_token
from tests.fixtures.world import build_world, kept_for_the_module


@pytest.fixture(scope="module")
def readers(django_db_setup, django_db_blocker):
    """The matrix's world: J-1 (council and ICB, provider A prime) and a contract of another council."""
    with kept_for_the_module(django_db_blocker):
        world = build_world()
        joint = contract(world.council, world.provider_a, reference="J-1", partners=[world.icb])
        target(joint)
        other = contract(CouncilFactory(name="Elsewhere Council"), ProviderFactory(), reference="X-3")
        world.contracts = {"joint": joint, "other": other}
        yield world


def _letter(w) -> str:
    """An issued notice on J-1 whose letter has been made."""
    notice_id = make.notice(w)
    letter = NoticeLetter(notice_id=notice_id, sha256="0" * 64, size=9, generated_at=timezone.now())
    letter.file.save("letter.pdf", ContentFile(b"%PDF-1.4\n"), save=False)
    letter.save()
    return f"/notices/{notice_id}/letter.pdf"


def _result_with_episodes(w) -> str:
    """A 2025-26 Q1 result on J-1 counting May's episodes (help within 48 hours of referral)."""
    make.last_month(w)
    target(w.contracts["joint"], "HELP_48H", "90")
    result = next(
        row
        for row in results_compute(contract=w.contracts["joint"], period=parse_period("2025-26-Q1"))
        if row.target.measure == "HELP_48H"
    )
    assert result_episodes(result).rows, "the result should list episodes"
    return f"/results/{result.pk}/"


@dataclass
class Case:
    name: str
    role: str
    path: Callable[[object], str]
    action: str
    owner: str  # the attribute of the world that owns the entry
    details: dict = field(default_factory=dict)


CASES = [
    Case(
        "attempt page",
        "a_submitter",
        lambda w: f"/returns/attempts/{make.return_attempt(w)}/",
        "view.return_report",
        "provider_a",
        {"shown": "page"},
    ),
    Case(
        "attempt status panel",
        "commissioner",
        lambda w: f"/returns/attempts/{make.return_attempt(w)}/status/",
        "view.return_report",
        "provider_a",
    ),
    Case(
        "validation report CSV",
        "icb_admin",
        lambda w: f"/returns/attempts/{make.return_attempt(w)}/report.csv",
        "view.return_report",
        "provider_a",
        {"shown": "csv"},
    ),
    Case(
        "stored return file",
        "c_viewer",
        lambda w: f"/returns/attempts/{make.return_attempt(w)}/file",
        "view.return_file",
        "provider_a",
    ),
    Case(
        "last month's episodes as a workbook",
        "a_submitter",
        make.last_month,
        "view.return_episodes",
        "provider_a",
        {"month": "2025-06"},
    ),
    Case(
        "a file's episodes in the editor",
        "a_approver",
        lambda w: f"{make.month(w)}edit/?from={make.return_attempt(w)}",
        "view.return_episodes",
        "provider_a",
    ),
    Case(
        "the episodes behind a result",
        "contract_officer",
        _result_with_episodes,
        "view.result_episodes",
        "provider_a",
        {"period": "2025-26-Q1"},
    ),
    Case(
        "QAF evidence",
        "quality_officer",
        lambda w: f"/qaf/files/{make.qaf_file(w)}/",
        "view.qaf_evidence",
        "council",
    ),
    Case(
        "a notice's file",
        "a_approver",
        lambda w: f"/notices/files/{make.notice_file(w)}/",
        "view.notice_file",
        "council",
    ),
    Case("a notice's letter", "a_admin", _letter, "view.notice_letter", "council"),
    Case(
        "a review pack",
        "a_viewer",
        lambda w: f"/reviews/packs/{make.review_pack(w, issued=True)}/",
        "view.review_pack",
        "council",
        {"shown": "page"},
    ),
    Case(
        "a review pack's PDF",
        "c_viewer",
        lambda w: f"/reviews/packs/{make.review_pack(w)}/pack.pdf",
        "view.review_pack",
        "council",
        {"shown": "pdf"},
    ),
]


def _views() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action__startswith="view.").order_by("id"))


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_reading_person_level_data_leaves_one_entry(client, readers, case: Case):
    path = case.path(readers)
    reader = readers.users[case.role]
    before = {entry.pk for entry in _views()}
    client.force_login(reader)

    response = client.get(path)

    assert response.status_code == 200, f"{case.role} GET {path}: {response.status_code}"
    (entry,) = [entry for entry in _views() if entry.pk not in before]
    acting_for = reader.memberships.get().organisation_id
    assert entry.action == case.action
    assert (entry.actor, entry.actor_label) == (reader, str(reader))
    assert (entry.organisation_id, entry.actor_organisation_id) == (
        getattr(readers, case.owner).pk,
        acting_for,
    )
    assert case.details.items() <= entry.details.items()


@pytest.mark.django_db
def test_the_apis_validation_report_leaves_an_entry_naming_the_token(readers):
    attempt_id = make.return_attempt(readers)
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Bearer {make_token(readers.provider_a, ['read'], name='Care planner')}"
    )

    response = client.get(f"/api/v1/returns/{attempt_id}/validation-report/")

    assert response.status_code == 200
    (entry,) = _views()
    assert (entry.action, entry.object_id, entry.details) == (
        "view.return_report",
        str(attempt_id),
        {"shown": "api"},
    )
    assert entry.actor is None and entry.actor_label.startswith("API token 'Care planner'")
    assert entry.organisation_id == entry.actor_organisation_id == readers.provider_a.pk


@pytest.mark.django_db
def test_following_a_submission_through_the_api_records_no_view(readers):
    attempt_id = make.return_attempt(readers)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {make_token(readers.provider_a, ['read'])}")
    assert client.get(f"/api/v1/returns/{attempt_id}/").status_code == 200
    assert _views() == []


@pytest.mark.django_db
def test_an_upload_still_being_checked_shows_no_report_and_records_no_view(client, readers):
    attempt_id = make.return_attempt(readers)
    ReturnAttempt.objects.filter(pk=attempt_id).update(status=AttemptStatus.VALIDATING)
    client.force_login(readers.users["a_submitter"])
    for path in (f"/returns/attempts/{attempt_id}/", f"/returns/attempts/{attempt_id}/status/"):
        assert client.get(path).status_code == 200
    assert _views() == []


@pytest.mark.django_db
def test_a_refused_read_records_nothing(client, readers):
    client.force_login(readers.users["b_admin"])
    assert client.get(f"/returns/attempts/{make.return_attempt(readers)}/file").status_code == 404
    client.force_login(readers.users["a_submitter"])
    assert client.get(f"/returns/attempts/{make.return_attempt(readers, 'other')}/file").status_code == 404
    assert _views() == []
