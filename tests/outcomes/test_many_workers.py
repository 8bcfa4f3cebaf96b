"""Month-end on three workers at once: the results are the ones one process computes.

Three Celery worker processes consume every queue from one Redis, against the test's PostgreSQL
database; two of them also run a beat (two beats started by mistake), sweeping every second and
handing out again work not finished within 5 seconds. Four contracts' returns are uploaded,
checked, one rejected and sent again, signed off, their results recomputed; a notice is issued
(its PDF letter and its email). On top, the same work is delivered again on purpose while it runs:
each check, recompute and letter twice more, and a sweep that hands out every job under way again.

When the queues have drained, what is stored equals what one process makes of the same data:
every stored result equals a fresh computation, each upload was checked once, each accepted return
holds its file's rows once, the letter was stored once, and every email went once to each person
it is for, no more.
"""

from __future__ import annotations

import email
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.access import acting_for
from accounts.emails import return_email_recipients
from accounts.jobs import jobs_sweep
from accounts.models import AuditEntry, Job, JobStatus, PeriodicRun, Role
from commissioning.notices import drafts
from commissioning.notices import services as notice_services
from commissioning.notices.drafts import NoticeInput
from commissioning.notices.emails import notice_recipients
from commissioning.notices.letters import notice_letter_title
from commissioning.notices.models import NoticeKind, NoticeLetter
from commissioning.notices.tasks import notice_letter_generate
from outcomes.models import AttemptStatus, ComplianceResult, EpisodeRecord, RecomputeRequest, ReturnAttempt
from outcomes.results.tasks import compliance_recompute
from outcomes.returns.services import return_sign_off, return_submit
from outcomes.returns.tasks import return_validate
from tests.factories import contract, member, target
from tests.fixtures.worker import QUEUES, wait_for
from tests.outcomes.results.invariant import assert_stored_equals_fresh
from tests.outcomes.return_files import ERROR_EPISODE, PERIOD, VALID_EPISODES, episode, episodes_csv

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

REQUEUE_AFTER_SECONDS = 5  # the sweeper hands out again work not finished in this time
DRAINS_WITHIN = 60.0
MONTH = "May 2025"


def _episodes(number: int) -> bytes:
    """Contract ``number``'s May return: the three usual episodes and ``number`` more."""
    extra = [episode(f"EP-{number}-{n}", person_ref=f"P-{number}-{n}") for n in range(number)]
    return episodes_csv(*VALID_EPISODES, *extra)


def _drained(broker_url: str) -> bool:
    """No job open or failed, no recompute waiting, nothing queued or handed to a worker."""
    if Job.objects.exclude(status=JobStatus.DONE).exists() or RecomputeRequest.objects.exists():
        return False
    client = redis.Redis.from_url(broker_url)
    return sum(client.llen(queue) for queue in QUEUES) == 0 and client.hlen("unacked") == 0


def _emails_sent(folder: Path) -> Counter:
    """(to, subject) of every email the workers sent (the file backend: one file per connection)."""
    sent: Counter = Counter()
    for path in folder.glob("*.log"):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                message = email.message_from_string(chunk.strip())
                sent[(message["To"], " ".join(message["Subject"].split()))] += 1
    return sent


def test_month_end_on_three_workers_stores_what_one_process_computes(world, breakage, settings, media_root):
    settings.JOBS_REQUEUE_AFTER_SECONDS = REQUEUE_AFTER_SECONDS
    settings.JOBS_MAX_TRIES = 20  # handed out again every 5 s while it runs: never failed for that
    settings.COMPLIANCE_COALESCE_SECONDS = 1
    mail_folder = breakage.folder / "mail"
    mail_folder.mkdir()
    environment = {
        "EMAIL_URL": f"filemail:///{mail_folder}",
        "JOBS_REQUEUE_AFTER_SECONDS": str(REQUEUE_AFTER_SECONDS),
    }
    workers = [
        breakage.worker(name=f"worker{n}", beat=n < 2, environment=environment) for n in range(3)
    ]  # two beats, by mistake; every worker consumes every queue

    # --- The month-end burst ------------------------------------------------------------------
    b_submitter = member(world.provider_b, Role.SUBMITTER, email="submitter@brookside.example")
    people = {
        world.provider_a.pk: (world.users["a_submitter"], world.users["a_approver"]),
        world.provider_b.pk: (b_submitter, world.users["b_admin"]),
    }
    deals = []
    for number, provider in enumerate(
        [world.provider_a, world.provider_a, world.provider_b, world.provider_b]
    ):
        deal = contract(world.council, provider, reference=f"MW-{number}", return_due_day=10)
        target(deal, "HOSPITAL_ADMISSION", "5")
        target(deal)
        deals.append(deal)

    def submit(deal, content: bytes) -> ReturnAttempt:
        submitter = people[deal.provider_id][0]
        return return_submit(
            acting=acting_for(submitter, None), contract=deal, period=PERIOD, file_bytes=content,
            filename=f"{deal.reference}.csv",
        )  # fmt: skip

    rejected = submit(deals[1], episodes_csv(*VALID_EPISODES, ERROR_EPISODE))
    attempts = {deal.pk: submit(deal, _episodes(number)) for number, deal in enumerate(deals)}
    every_attempt = [rejected, *attempts.values()]
    for attempt in every_attempt:  # each check delivered twice more, as after a worker's death
        return_validate.delay(attempt.pk)
        return_validate.delay(attempt.pk)
    checked = wait_for(
        lambda: (
            not ReturnAttempt.objects.filter(
                status__in=(AttemptStatus.RECEIVED, AttemptStatus.VALIDATING)
            ).exists()
        ),
        DRAINS_WITHIN,
    )
    assert checked, workers[0].output()[-3000:]
    assert ReturnAttempt.objects.get(pk=rejected.pk).status == AttemptStatus.REJECTED
    for deal in deals:
        attempt = ReturnAttempt.objects.get(pk=attempts[deal.pk].pk)
        assert attempt.status == AttemptStatus.VALID, attempt.errors
        approver = people[deal.provider_id][1]
        return_sign_off(
            acting=acting_for(approver, None), attempt=attempt, declaration=True, acknowledged_warnings=True
        )
        compliance_recompute.delay(deal.pk)  # two recomputes of one contract at once, and a third
        compliance_recompute.delay(deal.pk, [PERIOD])
    officer = acting_for(world.users["contract_officer"], None)
    draft = drafts.notice_draft_create(
        acting=officer,
        contract=deals[0],
        data=NoticeInput(
            kind=NoticeKind.NOC, reason="missed_calls", clause="Schedule 2, clause 4.3",
            facts="Missed calls in May.", remedy="A call monitoring plan.",
            remedy_due_on=timezone.localdate() + timedelta(days=30), noc_category="contractual",
            complexity="low",
        ),
    )  # fmt: skip
    notice = notice_services.notice_issue(acting=officer, notice=draft)
    letter = NoticeLetter.objects.get(notice=notice)
    notice_letter_generate.delay(letter.pk)
    notice_letter_generate.delay(letter.pk)
    # A sweep that finds every job under way late hands each out again, while it runs.
    jobs_sweep(timezone.now() + timedelta(minutes=15))

    drained = wait_for(lambda: _drained(breakage.redis.url), DRAINS_WITHIN)
    logs = "\n".join(worker.output() for worker in workers)
    assert drained, [(job.label, job.status, job.last_error) for job in Job.objects.exclude(status="done")]

    # --- What is stored equals one process's computation ----------------------------------------
    for deal in deals:
        stored, fresh = assert_stored_equals_fresh(deal)
        assert stored and {period for _, period in stored} >= {"2025-26-Q1", "2025-26-YTD-05"}
        # Recomputed several times at once, each result was stored once: no superseded rows.
        assert ComplianceResult.objects.filter(contract=deal).count() == len(stored)
    for number, deal in enumerate(deals):
        attempt = ReturnAttempt.objects.get(pk=attempts[deal.pk].pk)
        assert attempt.status == AttemptStatus.ACCEPTED and attempt.episode_count == 3 + number
        assert EpisodeRecord.objects.filter(attempt=attempt).count() == 3 + number
        assert sorted(attempt.emails_sent) == ["accepted", "awaiting_sign_off"]
    assert EpisodeRecord.objects.count() == sum(3 + number for number in range(len(deals)))
    for attempt in every_attempt:  # checked once, however often it was delivered
        assert AuditEntry.objects.filter(action="return.validate", object_id=str(attempt.pk)).count() == 1
    letter.refresh_from_db()
    assert letter.generated_at is not None and letter.error == "" and letter.file.size == letter.size
    assert [path.name for path in Path(letter.file.path).parent.iterdir()] == [Path(letter.file.name).name]
    assert not Job.objects.filter(status=JobStatus.FAILED).exists()

    # --- Every email once to each person it is for --------------------------------------------
    expected: Counter = Counter()

    def expect(event: str, attempt: ReturnAttempt, subject: str) -> None:
        deal = attempt.monthly_return.contract
        roles = [Role.APPROVER]
        users = [attempt.submitted_by_id] if event != "awaiting_sign_off" else []
        for address in return_email_recipients(deal.provider_id, roles, users=users):
            expected[(address, f"{subject}: the {MONTH} return for {deal.reference}")] += 1

    expect("rejected", rejected, "Rejected")
    for attempt in attempts.values():
        expect("awaiting_sign_off", attempt, "To sign off")
        expect("accepted", attempt, "Accepted")
    context = {"notice": notice, "title": notice_letter_title(notice)}
    subject = " ".join(render_to_string("emails/notice_issued_subject.txt", context).split())
    for address in notice_recipients(notice):
        expected[(address, subject)] += 1
    assert _emails_sent(mail_folder) == expected

    # --- Two beats, one run of each scheduled time -----------------------------------------------
    assert PeriodicRun.objects.filter(task="accounts.tasks.jobs_sweep").exists()
    assert "accounts.tasks.jobs_sweep already ran for this time" in logs or (
        "accounts.tasks.jobs_sweep is already running on another worker" in logs
    )
