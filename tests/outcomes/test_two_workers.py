"""What two workers doing the same work at once must not break, shown step by step in one process:
a recompute cut short keeps its request for the next try, a document rendered twice at once is
stored once, by the first to finish, and a check delivered again during a sign-off never waits on
it."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.access import acting_for
from commissioning.notices import drafts
from commissioning.notices import services as notice_services
from commissioning.notices.drafts import NoticeInput
from commissioning.notices.models import NoticeKind, NoticeLetter
from commissioning.pdf import pdf_store
from outcomes.models import AttemptStatus, ComplianceResult, RecomputeRequest
from outcomes.results import compute
from outcomes.results.compute import results_recompute
from outcomes.results.requests import recompute_deferred
from outcomes.returns.services import return_import, return_submit
from outcomes.returns.validation import attempt_validate
from tests.factories import contract, target
from tests.outcomes.results.invariant import assert_stored_equals_fresh
from tests.outcomes.return_files import PERIOD, VALID_EPISODES, episodes_csv

pytestmark = pytest.mark.django_db


def test_a_recompute_cut_short_leaves_its_request_for_the_next_try(returns, monkeypatch):
    """A worker that dies after taking a contract's recompute request, before storing the results,
    must not take the request with it: the redelivered task finds it and does the work."""
    target(returns.contract, "HOSPITAL_ADMISSION", "5")
    with recompute_deferred():  # the acceptance records what to recompute, and nothing runs yet
        return_import(
            contract=returns.contract, period=PERIOD, file_bytes=episodes_csv(*VALID_EPISODES),
            filename="may.csv", accept=True,
        )  # fmt: skip
    RecomputeRequest.objects.filter(contract=returns.contract).update(months=[PERIOD])

    def worker_dies(**kwargs):
        raise SystemExit("the worker was killed")

    monkeypatch.setattr(compute, "results_compute_periods", worker_dies)
    with pytest.raises(SystemExit):
        results_recompute(contract_id=returns.contract.pk)
    monkeypatch.undo()
    assert RecomputeRequest.objects.filter(contract=returns.contract).exists()
    assert not ComplianceResult.objects.filter(contract=returns.contract).exists()
    assert results_recompute(contract_id=returns.contract.pk)  # the next try: the request's months
    assert not RecomputeRequest.objects.exists()
    assert_stored_equals_fresh(returns.contract)
    assert results_recompute(contract_id=returns.contract.pk) == []  # a second delivery: nothing to do


def test_a_document_rendered_twice_at_once_is_stored_once(world, media_root):
    officer = acting_for(world.users["contract_officer"], None)
    deal = contract(world.council, world.provider_a, reference="W-LETTER")
    draft = drafts.notice_draft_create(
        acting=officer,
        contract=deal,
        data=NoticeInput(
            kind=NoticeKind.NOC,
            reason="missed_calls",
            clause="Schedule 2, clause 4.3",
            facts="Missed calls in October.",
            remedy="A call monitoring plan.",
            remedy_due_on=timezone.localdate() + timedelta(days=30),
            noc_category="contractual",
            complexity="low",
        ),
    )
    notice = notice_services.notice_issue(acting=officer, notice=draft)
    NoticeLetter.objects.filter(notice=notice).update(generated_at=None, sha256="", size=0, file="")
    first, second = (NoticeLetter.objects.get(notice=notice) for _ in range(2))
    stored: list[bytes] = []

    def render_slowly() -> bytes:
        """While the first worker renders, the second renders and stores its own."""
        assert pdf_store(second, lambda: b"%PDF- the second worker's", "letter.pdf") == "done"
        stored.append(b"%PDF- the second worker's")
        return b"%PDF- the first worker's, finished later"

    assert pdf_store(first, render_slowly, "letter.pdf") == "done"
    letter = NoticeLetter.objects.get(notice=notice)
    assert letter.sha256 == hashlib.sha256(stored[0]).hexdigest() == first.sha256
    assert letter.file.name == first.file.name and letter.file.read() == stored[0]
    folder = media_root / letter.file.name.rsplit("/", 1)[0]
    assert [path.name for path in folder.iterdir()] == [letter.file.name.rsplit("/", 1)[1]]


@pytest.mark.django_db(transaction=True)
def test_a_check_delivered_again_during_a_sign_off_does_not_wait_on_the_contract(returns):
    """A sign-off holds its contract's lock, then updates the attempt. A check of that attempt
    delivered again meanwhile (the sweeper's copy) locks the attempt's row alone: were it to wait on
    the contract too, each would wait on the other (the database ends one as a deadlock)."""
    attempt = return_submit(
        acting=returns.acting("a_submitter"), contract=returns.contract, period=PERIOD,
        file_bytes=episodes_csv(*VALID_EPISODES), filename="may.csv",
    )  # fmt: skip
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.VALID  # checked in-process after the upload's commit
    database = settings.DATABASES["default"]
    signing_off = psycopg.connect(
        host=database["HOST"], port=database["PORT"], user=database["USER"], dbname=database["NAME"],
        password=database.get("PASSWORD") or None,
    )  # fmt: skip
    try:
        signing_off.execute(
            "SELECT id FROM commissioning_contract WHERE id = %s FOR UPDATE", [returns.contract.pk]
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")
        try:
            assert attempt_validate(attempt_id=attempt.pk).status == AttemptStatus.VALID
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
    finally:
        signing_off.close()
