"""The export of everything held about one organisation (outcomes.organisation_export and its
command): each kind of record in its own CSV file, nothing of anyone else's, no secrets."""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import AuditEntry
from outcomes.models import ExportStatus, OrganisationExport
from outcomes.organisation_export.making import exports_prune
from outcomes.returns import files as templates_files
from outcomes.returns import services
from tests.factories import contract, target
from tests.fixtures import matrix as make_matrix
from tests.fixtures.api import make_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(world):
    """Acme is prime on J-1 (joint with the ICB) with an accepted June return, and subcontractor on
    Brookside's C-2; an API token each."""
    joint = contract(world.council, world.provider_a, reference="J-1", partners=[world.icb])
    target(joint)
    services.return_import(
        contract=joint,
        period=templates_files.EXAMPLE_PERIOD,
        file_bytes=templates_files.example_csv(),
        filename="june.csv",
        accept=True,
    )
    contract(
        world.council,
        world.provider_b,
        reference="C-2",
        subcontractors=[world.provider_a],
        hourly_rate=Decimal("23.45"),
    )
    make_token(world.provider_a, ["read"])
    make_token(world.provider_b, ["read"])
    return world


def _read(path) -> dict[str, list[dict]]:
    with zipfile.ZipFile(path) as archive:
        tables = {
            name.removesuffix(".csv"): list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
            for name in archive.namelist()
            if name.endswith(".csv")
        }
        tables["manifest"] = [json.loads(archive.read("manifest.json"))]
    return tables


def test_a_providers_export_holds_its_records_and_no_one_elses(held, tmp_path):
    path = tmp_path / "acme.zip"
    out = StringIO()
    call_command("export_organisation", str(held.provider_a.pk), str(path), stdout=out)
    assert "for Acme Homecare Ltd" in out.getvalue()
    tables = _read(path)
    assert {row["email"] for row in tables["people"]} == {
        "submitter@acme.example",
        "approver@acme.example",
        "viewer@acme.example",
        "admin@acme.example",
    }
    assert "password" not in tables["people"][0] and "key_hash" not in tables["api_tokens"][0]
    assert len(tables["api_tokens"]) == 1
    assert [row["reference"] for row in tables["contracts"]] == ["J-1"]
    (subcontracted,) = tables["contracts_subcontracted"]
    assert subcontracted["reference"] == "C-2" and "hourly_rate" not in subcontracted
    assert len(tables["episodes"]) > 0 and {row["person_ref"] for row in tables["episodes"]}
    assert tables["manifest"][0]["files"]["episodes.csv"] == len(tables["episodes"])
    assert AuditEntry.objects.filter(action="organisation.exported", organisation=held.provider_a).exists()


def test_a_partner_bodys_export_holds_the_contracts_it_is_party_to(held, tmp_path):
    path = tmp_path / "icb.zip"
    call_command("export_organisation", str(held.icb.pk), str(path), stdout=StringIO())
    tables = _read(path)
    assert [row["reference"] for row in tables["contracts"]] == ["J-1"]
    assert len(tables["episodes"]) > 0


def test_the_command_refuses_an_unknown_organisation_or_an_existing_file(held, tmp_path):
    with pytest.raises(CommandError, match="no organisation with id 999999"):
        call_command("export_organisation", "999999", str(tmp_path / "x.zip"))
    existing = tmp_path / "there.zip"
    existing.write_bytes(b"")
    with pytest.raises(CommandError, match="exists already"):
        call_command("export_organisation", str(held.provider_a.pk), str(existing))


def test_an_admin_asks_for_the_export_and_downloads_it(
    held, client, django_capture_on_commit_callbacks, tmp_path
):
    client.force_login(held.users["a_admin"])
    assert "Make an export now" in client.get("/account/export/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/export/new/")
    assert response.status_code == 302
    export = OrganisationExport.objects.get(organisation=held.provider_a)
    assert export.status == ExportStatus.READY and export.rows["episodes.csv"] > 0
    page = client.get("/account/export/").content.decode()
    assert f"/account/export/{export.pk}/download/" in page
    download = client.get(f"/account/export/{export.pk}/download/")
    path = tmp_path / "download.zip"
    path.write_bytes(b"".join(download.streaming_content))
    assert [row["reference"] for row in _read(path)["contracts"]] == ["J-1"]
    assert AuditEntry.objects.filter(action="view.organisation_export", organisation=held.provider_a).exists()
    other = client.__class__()
    other.force_login(held.users["b_admin"])
    assert other.get(f"/account/export/{export.pk}/download/").status_code == 404


def test_old_exports_are_deleted_after_a_week(held, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    export = OrganisationExport.objects.get(pk=make_matrix.organisation_export(held))
    stored = export.file.path
    assert exports_prune(timezone.now() + timedelta(days=6)) == 0
    assert exports_prune(timezone.now() + timedelta(days=8)) == 1
    assert not OrganisationExport.objects.exists()
    assert not os.path.exists(stored)
