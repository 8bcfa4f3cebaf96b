"""The notice pages: drafting, linking evidence, issuing, the letter, the provider's acknowledgement
and response with evidence, the officer's decisions, the target-period settings, and the enforcement
stage shown wherever the contract appears. Access rules per URL are pinned in the permission matrix."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.access import acting_for
from accounts.models import AuditEntry
from commissioning.notices import drafts, services
from commissioning.notices.drafts import NoticeInput
from commissioning.notices.models import (
    Notice,
    NoticeEvent,
    NoticeFile,
    NoticeKind,
    NoticeLetter,
    NoticeSettings,
    NoticeStatus,
)
from outcomes.models import MonthlyReturn
from tests.factories import ProviderFactory, contract, member
from tests.pages import error_summary, page_text

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% evidence\n"


@pytest.fixture
def p(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"

    class Setup:
        deal = contract(world.council, world.provider_a, reference="NP-1")
        officer = acting_for(world.users["contract_officer"], None)
        approver = acting_for(world.users["a_approver"], None)

    Setup.world = world
    return Setup


def _draft(p, **overrides) -> Notice:
    values = {
        "kind": NoticeKind.BREACH,
        "reason": "returns",
        "clause": "Clause 14.2 (Information and returns)",
        "facts": "The returns for June and July were not received.",
        "remedy": "Submit both returns.",
        "remedy_due_on": timezone.localdate() + timedelta(days=20),
    }
    values.update(overrides)
    return drafts.notice_draft_create(acting=p.officer, contract=p.deal, data=NoticeInput(**values))


def _issued(p, **overrides) -> Notice:
    return services.notice_issue(acting=p.officer, notice=_draft(p, **overrides))


def _login(client, p, role):
    client.force_login(p.world.users[role])


def test_officer_drafts_from_the_contract_and_sees_what_is_missing(client, p):
    _login(client, p, "contract_officer")
    response = client.get(f"/notices/contracts/{p.deal.pk}/new/")
    assert response.status_code == 200
    response = client.post(f"/notices/contracts/{p.deal.pk}/new/", {"kind": "noc", "reason": ""})
    assert response.status_code == 400
    assert ("draft-reason", "Choose the reason category") in error_summary(response)
    response = client.post(f"/notices/contracts/{p.deal.pk}/new/", {"kind": "noc", "reason": "missed_calls"})
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/notices/{notice.pk}/"
    check = client.get(f"/notices/{notice.pk}/issue/")
    text = page_text(check)
    assert "This draft cannot be issued yet" in text
    assert "Enter the contract clause the notice relies on." in text
    assert "Choose the complexity: it sets the target closure date." in text
    assert b"Issue the notice to" not in check.content


def test_draft_form_rejects_noc_fields_on_a_breach(client, p):
    _login(client, p, "contract_officer")
    response = client.post(
        f"/notices/contracts/{p.deal.pk}/new/",
        {"kind": "breach", "reason": "returns", "noc_category": "quality", "complexity": ""},
    )
    # The form drops NoC fields for other types, so the draft is saved without them.
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert notice.noc_category == "" and notice.kind == "breach"


def test_link_evidence_upload_a_file_issue_and_the_provider_is_emailed(
    client, p, django_capture_on_commit_callbacks
):
    month = MonthlyReturn.objects.create(
        contract=p.deal, month=timezone.localdate().replace(day=1) - timedelta(days=40), due_at=timezone.now()
    )
    notice = _draft(p)
    _login(client, p, "contract_officer")
    page = client.get(f"/notices/{notice.pk}/")
    assert f"outcomes.monthlyreturn:{month.pk}" in page.content.decode()
    response = client.post(
        f"/notices/{notice.pk}/evidence/", {"source": f"outcomes.monthlyreturn:{month.pk}"}
    )
    assert response.status_code == 302
    assert notice.evidence_links.get().object_id == month.pk
    bad = client.post(f"/notices/{notice.pk}/evidence/", {"source": "outcomes.monthlyreturn:999999"})
    assert bad.status_code == 400
    assert "Choose one of the listed results, returns or assessments" in page_text(bad)
    upload = SimpleUploadedFile("call-log.pdf", PDF, content_type="application/pdf")
    assert client.post(f"/notices/{notice.pk}/files/", {"file": upload}).status_code == 302
    assert NoticeFile.objects.get().original_name == "call-log.pdf"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/notices/{notice.pk}/issue/")
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED
    assert notice.evidence_snapshot["links"][0]["object_id"] == month.pk
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [p.world.users["a_admin"].email, p.world.users["a_approver"].email]
    )
    assert f"/notices/{notice.pk}/" in mail.outbox[0].body
    letter = NoticeLetter.objects.get(notice=notice)
    assert letter.generated_at is not None
    download = client.get(f"/notices/{notice.pk}/letter.pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    # The draft controls are gone: an issued notice cannot be edited.
    page = client.get(f"/notices/{notice.pk}/")
    assert b"Edit the draft" not in page.content
    assert client.get(f"/notices/{notice.pk}/edit/").status_code == 302


def test_unlinking_evidence_from_a_draft(client, p):
    month = MonthlyReturn.objects.create(
        contract=p.deal, month=timezone.localdate().replace(day=1), due_at=timezone.now()
    )
    notice = _draft(p)
    link = drafts.notice_evidence_link(
        acting=p.officer,
        notice=notice,
        app_label="outcomes",
        model="monthlyreturn",
        object_id=month.pk,
        label="June",
    )
    _login(client, p, "contract_officer")
    assert client.post(f"/notices/{notice.pk}/evidence/", {"unlink": link.pk}).status_code == 302
    assert not notice.evidence_links.exists()


def test_provider_acknowledges_and_responds_with_evidence(client, p):
    notice = _issued(p)
    _login(client, p, "a_approver")
    page = client.get(f"/notices/{notice.pk}/")
    assert "Acknowledge receipt" in page_text(page)
    assert b"Send the response" not in page.content
    assert client.post(f"/notices/{notice.pk}/acknowledge/").status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ACKNOWLEDGED
    empty = client.post(f"/notices/{notice.pk}/respond/", {"text": ""})
    assert empty.status_code == 400
    assert "Write your response: what you have done and what you will do" in page_text(empty)
    files = [
        SimpleUploadedFile("june.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("july.pdf", PDF, content_type="application/pdf"),
    ]
    response = client.post(
        f"/notices/{notice.pk}/respond/", {"text": "Both returns are now sent.", "files": files}
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.RESPONDED
    event = NoticeEvent.objects.get(notice=notice, action="responded")
    assert sorted(event.files.values_list("original_name", flat=True)) == ["july.pdf", "june.pdf"]
    # A bad file among good ones: nothing is kept.
    bad = [
        SimpleUploadedFile("ok.pdf", PDF, content_type="application/pdf"),
        SimpleUploadedFile("virus.exe", b"MZ\x90\x00", content_type="application/octet-stream"),
    ]
    response = client.post(f"/notices/{notice.pk}/respond/", {"text": "More", "files": bad})
    assert response.status_code == 400
    assert NoticeEvent.objects.filter(notice=notice, action="responded").count() == 1
    # The provider's history starts at the issue; the officer's drafting is not shown.
    page = client.get(f"/notices/{notice.pk}/")
    assert b'data-testid="event-drafted"' not in page.content
    assert b'data-testid="event-responded"' in page.content
    # The officer reads the response and the files.
    _login(client, p, "contract_officer")
    page = client.get(f"/notices/{notice.pk}/")
    assert "Both returns are now sent." in page_text(page)
    stored = event.files.first()
    assert client.get(f"/notices/files/{stored.pk}/").status_code == 200


def test_officer_extends_then_closes(client, p):
    notice = _issued(p)
    _login(client, p, "contract_officer")
    old_due = notice.remedy_due_on
    earlier = client.post(
        f"/notices/{notice.pk}/extend/",
        {"new_due_on": str(old_due - timedelta(days=1)), "reason": "More time"},
    )
    assert earlier.status_code == 400
    assert "The new date must be after the current one" in page_text(earlier)
    ok = client.post(
        f"/notices/{notice.pk}/extend/",
        {"new_due_on": str(old_due + timedelta(days=14)), "reason": "Staff illness"},
    )
    assert ok.status_code == 302
    no_note = client.post(f"/notices/{notice.pk}/close/", {"reason": "remedied", "note": ""})
    assert no_note.status_code == 400
    assert ("close-note", "Say why the notice is closed") in error_summary(no_note)
    assert (
        client.post(
            f"/notices/{notice.pk}/close/", {"reason": "remedied", "note": "Returns received."}
        ).status_code
        == 302
    )
    notice.refresh_from_db()
    assert (notice.status, notice.closed_reason) == ("closed", "remedied")
    # A closed notice offers no decision.
    page = client.get(f"/notices/{notice.pk}/")
    assert b"Close the notice" not in page.content


def test_escalate_starts_a_draft_and_issuing_it_closes_the_first(client, p):
    notice = _issued(p)
    _login(client, p, "contract_officer")
    response = client.post(f"/notices/{notice.pk}/escalate/")
    draft = Notice.objects.get(escalated_from=notice)
    assert response["Location"] == f"/notices/{draft.pk}/edit/"
    assert draft.kind == NoticeKind.SUSPENSION and draft.status == NoticeStatus.DRAFT
    edit = client.get(f"/notices/{draft.pk}/edit/")
    assert "This draft escalates" in page_text(edit)
    client.post(
        f"/notices/{draft.pk}/edit/",
        {
            "kind": "suspension",
            "reason": "returns",
            "clause": "Clause 22 (Suspension)",
            "facts": "No returns since June.",
            "remedy": "Submit every return.",
            "remedy_due_on": str(timezone.localdate() + timedelta(days=10)),
        },
    )
    assert client.post(f"/notices/{draft.pk}/issue/").status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ESCALATED
    page = client.get(f"/notices/{notice.pk}/")
    assert f"/notices/{draft.pk}/" in page.content.decode()
    stage = client.get(f"/contracts/{p.deal.pk}/")
    assert "New placements suspended" in page_text(stage)


def test_correction_supersedes(client, p):
    notice = _issued(p)
    _login(client, p, "contract_officer")
    client.post(f"/notices/{notice.pk}/correct/")
    draft = Notice.objects.get(supersedes=notice)
    assert client.post(f"/notices/{draft.pk}/issue/").status_code == 302
    notice.refresh_from_db()
    draft.refresh_from_db()
    assert notice.status == NoticeStatus.SUPERSEDED
    assert draft.clock_start_on == notice.clock_start_on


def test_illegal_moves_say_why(client, p):
    notice = _issued(p)
    _login(client, p, "a_approver")
    client.post(f"/notices/{notice.pk}/acknowledge/")
    again = client.post(f"/notices/{notice.pk}/acknowledge/", follow=True)
    assert "so it cannot be acknowledged" in page_text(again)
    _login(client, p, "contract_officer")
    client.post(f"/notices/{notice.pk}/close/", {"reason": "withdrawn", "note": "Sent in error."})
    extend = client.post(
        f"/notices/{notice.pk}/extend/",
        {"new_due_on": str(timezone.localdate() + timedelta(days=60)), "reason": "x"},
    )
    assert extend.status_code == 400
    assert "This notice is closed, so it cannot be extended" in page_text(extend)


def test_withdraw_a_draft(client, p):
    notice = _draft(p)
    _login(client, p, "contract_officer")
    response = client.post(f"/notices/{notice.pk}/close/", {"note": "Raised on the wrong contract."})
    assert response.status_code == 302
    notice.refresh_from_db()
    assert (notice.status, notice.closed_reason) == ("closed", "withdrawn")


def test_a_missing_letter_is_made_when_an_officer_asks_never_by_reading(
    client, p, django_capture_on_commit_callbacks
):
    notice = _issued(p)
    NoticeLetter.objects.filter(notice=notice).delete()
    _login(client, p, "a_viewer")
    page = client.get(f"/notices/{notice.pk}/letter.pdf")
    assert page.status_code == 200
    assert "No letter has been made for this notice" in page_text(page)
    assert "Make the letter" not in page_text(page)  # the provider cannot ask; it is told whom to ask
    assert not NoticeLetter.objects.filter(notice=notice).exists()  # reading wrote nothing
    assert client.post(f"/notices/{notice.pk}/letter.pdf").status_code == 403
    _login(client, p, "contract_officer")
    assert "Make the letter" in page_text(client.get(f"/notices/{notice.pk}/letter.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(f"/notices/{notice.pk}/letter.pdf")
    assert made.status_code == 302
    letter = NoticeLetter.objects.get(notice=notice)
    assert letter.generated_at is not None
    _login(client, p, "a_viewer")
    assert client.get(f"/notices/{notice.pk}/letter.pdf")["Content-Type"] == "application/pdf"


def test_a_failed_letter_can_be_tried_again_by_the_officer(client, p, django_capture_on_commit_callbacks):
    notice = _issued(p)
    letter = NoticeLetter.objects.get(notice=notice)
    letter.generated_at, letter.error = None, "OSError: no space left on device"
    letter.save()
    _login(client, p, "contract_officer")
    page = page_text(client.get(f"/notices/{notice.pk}/letter.pdf"))
    assert "The letter could not be made" in page and "Try again" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/notices/{notice.pk}/letter.pdf")
    letter.refresh_from_db()
    assert letter.generated_at is not None and letter.error == ""
    assert AuditEntry.objects.filter(action="notice.letter_request").count() == 1


def test_settings_page(client, p):
    _login(client, p, "c_viewer")
    page = client.get("/notices/settings/")
    assert "20 working days" in page_text(page)
    _login(client, p, "contract_officer")
    bad = client.post(
        "/notices/settings/", {"noc_low_days": "30", "noc_medium_days": "25", "noc_high_days": "60"}
    )
    assert bad.status_code == 400
    assert "A more complex concern cannot have a shorter target than a simpler one." in page_text(bad)
    ok = client.post(
        "/notices/settings/", {"noc_low_days": "15", "noc_medium_days": "30", "noc_high_days": "45"}
    )
    assert ok.status_code == 302
    assert NoticeSettings.objects.get().noc_low_days == 15


def test_enforcement_stage_is_shown_with_the_contract(client, p):
    _issued(p, kind="noc", noc_category="quality", complexity="low")
    _login(client, p, "commissioner")
    for url in ("/contracts/", f"/contracts/{p.deal.pk}/", f"/providers/{p.world.provider_a.pk}/"):
        assert "Notice of Concern open" in page_text(client.get(url)), url
    _login(client, p, "a_viewer")
    assert "Notice of Concern open" in page_text(client.get(f"/contracts/{p.deal.pk}/"))


def test_the_check_page_names_who_is_emailed(client, p):
    notice = _draft(p)
    _login(client, p, "contract_officer")
    page = client.get(f"/notices/{notice.pk}/issue/").content.decode()
    assert "admin@acme.example" in page and "approver@acme.example" in page
    assert "posted_on-day" not in page


def test_a_provider_with_no_one_to_email_is_refused_until_the_posting_date_is_recorded(
    client, p, django_capture_on_commit_callbacks
):
    nobody = ProviderFactory(name="Harbour Support Services")
    p.deal = contract(p.world.council, nobody, reference="NP-2")
    notice = _draft(p)
    _login(client, p, "contract_officer")
    check = client.get(f"/notices/{notice.pk}/issue/")
    assert "No one at Harbour Support Services can be emailed" in page_text(check)
    assert "posted_on-day" in check.content.decode()
    refused = client.post(f"/notices/{notice.pk}/issue/")
    assert refused.status_code == 400
    ((anchor, message),) = error_summary(refused)
    assert anchor == "posted_on-day" and "has no approver with an account to email the notice to" in message
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT
    future = timezone.localdate() + timedelta(days=3)
    ahead = client.post(
        f"/notices/{notice.pk}/issue/",
        {"posted_on-day": future.day, "posted_on-month": future.month, "posted_on-year": future.year},
    )
    assert ahead.status_code == 400 and "cannot be in the future" in error_summary(ahead)[0][1]
    today = timezone.localdate()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        issued = client.post(
            f"/notices/{notice.pk}/issue/",
            {"posted_on-day": today.day, "posted_on-month": today.month, "posted_on-year": today.year},
            follow=True,
        )
    assert f"recorded as posted on {today.day} {today:%B %Y}" in page_text(issued)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED and notice.posted_on == today and mail.outbox == []
    event = notice.events.get(action="issued")
    assert event.details["posted_on"] == str(today) and event.details["emailed_to"] == []


def test_the_register_offers_raise_a_notice_to_officers_only(client, p):
    _login(client, p, "contract_officer")
    register = page_text(client.get("/notices/"))
    assert 'data-testid="raise-notice"' in register and 'href="/notices/new/"' in register
    start = client.get("/notices/new/")
    assert start.status_code == 200 and "NP-1: Homecare NP-1 (Acme Homecare Ltd)" in page_text(start)
    chosen = client.get("/notices/new/", {"contract": p.deal.pk})
    assert chosen.status_code == 302 and chosen["Location"] == f"/notices/contracts/{p.deal.pk}/new/"
    blank = client.get("/notices/new/", {"contract": ""})
    assert blank.status_code == 400
    assert error_summary(blank) == [("id_contract", "Choose the contract the notice is about")]
    for role in ("c_viewer", "a_approver"):
        client.logout()
        _login(client, p, role)
        assert "Raise a notice" not in page_text(client.get("/notices/"))


def test_a_provider_with_no_registered_address_is_refused_with_the_fix_named(
    client, p, django_capture_on_commit_callbacks
):
    """A legal letter is not issued without an address: the check page says so and links to the page
    that records it, which comes back to the check page; then the notice can be issued."""
    provider = ProviderFactory(
        name="Kestrel Home Care", address_line_1="", address_town="", address_postcode=""
    )
    member(provider, "approver", email="approver@kestrel.example")
    p.deal = contract(p.world.council, provider, reference="NP-3")
    notice = _draft(p)
    _login(client, p, "contract_officer")
    check_url = f"/notices/{notice.pk}/issue/"
    address_url = f"/providers/{provider.pk}/address/?next=%2Fnotices%2F{notice.pk}%2Fissue%2F"
    check = client.get(check_url)
    assert "No registered address recorded" in page_text(check)
    # What blocks issuing is listed before the officer tries (not as an error: nothing was sent yet).
    assert not error_summary(check)
    to_do = re.search(r'data-testid="issue-to-do">(.*?)</div>', check.content.decode(), re.S).group(1)
    assert re.findall(r'href="([^"]+)"', to_do) == ["#registered_address"]
    assert f'id="registered_address" href="{address_url}"' in page_text(check)
    assert "Issue the notice to" not in page_text(check)

    refused = client.post(check_url)
    assert refused.status_code == 400
    ((anchor, message),) = error_summary(refused)
    assert anchor == "registered_address"
    assert "Kestrel Home Care has no registered address recorded" in message
    assert "Record the provider's registered name and address" in message
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DRAFT and not NoticeLetter.objects.filter(notice=notice).exists()

    bad = client.post(
        address_url, {"address_line_1": "Kestrel Business Centre", "address_postcode": "nowhere"}
    )
    assert bad.status_code == 400
    assert {message for _, message in error_summary(bad)} == {
        "Enter the town or city of the registered address",
        "Enter a real postcode, like LS1 4AP",
    }
    provider.refresh_from_db()
    assert provider.address_line_1 == ""  # nothing half-saved
    saved = client.post(
        address_url,
        {
            "legal_name": "Kestrel Home Care Ltd",
            "address_line_1": "Kestrel Business Centre",
            "address_line_2": "Unit 11",
            "address_town": "Riverton",
            "address_postcode": "rv82kt",
            "next": f"/notices/{notice.pk}/issue/",
        },
    )
    assert saved.status_code == 302 and saved["Location"] == check_url
    provider.refresh_from_db()
    assert provider.registered_address_lines == ["Kestrel Business Centre", "Unit 11", "Riverton", "RV8 2KT"]
    entry = AuditEntry.objects.get(action="provider.registered_address")
    assert entry.details["after"]["address_postcode"] == "RV8 2KT"
    check = client.get(check_url)
    assert error_summary(check) == []
    assert "Kestrel Home Care Ltd<br>Kestrel Business Centre<br>Unit 11<br>Riverton<br>RV8 2KT" in page_text(
        check
    )
    with django_capture_on_commit_callbacks(execute=True):
        issued = client.post(check_url)
    assert issued.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ISSUED
    assert notice.addressee.splitlines()[0] == "Kestrel Home Care Ltd"
    page = page_text(client.get(f"/notices/{notice.pk}/"))
    assert "Kestrel Home Care Ltd<br>Kestrel Business Centre<br>Unit 11<br>Riverton<br>RV8 2KT" in page
    assert f"{notice.signatory}, Contract officer, Riverton City Council" in page


def test_the_check_page_shows_the_signature_and_asks_for_a_missing_job_title(client, p, settings):
    settings.SITE_URL = "https://homecare.riverton.example"
    notice = _draft(p, remedy="Send us:\n- the June return\n- the July return")
    _login(client, p, "contract_officer")
    user = p.world.users["contract_officer"]
    page = page_text(client.get(f"/notices/{notice.pk}/issue/"))
    assert (
        f"Dated the day you issue it, reference NP-1/N{notice.pk}, with a link to the notice: "
        f"https://homecare.riverton.example/notices/{notice.pk}/"
    ) in page
    assert f"{user.full_name}, Contract officer, Riverton City Council" in page
    assert "Your job title is not recorded, so the letter gives your role." in page
    assert (
        '<ul class="govuk-list govuk-list--bullet"><li>the June return</li><li>the July return</li></ul>'
        in page
    )
    back = f"/notices/{notice.pk}/issue/"
    saved = client.post("/account/job-title/", {"job_title": "  Contracts  Manager ", "next": back})
    assert saved.status_code == 302 and saved["Location"] == back
    page = page_text(client.get(back))
    assert f"{user.full_name}, Contracts Manager, Riverton City Council" in page
    assert "Your job title is not recorded" not in page
    account = page_text(client.get("/account/"))
    assert "Contracts Manager" in account
    assert AuditEntry.objects.filter(action="user.job_title").count() == 1
