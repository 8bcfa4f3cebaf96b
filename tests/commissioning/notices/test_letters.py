"""Notice letters (commissioning.notices.letters, templates/pdf/notice_letter.html) and the email
to the provider's approvers, both queued by notice_issue after commit: the PDF read back as text
with pdftotext, its checksum, the task being safe to run twice, and who is emailed."""

from __future__ import annotations

import hashlib
import re
import subprocess
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.access import acting_for
from commissioning.notices import drafts, services
from commissioning.notices.drafts import NoticeInput
from commissioning.notices.letters import notice_letter_generate
from commissioning.notices.models import Notice, NoticeKind, NoticeLetter
from outcomes.models import MonthlyReturn
from outcomes.periods import LONDON
from tests.factories import contract

pytestmark = pytest.mark.django_db

CLAUSE = "Schedule 2, clause 4.3"
FACTS = "31 missed calls in October, 12 of them for people living alone."
REMEDY = "A call monitoring plan and weekly missed-call figures."


@pytest.fixture
def setup(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    deal = contract(world.council, world.provider_a, reference="NL-1", title="Homecare, North")
    officer = acting_for(world.users["contract_officer"], None)
    return world, deal, officer


def _issue(officer, deal, django_capture_on_commit_callbacks, with_evidence=True, **overrides) -> Notice:
    values = {
        "kind": NoticeKind.BREACH,
        "reason": "missed_calls",
        "clause": CLAUSE,
        "facts": FACTS,
        "remedy": REMEDY,
        "remedy_due_on": timezone.localdate() + timedelta(days=30),
        "noc_category": "",
        "complexity": "",
    } | overrides
    draft = drafts.notice_draft_create(acting=officer, contract=deal, data=NoticeInput(**values))
    if with_evidence:
        month = MonthlyReturn.objects.create(
            contract=deal, month=date(2025, 10, 1), due_at=datetime(2025, 11, 10, 23, 59, tzinfo=LONDON)
        )
        drafts.notice_evidence_link(
            acting=officer,
            notice=draft,
            app_label="outcomes",
            model="MonthlyReturn",
            object_id=month.pk,
            label="October 2025 return, received late",
            key_fields={"days late": 6},
        )
    with django_capture_on_commit_callbacks(execute=True):
        notice = services.notice_issue(acting=officer, notice=draft)
    return Notice.objects.get(pk=notice.pk)


def _text(content: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(content)
    done = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, timeout=60)
    return " ".join(done.stdout.decode("utf-8").split())


def _stored(letter: NoticeLetter) -> bytes:
    with letter.file.open("rb") as stored:
        return stored.read()


def test_issuing_a_breach_notice_makes_its_letter_and_emails_the_approvers(
    setup, django_capture_on_commit_callbacks, mailoutbox, tmp_path
):
    world, deal, officer = setup
    notice = _issue(officer, deal, django_capture_on_commit_callbacks)

    letter = NoticeLetter.objects.get(notice=notice)
    assert letter.error == ""
    assert letter.generated_at is not None
    content = _stored(letter)
    assert content.startswith(b"%PDF-")
    assert letter.sha256 == hashlib.sha256(content).hexdigest()
    assert letter.size == len(content)
    text = _text(content, tmp_path)
    due = f"{notice.remedy_due_on:%-d %B %Y}"
    for expected in (
        "Riverton City Council",
        "Acme Homecare Ltd",
        "NL-1 Homecare, North",
        "Contractual breach (default) notice",
        "Missed or late calls",
        CLAUSE,
        FACTS,
        REMEDY,
        f"The remedy is due by {due}.",
        f"Date: {timezone.localdate(notice.issued_at):%-d %B %Y}",
        f"Our reference: NL-1/N{notice.pk}",
        "October 2025 return, received late",
        "days late: 6",
        "right to reply",
        "acknowledge",
        "Page 1 of",
    ):
        assert expected in text, f"{expected!r} is not in the letter"
    pages = re.search(r"Page 1 of (\d+)", text)
    assert pages and f"Page {pages.group(1)} of {pages.group(1)}" in text

    to = sorted(address for message in mailoutbox for address in message.to)
    assert to == ["admin@acme.example", "approver@acme.example"]
    message = mailoutbox[0]
    assert "Contractual breach (default) notice" in message.subject
    assert "NL-1" in message.subject
    assert f"The remedy is due by {due}." in message.body
    assert f"Date of the notice: {timezone.localdate(notice.issued_at):%-d %B %Y}" in message.body
    assert "acknowledge it and respond to it" in message.body
    assert f"http://testserver/notices/{notice.pk}/\n" in message.body
    for address in ("viewer@acme.example", "submitter@acme.example", "admin@brookside.example"):
        assert address not in to


def test_generating_twice_does_not_regenerate(setup, django_capture_on_commit_callbacks):
    _, deal, officer = setup
    notice = _issue(officer, deal, django_capture_on_commit_callbacks, with_evidence=False)
    letter = NoticeLetter.objects.get(notice=notice)
    first = (letter.file.name, letter.sha256, letter.generated_at)

    assert notice_letter_generate(letter.pk) == "done"

    letter.refresh_from_db()
    assert (letter.file.name, letter.sha256, letter.generated_at) == first
    assert NoticeLetter.objects.filter(notice=notice).count() == 1


def test_a_failed_render_is_recorded_not_raised(setup, monkeypatch):
    _, deal, officer = setup
    draft = drafts.notice_draft_create(
        acting=officer,
        contract=deal,
        data=NoticeInput(
            kind=NoticeKind.BREACH,
            reason="missed_calls",
            clause=CLAUSE,
            facts=FACTS,
            remedy=REMEDY,
            remedy_due_on=timezone.localdate() + timedelta(days=30),
            noc_category="",
            complexity="",
        ),
    )
    notice = services.notice_issue(acting=officer, notice=draft)  # callbacks not run here
    letter = NoticeLetter.objects.get(notice=notice)

    def broken(_notice):
        raise RuntimeError("no fonts")

    monkeypatch.setattr("commissioning.notices.letters.notice_letter_render", broken)
    assert notice_letter_generate(letter.pk) == "failed"
    letter.refresh_from_db()
    assert (letter.error, letter.generated_at, letter.sha256) == ("RuntimeError: no fonts", None, "")


def test_a_notice_of_concern_letter_shows_its_complexity_and_target_closure_date(
    setup, django_capture_on_commit_callbacks, tmp_path
):
    _, deal, officer = setup
    notice = _issue(
        officer,
        deal,
        django_capture_on_commit_callbacks,
        kind=NoticeKind.NOC,
        noc_category="quality",
        complexity="medium",
        with_evidence=False,
    )
    assert notice.target_close_on is not None
    text = _text(_stored(NoticeLetter.objects.get(notice=notice)), tmp_path)
    for expected in (
        "Notice of Concern",
        "Complexity Medium",
        "Category Quality",
        f"Target closure date {notice.target_close_on:%-d %B %Y}",
        "No evidence was linked",
    ):
        assert expected in text, f"{expected!r} is not in the letter"


def test_a_letter_asked_for_before_the_outbox_is_made_by_the_sweeper(
    setup, django_capture_on_commit_callbacks
):
    """A letter left "being made" with no job (its task lost before jobs were recorded) is picked up."""
    from accounts.jobs import jobs_sweep
    from accounts.models import Job

    world, deal, officer = setup
    notice = Notice.objects.create(
        commissioner=world.council,
        contract=deal,
        provider=world.provider_a,
        kind=NoticeKind.BREACH,
        reason="missed_calls",
        clause=CLAUSE,
        facts=FACTS,
        remedy=REMEDY,
        status="issued",
        issued_at=timezone.now(),
        remedy_due_on=timezone.localdate() + timedelta(days=30),
        created_by_label="officer",
    )
    letter = NoticeLetter.objects.create(notice=notice, requested_at=timezone.now() - timedelta(hours=3))
    assert not Job.objects.filter(subject=f"notice-letter:{letter.pk}").exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_sweep().orphans == 1
    letter.refresh_from_db()
    assert letter.generated_at is not None and letter.sha256
    assert jobs_sweep().orphans == 0  # made once


def test_the_letter_is_fit_to_send(setup, settings, django_capture_on_commit_callbacks, mailoutbox, tmp_path):
    """Addressed to the provider's registered name and address, dated, with its reference, the clause
    relied on, the remedy date, real bullets, the link from SITE_URL and a signature block."""
    world, deal, officer = setup
    settings.SITE_URL = "https://homecare.riverton.example"
    provider = world.provider_a
    provider.legal_name = "Acme Homecare Limited"
    provider.address_line_1, provider.address_line_2 = "Unit 4, Mill Yard", "Canal Street"
    provider.address_town, provider.address_postcode = "Riverton", "RV1 3QT"
    provider.save()
    user = world.users["contract_officer"]
    user.full_name, user.job_title = "Tom Bradley", "Contracts and Compliance Manager"
    user.save()
    officer = acting_for(user, None)
    notice = _issue(
        officer,
        deal,
        django_capture_on_commit_callbacks,
        with_evidence=False,
        facts="Calls were missed in October:\n- 31 missed calls\n- 12 of them for people living alone",
        remedy="Send us by the date below:\n- a call monitoring plan\n- weekly missed-call figures",
    )
    assert notice.addressee == "Acme Homecare Limited\nUnit 4, Mill Yard\nCanal Street\nRiverton\nRV1 3QT"
    assert (notice.signatory, notice.signatory_job_title) == (
        "Tom Bradley",
        "Contracts and Compliance Manager",
    )

    text = _text(_stored(NoticeLetter.objects.get(notice=notice)), tmp_path)
    issued_on = f"{timezone.localdate(notice.issued_at):%-d %B %Y}"
    due = f"{notice.remedy_due_on:%-d %B %Y}"
    link = f"https://homecare.riverton.example/notices/{notice.pk}/"
    for expected in (
        "To Acme Homecare Limited Unit 4, Mill Yard Canal Street Riverton RV1 3QT",
        f"Date: {issued_on}",
        f"Our reference: NL-1/N{notice.pk}",
        f"under {CLAUSE} of contract NL-1 Homecare, North",
        f"Contract clause relied on {CLAUSE}",
        f"The remedy is due by {due}.",
        "• 31 missed calls • 12 of them for people living alone",
        "• a call monitoring plan • weekly missed-call figures",
        link,
        "Yours faithfully, Tom Bradley Contracts and Compliance Manager For and on behalf of Riverton City Council",
    ):
        assert expected in text, f"{expected!r} is not in the letter"
    for unwanted in ("- 31 missed", "- a call", "contracts@riverton.example", "<", "testserver", ":8000"):
        assert unwanted not in text, f"{unwanted!r} is in the letter"

    body = mailoutbox[0].body
    assert f"{link}\n" in body
    assert f"Date of the notice: {issued_on}" in body and f"The remedy is due by {due}." in body
    assert "• a call monitoring plan\n• weekly missed-call figures" in body
    assert "Tom Bradley, Contracts and Compliance Manager\nRiverton City Council" in body


def test_without_a_job_title_the_letter_gives_the_officers_role(
    setup, django_capture_on_commit_callbacks, tmp_path
):
    _, deal, officer = setup
    assert officer.user.job_title == ""
    notice = _issue(officer, deal, django_capture_on_commit_callbacks, with_evidence=False)
    assert notice.signatory_job_title == "Contract officer"
    text = _text(_stored(NoticeLetter.objects.get(notice=notice)), tmp_path)
    assert f"{officer.user.full_name} Contract officer For and on behalf of Riverton City Council" in text
