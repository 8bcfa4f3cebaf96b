"""Evidence files (commissioning.evidence), on the QAF pages and the notice pages: only the permitted
types are kept, by extension and by content; every file is scanned by ClamAV's daemon (the test one
knows the EICAR signature); an infected file is refused and audited; a scanner that is down refuses
the upload; without CLAMAV_URL (the embedded mode) files are kept with a warning."""

from __future__ import annotations

import io
import logging
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.access import acting_for
from accounts.models import AuditEntry
from commissioning.evidence import EVIDENCE_TYPES_TEXT, evidence_check
from commissioning.notices.models import Notice, NoticeFile, NoticeStatus
from commissioning.qaf.models import Assessment, EvidenceFile, RemedialAction
from tests.fixtures import matrix as make
from tests.fixtures.scanner import EICAR, EICAR_FOUND, UNREACHABLE
from tests.pages import error_summary

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


def package(*members: str) -> bytes:
    """A zip holding the named members (an Office package when they are the right ones)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in members:
            archive.writestr(name, "<xml/>")
    return out.getvalue()


def workbook() -> bytes:
    out = io.BytesIO()
    book = openpyxl.Workbook()
    book.active["A1"] = "Training completed"
    book.save(out)
    return out.getvalue()


DOCX = package("[Content_Types].xml", "_rels/.rels", "word/document.xml")
NOT_REAL = "its content is another kind of file"


@pytest.mark.parametrize(
    ("name", "content", "refusal"),
    [
        ("payload.exe", b"MZ", f"The file must be one of these types: {EVIDENCE_TYPES_TEXT}."),
        ("notes", b"text", "The file must be one of these types"),
        ("report.pdf", b"", "The file is empty."),
        ("report.pdf", WINDOWS_PROGRAM, f"The file is not a real PDF file: {NOT_REAL}."),
        ("photo.png", PDF, f"The file is not a real PNG file: {NOT_REAL}."),
        ("photo.jpg", b"GIF89a", f"The file is not a real JPEG file: {NOT_REAL}."),
        ("plan.docx", WINDOWS_PROGRAM, f"The file is not a real DOCX file: {NOT_REAL}."),
        ("plan.docx", package("[Content_Types].xml", "xl/workbook.xml"), "The file is not a real DOCX file"),
        ("plan.docx", b"PK\x03\x04 not really a zip", "The file is not a real DOCX file"),
        ("rota.xlsx", DOCX, "The file is not a real XLSX file"),
        (
            "plan.docx",
            package("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"),
            "The file contains macros. Save it from Word as a DOCX file without macros",
        ),
        ("log.txt", b"visits\x00\x01\x02", "The file is not a text file: it holds binary data."),
        ("log.csv", "date,carer\n01/06,Zoë\n".encode("latin-1"), "The text file must be saved as UTF-8."),
        ("log.csv", WINDOWS_PROGRAM, "The file is not a text file"),
    ],
)
def test_a_file_that_is_not_what_its_name_says_is_refused(api_world, scanner, name, content, refusal):
    assessment = Assessment.objects.get(pk=make.qaf_assessment(api_world))
    with pytest.raises(ValidationError) as refused:
        evidence_check(
            acting=acting_for(api_world.users["quality_officer"], None),
            file=ContentFile(content, name=name),
            about=assessment,
            owner=assessment.commissioner,
        )
    assert refused.value.message_dict["file"][0].startswith(refusal)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("plan.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("rota.xlsx", workbook(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "image/png"),
        ("photo.JPEG", b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg"),
        ("log.csv", "\ufeffdate,carer\n01/06,Zoë\n".encode(), "text/csv"),
        ("notes.txt", b"Visited at 09:00.\r\n\tAll well.\n", "text/plain"),
    ],
)
def test_a_permitted_file_is_checked_scanned_and_described(api_world, scanner, name, content, content_type):
    assessment = Assessment.objects.get(pk=make.qaf_assessment(api_world))
    checked = evidence_check(
        acting=acting_for(api_world.users["quality_officer"], None),
        file=ContentFile(content, name=name),
        about=assessment,
        owner=assessment.commissioner,
    )
    assert (checked.name, checked.content_type, checked.size) == (name, content_type, len(content))
    assert len(checked.sha256) == 64


# --- On the pages ------------------------------------------------------------------------------------


def signed_in(world, role: str) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def evidence_post(world, name: str, content: bytes):
    action = RemedialAction.objects.get(pk=make.qaf_action(world))
    before = EvidenceFile.objects.count()
    response = signed_in(world, "a_approver").post(
        f"/qaf/assessments/{action.assessment_id}/files/",
        {"action": action.pk, "file": SimpleUploadedFile(name, content)},
    )
    return response, action, EvidenceFile.objects.count() - before


def respond_post(world, *files: tuple[str, bytes]):
    notice = make.notice(world, "acknowledged")
    response = signed_in(world, "a_approver").post(
        f"/notices/{notice}/respond/",
        {"text": "Both returns are now sent.", "files": [SimpleUploadedFile(n, c) for n, c in files]},
    )
    return response, Notice.objects.get(pk=notice)


def test_a_program_named_as_a_pdf_is_refused_as_evidence_and_in_a_response(api_world, scanner):
    response, action, kept = evidence_post(api_world, "training.pdf", WINDOWS_PROGRAM)
    assert response.status_code == 200 and kept == 0
    [(_, message)] = error_summary(response)
    assert message.startswith(f"The file is not a real PDF file: {NOT_REAL}.")
    response, notice = respond_post(api_world, ("rota.pdf", PDF), ("minutes.pdf", WINDOWS_PROGRAM))
    assert response.status_code == 400
    assert "minutes.pdf: the file is not a real PDF file" in response.content.decode()
    assert not NoticeFile.objects.exists() and notice.status == NoticeStatus.ACKNOWLEDGED


def test_infected_evidence_is_refused_and_audited_for_the_council_and_the_provider(api_world, scanner):
    response, action, kept = evidence_post(api_world, "training-log.txt", EICAR)
    assert response.status_code == 200 and kept == 0
    [(_, message)] = error_summary(response)
    assert message == (
        f"The file contains a virus ({EICAR_FOUND}), so it was not uploaded. Check the computer it came "
        "from with up-to-date antivirus software, then upload a clean copy."
    )
    entries = AuditEntry.objects.filter(action="evidence.infected")
    assert {entry.organisation_id for entry in entries} == {api_world.council.pk, api_world.provider_a.pk}
    entry = entries.first()
    assert entry.actor == api_world.users["a_approver"]
    assert entry.object_id == str(action.assessment_id) and entry.object_type == "commissioning.Assessment"
    assert entry.details == {"file": "training-log.txt", "found": EICAR_FOUND, "sent_by_provider": True}


def test_a_virus_inside_a_pdf_is_found_too(api_world, scanner):
    response, _, kept = evidence_post(api_world, "scan.pdf", PDF + b"\n% " + EICAR + b"\n")
    assert kept == 0
    assert f"contains a virus ({EICAR_FOUND})" in error_summary(response)[0][1]


def test_an_infected_file_in_a_response_keeps_nothing_of_the_response(api_world, scanner):
    response, notice = respond_post(api_world, ("rota.pdf", PDF), ("eicar.txt", EICAR))
    assert response.status_code == 400
    assert f"eicar.txt: the file contains a virus ({EICAR_FOUND})" in response.content.decode()
    assert not NoticeFile.objects.exists() and notice.status == NoticeStatus.ACKNOWLEDGED
    entry = AuditEntry.objects.get(action="evidence.infected", organisation=api_world.council)
    assert entry.object_type == "commissioning.Notice" and entry.details["file"] == "eicar.txt"
    assert AuditEntry.objects.filter(action="evidence.infected", organisation=api_world.provider_a).exists()


def test_an_officers_infected_file_is_refused_and_audited_once(api_world, scanner):
    notice = make.notice(api_world, "draft")
    response = signed_in(api_world, "contract_officer").post(
        f"/notices/{notice}/files/", {"file": SimpleUploadedFile("call-log.csv", b"date,missed\n" + EICAR)}
    )
    assert response.status_code == 400 and not NoticeFile.objects.exists()
    assert f"contains a virus ({EICAR_FOUND})" in response.content.decode()
    [entry] = AuditEntry.objects.filter(action="evidence.infected")
    assert entry.organisation_id == api_world.council.pk  # the officer's organisation owns the notice


def test_clean_evidence_is_scanned_and_kept(api_world, scanner, caplog):
    with caplog.at_level(logging.WARNING, logger="commissioning.evidence"):
        response, action, kept = evidence_post(
            api_world, "training-log.txt", b"All 42 care workers trained.\n"
        )
        respond, notice = respond_post(api_world, ("rota.pdf", PDF), ("log.csv", b"date,visits\n"))
    assert response.status_code == 302 and kept == 1
    assert respond.status_code == 302 and notice.status == NoticeStatus.RESPONDED
    assert sorted(NoticeFile.objects.values_list("original_name", flat=True)) == ["log.csv", "rota.pdf"]
    assert "without a virus scan" not in caplog.text


@pytest.mark.parametrize("url", [UNREACHABLE, "unix:///nonexistent/clamd.sock"])
def test_when_the_scanner_is_down_uploads_are_refused(api_world, settings, url):
    settings.CLAMAV_URL = url
    response, _, kept = evidence_post(api_world, "training-log.txt", b"All trained.\n")
    assert response.status_code == 200 and kept == 0
    assert error_summary(response)[0][1] == (
        "The file cannot be checked for viruses right now, so it was not uploaded. Try again later."
    )
    response, notice = respond_post(api_world, ("rota.pdf", PDF))
    assert "rota.pdf: the file cannot be checked for viruses right now" in response.content.decode()
    assert not NoticeFile.objects.exists() and notice.status == NoticeStatus.ACKNOWLEDGED


def test_without_a_scanner_configured_files_are_kept_with_a_warning(api_world, settings, caplog):
    settings.CLAMAV_URL = None  # the embedded mode (make demo)
    with caplog.at_level(logging.WARNING, logger="commissioning.evidence"):
        response, _, kept = evidence_post(api_world, "training-log.txt", b"All trained.\n")
    assert response.status_code == 302 and kept == 1
    assert "training-log.txt was kept without a virus scan: CLAMAV_URL is not set." in caplog.text
