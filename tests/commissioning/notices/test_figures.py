"""The notice register and figures (commissioning.notices.figures, register and views_register):
breach notices counted per quarter against a baseline, Notices of Concern closed within target
by complexity, time to close in working days, the register's filters, its CSV export and who sees
which notices.

Notices are made through the services with the clock set to the day they happened.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.access import acting_for
from commissioning.notices import drafts, services
from commissioning.notices.drafts import NoticeInput
from commissioning.notices.figures import (
    NO_NOCS_CLOSED,
    issued_in,
    notice_figures,
    open_past_target,
    time_to_close,
    within_target,
)
from commissioning.notices.models import Notice, NoticeKind
from commissioning.notices.register import REGISTER_CSV_COLUMNS, figures_default_quarter
from commissioning.notices.selectors import notices_for
from commissioning.notices.working_days import add_working_days
from outcomes.periods import LONDON, parse_period
from tests.factories import contract
from tests.pages import error_summary, page_text

pytestmark = pytest.mark.django_db

Q1, Q2, Q3 = (parse_period(f"2025-26-Q{n}") for n in (1, 2, 3))
REGISTER, CSV_URL, FIGURES = "/notices/", "/notices/register.csv", "/notices/figures/"


class Clock:
    """The time the services read: a fixed moment (London time) or, after ``reset``, the real one."""

    def __init__(self, monkeypatch):
        real, self.moment = timezone.now, None
        monkeypatch.setattr(timezone, "now", lambda: self.moment or real())

    def set(self, day: date, hour: int = 10, minute: int = 0) -> None:
        self.moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)

    def reset(self) -> None:
        self.moment = None


@pytest.fixture
def f(world, settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"

    class Setup:
        clock = Clock(monkeypatch)
        deal_a = contract(world.council, world.provider_a, reference="F-A", start_date=date(2023, 4, 1))
        deal_a2 = contract(world.council, world.provider_a, reference="F-A2", start_date=date(2023, 4, 1))
        deal_b = contract(world.council, world.provider_b, reference="F-B", start_date=date(2023, 4, 1))
        officer = acting_for(world.users["contract_officer"], None)
        viewer = acting_for(world.users["c_viewer"], None)

        @classmethod
        def draft(cls, on: date, deal=None, **overrides) -> Notice:
            cls.clock.set(on)
            values = {
                "kind": NoticeKind.BREACH,
                "reason": "qaf_actions",
                "clause": "Schedule 2, clause 4.3",
                "facts": "Agreed QAF actions not completed by the due date.",
                "remedy": "Complete the actions and send the evidence.",
                "remedy_due_on": on + timedelta(days=30),
            }
            if overrides.get("kind") == NoticeKind.NOC:
                values |= {"noc_category": "quality", "complexity": "low"}
            values.update(overrides)
            return drafts.notice_draft_create(
                acting=cls.officer, contract=deal or cls.deal_a, data=NoticeInput(**values)
            )

        @classmethod
        def issue(cls, on: date, deal=None, **overrides) -> Notice:
            draft = cls.draft(on, deal, **overrides)
            return services.notice_issue(acting=cls.officer, notice=draft)

        @classmethod
        def close(cls, notice: Notice, on: date, reason: str = "remedied", hour: int = 10, minute: int = 0):
            cls.clock.set(on, hour, minute)
            return services.notice_close(acting=cls.officer, notice=notice, reason=reason, note="Done.")

        @classmethod
        def escalate(cls, notice: Notice, on: date) -> Notice:
            cls.clock.set(on)
            draft = services.notice_escalate(acting=cls.officer, notice=notice)
            drafts.notice_draft_update(
                acting=cls.officer,
                notice=draft,
                data=NoticeInput(
                    kind=draft.kind,
                    reason=draft.reason,
                    clause=draft.clause,
                    facts=draft.facts,
                    remedy="Put it right.",
                    remedy_due_on=on + timedelta(days=30),
                ),
            )
            return services.notice_issue(acting=cls.officer, notice=draft)

        @classmethod
        def correct(cls, notice: Notice, on: date) -> Notice:
            cls.clock.set(on)
            draft = services.notice_correct(acting=cls.officer, notice=notice)
            return services.notice_issue(acting=cls.officer, notice=draft)

    Setup.world = world
    return Setup


def _scoped(f) -> list[Notice]:
    return list(notices_for(f.viewer))


# --- Breach notices ------------------------------------------------------------------------------


def test_breach_notices_are_counted_not_providers(f):
    first = f.issue(date(2025, 7, 8))
    second = f.issue(date(2025, 8, 20), deal=f.deal_a2, reason="health_and_safety")
    f.issue(date(2025, 8, 21), kind=NoticeKind.NOC)  # a Notice of Concern is not a breach notice

    counts = issued_in(_scoped(f), Q2)

    breach = counts[NoticeKind.BREACH]
    assert (breach.count, breach.providers) == (2, 1)
    assert breach.notice_ids == (first.pk, second.pk)
    assert breach.text == "2 notices to 1 provider"
    assert counts[NoticeKind.NOC].count == 1
    assert (counts[NoticeKind.SUSPENSION].count, counts[NoticeKind.TERMINATION].count) == (0, 0)

    f.issue(date(2025, 9, 1), deal=f.deal_b)
    assert issued_in(_scoped(f), Q2)[NoticeKind.BREACH].text == "3 notices to 2 providers"


def test_a_corrected_notice_counts_once_in_its_original_quarter(f):
    original = f.issue(date(2025, 9, 22))
    correction = f.correct(original, date(2025, 10, 6))
    twice = f.correct(correction, date(2025, 10, 7))

    assert issued_in(_scoped(f), Q2)[NoticeKind.BREACH].notice_ids == (twice.pk,)
    assert issued_in(_scoped(f), Q3)[NoticeKind.BREACH].count == 0


def test_drafts_and_withdrawn_drafts_never_count_but_an_issued_notice_withdrawn_does(f):
    f.draft(date(2025, 7, 1))
    withdrawn_draft = f.draft(date(2025, 7, 2))
    f.close(withdrawn_draft, date(2025, 7, 3), reason="withdrawn")
    served = f.issue(date(2025, 7, 4))
    f.close(served, date(2025, 7, 10), reason="withdrawn")

    assert issued_in(_scoped(f), Q2)[NoticeKind.BREACH].notice_ids == (served.pk,)
    figures = notice_figures(notices_for(f.viewer), Q2, today=date(2025, 11, 1))
    shown = {n.pk for c in figures.issued for n in c.current.notices}
    assert shown == {served.pk}


def test_the_baseline_is_the_same_quarter_a_year_earlier_with_a_trend(f):
    then = f.issue(date(2024, 8, 12))
    f.issue(date(2025, 5, 12))  # 2025-26 Q1: neither this quarter nor the baseline
    now = [f.issue(date(2025, 7, 14)), f.issue(date(2025, 8, 14), deal=f.deal_b), f.issue(date(2025, 9, 1))]

    figures = notice_figures(notices_for(f.viewer), Q2, today=date(2025, 11, 1))

    assert figures.baseline_quarter.identifier == "2024-25-Q2"
    assert figures.breach.baseline.notice_ids == (then.pk,)
    assert figures.breach.current.notice_ids == tuple(n.pk for n in now)
    assert (figures.breach.difference, figures.breach.difference_text) == (2, "2 more")
    assert [(q.identifier, c.count, c.providers) for q, c in figures.trend] == [
        ("2024-25-Q2", 1, 1),
        ("2024-25-Q3", 0, 0),
        ("2024-25-Q4", 0, 0),
        ("2025-26-Q1", 1, 1),
        ("2025-26-Q2", 3, 2),
    ]
    assert [(r.label, r.current.count, r.baseline.count) for r in figures.breach_by_reason] == [
        ("Failure to meet agreed QAF actions", 3, 1)
    ]
    assert figures_default_quarter(date(2025, 11, 3)).identifier == "2025-26-Q2"
    assert figures_default_quarter(date(2025, 10, 1)).identifier == "2025-26-Q2"
    assert figures_default_quarter(date(2025, 9, 30)).identifier == "2025-26-Q1"


def test_the_figures_are_read_in_one_query(f, django_assert_num_queries):
    for day in (date(2024, 8, 1), date(2025, 7, 1), date(2025, 7, 2)):
        f.issue(day)
    noc = f.issue(date(2025, 7, 3), kind=NoticeKind.NOC)
    f.close(noc, date(2025, 7, 20))
    scoped = notices_for(f.viewer)
    with django_assert_num_queries(1):
        figures = notice_figures(scoped, Q2, today=date(2025, 11, 1))
        texts = [
            figures.breach.current.text,
            figures.within_target_all.text,
            figures.time_to_close[0].median_text,
        ]
        rows = [(n.provider.name, n.contract.reference) for n in figures.all_issued.notices]
    assert texts[0] == "2 notices to 1 provider" and len(rows) == 3


# --- Notices of Concern closed within target -----------------------------------------------------


def test_nocs_closed_within_target_by_complexity(f):
    issued_on = date(2025, 7, 3)
    target = add_working_days(issued_on, 20)  # low complexity: Thursday 31 July 2025
    assert target == date(2025, 7, 31)

    def noc(complexity="low"):
        return f.issue(issued_on, kind=NoticeKind.NOC, complexity=complexity)

    on_target, day_after, late_evening, escalated, withdrawn, superseded = (noc() for _ in range(6))
    f.close(on_target, target, hour=23, minute=30)  # 22:30 UTC: still the target date in London
    f.close(day_after, target + timedelta(days=1))
    f.close(late_evening, target + timedelta(days=1), hour=0, minute=30)  # 23:30 UTC on the target date
    breach = f.escalate(escalated, date(2025, 7, 10))
    f.close(withdrawn, date(2025, 7, 11), reason="withdrawn")
    correction = f.correct(superseded, date(2025, 7, 14))
    medium = noc("medium")
    f.close(medium, date(2025, 8, 29))  # 40 working days after 3 July: on the target date

    shares = {share.complexity or "all": share for share in within_target(_scoped(f), Q2)}

    low = shares["low"]
    assert set(low.notice_ids) == {on_target.pk, day_after.pk, late_evening.pk, escalated.pk}
    assert low.within_ids == (on_target.pk,)
    assert (low.numerator, low.denominator, low.value, low.text) == (1, 4, Decimal("25.0"), "25.0% (1/4)")
    assert shares["medium"].text == "100.0% (1/1)"
    assert shares["high"].text == NO_NOCS_CLOSED == "no Notices of Concern closed"
    assert shares["all"].text == "40.0% (2/5)"
    assert [e.notice.kind for e in low.counted].count(NoticeKind.NOC) == 4
    assert breach.pk not in shares["all"].notice_ids
    assert withdrawn.pk not in shares["all"].notice_ids and superseded.pk not in shares["all"].notice_ids
    # The correction is still open: it counts when it reaches its own end.
    assert correction.pk not in shares["all"].notice_ids
    f.close(correction, date(2025, 10, 2))
    assert within_target(_scoped(f), Q3)[-1].notice_ids == (correction.pk,)


def test_with_nothing_closed_the_share_says_so_in_words(f, sign_in):
    f.issue(date(2025, 7, 3), kind=NoticeKind.NOC)  # still open

    shares = within_target(_scoped(f), Q2)

    assert [share.text for share in shares] == [NO_NOCS_CLOSED] * 4
    assert all(share.value is None for share in shares)
    f.clock.reset()
    response = sign_in(f.world.users["c_viewer"]).get(FIGURES, {"quarter": Q2.identifier})
    text = page_text(response)
    assert "Notices of Concern closed within target: no Notices of Concern closed" in text
    assert "0.0%" not in text


def test_nocs_open_past_their_target_at_the_quarters_end(f):
    june = f.issue(date(2025, 6, 2), kind=NoticeKind.NOC)  # target 30 June 2025
    closed_later = f.issue(date(2025, 6, 2), kind=NoticeKind.NOC)
    closed_in_time = f.issue(date(2025, 6, 2), kind=NoticeKind.NOC)
    f.close(closed_in_time, date(2025, 6, 27))
    f.close(closed_later, date(2025, 10, 15))
    assert june.target_close_on == date(2025, 6, 30)

    # On the target date itself a notice is not yet past it.
    assert open_past_target(_scoped(f), Q1.end) == []
    late = open_past_target(_scoped(f), Q2.end)
    assert [p.notice.pk for p in late] == [june.pk, closed_later.pk]
    assert (late[0].working_days_past, late[0].calendar_days_past) == (65, 92)
    assert [p.notice.pk for p in open_past_target(_scoped(f), Q3.end)] == [june.pk]


# --- Time to close -------------------------------------------------------------------------------


def test_time_to_close_in_working_days_across_the_easter_bank_holidays(f):
    thursday = date(2025, 4, 17)  # Good Friday 18 and Easter Monday 21 April are bank holidays
    breaches = [f.issue(thursday) for _ in range(3)]
    for notice, closed in zip(
        breaches, (date(2025, 4, 22), date(2025, 4, 25), date(2025, 5, 1)), strict=True
    ):
        f.close(notice, closed)
    nocs = [f.issue(thursday, kind=NoticeKind.NOC) for _ in range(2)]
    f.close(nocs[0], date(2025, 4, 22))
    f.escalate(nocs[1], date(2025, 4, 25))  # an escalation is an end too

    times = {t.kind: t for t in time_to_close(_scoped(f), Q1)}

    breach = times[NoticeKind.BREACH]
    assert [(e.working_days, e.calendar_days) for e in breach.ended] == [(1, 5), (4, 8), (8, 14)]
    assert (breach.median_working_days, breach.longest_working_days) == (4, 8)
    assert (breach.median_calendar_days, breach.longest_calendar_days) == (8, 14)
    assert breach.median_text == "4 working days (8 days)"
    assert breach.longest_text == "8 working days (14 days)"
    noc = times[NoticeKind.NOC]
    assert noc.notice_ids == (nocs[0].pk, nocs[1].pk)
    assert noc.median_working_days == Decimal("2.5")
    assert noc.median_text == "2.5 working days (6.5 days)"
    assert times[NoticeKind.SUSPENSION].median_text == "—"


# --- The figures page ----------------------------------------------------------------------------


def _table(response, name: str) -> str:
    found = re.search(rf'data-testid="{name}".*?</table>', response.content.decode(), re.S)
    assert found, f"no table {name}"
    return found.group(0)


def test_the_figures_page_shows_every_figure_with_the_notices_behind_it(f, sign_in):
    then = f.issue(date(2024, 8, 12))
    counted = [f.issue(date(2025, 7, 14)), f.issue(date(2025, 8, 14), reason="staffing")]
    noc = f.issue(date(2025, 7, 3), kind=NoticeKind.NOC)
    f.close(noc, date(2025, 7, 31))
    draft = f.draft(date(2025, 7, 15))
    f.clock.reset()

    response = sign_in(f.world.users["c_viewer"]).get(FIGURES, {"quarter": Q2.identifier})

    assert response.status_code == 200
    text = page_text(response)
    assert "Notice figures: 2025-26 Q2 (July to September 2025)" in text
    assert "A rising count can mean firmer enforcement rather than a worse market." in text
    assert "Breach notices issued: 2 notices to 1 provider" in text
    assert "1 in 2024-25 Q2 (July to September 2024), concerning 1 provider" in text
    assert "1 more" in text
    breach_rows = _table(response, "rows-breach")
    for notice in counted:
        assert reverse("notices:detail", args=[notice.pk]) in breach_rows
    assert reverse("notices:detail", args=[then.pk]) not in breach_rows
    assert reverse("notices:detail", args=[draft.pk]) not in response.content.decode()
    assert "Staffing and vetting checks" in _table(response, "breach-by-reason")
    trend = _table(response, "breach-trend")
    assert trend.count("<tr") == 6  # the header and five quarters
    assert "100.0% (1/1)" in _table(response, "within-target")
    assert reverse("notices:detail", args=[noc.pk]) in _table(response, "rows-within-target")
    assert reverse("notices:detail", args=[noc.pk]) in _table(response, "rows-time-to-close")
    assert "20 working days (28 days)" in _table(response, "time-to-close")


def test_the_figures_quarter_must_come_from_the_list(f, sign_in):
    client = sign_in(f.world.users["commissioner"])

    response = client.get(FIGURES, {"quarter": "1999-00-Q1"})

    assert response.status_code == 200
    assert [message for _, message in error_summary(response)] == [
        "Choose a quarter from the list. Quarters run April to June (Q1) to January to March (Q4), "
        "and are written like 2025-26-Q1."
    ]
    default = figures_default_quarter()
    assert f"Notice figures: {default.identifier[:7]} Q{default.identifier[-1]}" in page_text(response)
    assert client.get(FIGURES).status_code == 200


# --- The register --------------------------------------------------------------------------------


def _ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-testid="notice-row-(\d+)"', response.content.decode())]


@pytest.fixture
def listed(f):
    """A Notice of Concern to A (Q2, open), a breach notice to B (Q3, closed), a breach notice to A on
    its second contract (Q2, escalated into a suspension, Q3) and a draft."""
    f.noc = f.issue(date(2025, 7, 3), kind=NoticeKind.NOC, reason="missed_calls")
    f.breach_b = f.issue(date(2025, 10, 6), deal=f.deal_b, reason="data_protection")
    f.close(f.breach_b, date(2025, 10, 20))
    f.breach_a2 = f.issue(date(2025, 8, 4), deal=f.deal_a2)
    f.suspension = f.escalate(f.breach_a2, date(2025, 10, 8))
    f.draft_a = f.draft(date(2025, 11, 3), reason="staffing")
    f.clock.reset()
    return f


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["draft_a", "suspension", "breach_b", "breach_a2", "noc"]),
        ({"provider": "b"}, ["breach_b"]),
        ({"contract": "a2"}, ["suspension", "breach_a2"]),
        ({"type": "breach"}, ["draft_a", "breach_b", "breach_a2"]),
        ({"reason": "missed_calls"}, ["noc"]),
        ({"status": "open"}, ["suspension", "noc"]),
        ({"status": "draft"}, ["draft_a"]),
        ({"status": "escalated"}, ["breach_a2"]),
        ({"quarter": "2025-26-Q2"}, ["breach_a2", "noc"]),
        ({"quarter": "2025-26-Q3", "type": "breach"}, ["breach_b"]),
    ],
)
def test_each_register_filter(listed, sign_in, query, expected):
    values = {
        "provider": {"b": listed.world.provider_b.pk}.get(query.get("provider")),
        "contract": {"a2": listed.deal_a2.pk}.get(query.get("contract")),
    }
    params = {key: values.get(key) or value for key, value in query.items()}

    response = sign_in(listed.world.users["contract_officer"]).get(REGISTER, params)

    assert response.status_code == 200
    assert _ids(response) == [getattr(listed, name).pk for name in expected]
    assert error_summary(response) == []


def test_bad_filter_values_are_explained_and_the_good_ones_still_apply(listed, sign_in):
    client = sign_in(listed.world.users["commissioner"])

    response = client.get(
        REGISTER,
        {"provider": "999999", "contract": "x", "type": "letter", "status": "lost", "quarter": "2025"},
    )

    assert response.status_code == 200
    assert [message for _, message in error_summary(response)] == [
        "Choose a provider from the list",
        "Choose a contract from the list",
        "Choose a type of notice from the list",
        "Choose a status from the list",
        "Choose a quarter from the list. Quarters run April to June (Q1) to January to March (Q4), "
        "and are written like 2025-26-Q1.",
    ]
    assert "Error: Notice register" in page_text(response)
    assert len(_ids(response)) == 5
    assert _ids(client.get(REGISTER, {"reason": "missed_calls", "type": "letter"})) == [listed.noc.pk]
    # The CSV does not guess: it sends the person back to the page that explains the problem.
    bad_csv = client.get(CSV_URL, {"type": "letter"})
    assert (bad_csv.status_code, bad_csv["Location"]) == (302, f"{REGISTER}?type=letter")


def test_the_register_page_for_a_commissioner(listed, sign_in):
    client = sign_in(listed.world.users["quality_officer"])

    response = client.get(REGISTER, {"type": "breach"})

    text = page_text(response)
    assert reverse("notices:detail", args=[listed.breach_b.pk]) in response.content.decode()
    assert "Brookside Care Services" in text and "Acme Homecare Ltd" in text
    assert reverse("notices:figures") in text and reverse("suggestions:list") in text
    assert f"{CSV_URL}?type=breach" in text
    row = re.search(
        rf'data-testid="notice-row-{listed.breach_a2.pk}".*?</tr>', response.content.decode(), re.S
    ).group(0)
    assert "Escalated" in row and "Suspension of new placements" in row  # the contract's stage now
    empty = client.get(REGISTER, {"type": "termination"})
    assert "No notices match these filters." in page_text(empty)


def _csv(response) -> list[list[str]]:
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def test_the_csv_export_has_a_row_per_notice_with_the_filters(listed, sign_in):
    client = sign_in(listed.world.users["c_viewer"])

    response = client.get(CSV_URL, {"quarter": "2025-26-Q2"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="notices-')
    rows = _csv(response)
    assert tuple(rows[0]) == REGISTER_CSV_COLUMNS
    by_id = {int(row[0]): dict(zip(REGISTER_CSV_COLUMNS, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {listed.noc.pk, listed.breach_a2.pk}
    noc = by_id[listed.noc.pk]
    assert noc == {
        "Notice": str(listed.noc.pk),
        "Contract reference": "F-A",
        "Provider": "Acme Homecare Ltd",
        "Commissioner": "Riverton City Council",
        "Type": "Notice of Concern",
        "Reason": "Missed or late calls",
        "NoC category": "Quality",
        "Complexity": "Low",
        "Contract clause": "Schedule 2, clause 4.3",
        "Status": "Issued",
        "Issued on": "2025-07-03",
        "Remedy due": "2025-08-02",
        "Target closure": "2025-07-31",
        "Closed on": "",
        "Closed reason": "",
        "Escalated from": "",
        "Supersedes": "",
        "Days open": str((timezone.localdate() - date(2025, 7, 3)).days),
    }
    escalated = by_id[listed.breach_a2.pk]
    assert (
        escalated["Status"],
        escalated["Closed on"],
        escalated["Closed reason"],
        escalated["Days open"],
    ) == (
        "Escalated",
        "2025-10-08",
        "Escalated to the next step",
        "65",
    )
    suspension = {int(r[0]): r for r in _csv(client.get(CSV_URL, {"type": "suspension"}))[1:]}
    assert suspension[listed.suspension.pk][REGISTER_CSV_COLUMNS.index("Escalated from")] == str(
        listed.breach_a2.pk
    )


def test_the_csv_cannot_run_formulas_in_a_spreadsheet(f, sign_in):
    for danger in ('=HYPERLINK("http://evil.example","Click")', "+1+1", "-2+3", "@SUM(A1)"):
        f.issue(date(2025, 7, 3), clause=danger)
    f.world.provider_a.name = "=cmd|' /C calc'!A0"
    f.world.provider_a.save()
    f.clock.reset()

    rows = _csv(sign_in(f.world.users["contract_officer"]).get(CSV_URL))

    clauses = sorted(row[REGISTER_CSV_COLUMNS.index("Contract clause")] for row in rows[1:])
    assert clauses == ["'+1+1", "'-2+3", '\'=HYPERLINK("http://evil.example","Click")', "'@SUM(A1)"]
    assert {row[REGISTER_CSV_COLUMNS.index("Provider")] for row in rows[1:]} == {"'=cmd|' /C calc'!A0"}


# --- Who sees what -------------------------------------------------------------------------------


def test_a_provider_sees_only_its_issued_notices(listed, sign_in):
    client = sign_in(listed.world.users["a_viewer"])

    response = client.get(REGISTER)

    assert response.status_code == 200
    assert _ids(response) == [listed.suspension.pk, listed.breach_a2.pk, listed.noc.pk]
    text = page_text(response)
    assert "Your notices" in text
    assert "Brookside Care Services" not in text
    assert 'name="provider"' not in text and '<option value="draft"' not in text
    assert reverse("notices:figures") not in text
    rows = _csv(client.get(CSV_URL))
    assert {int(row[0]) for row in rows[1:]} == {listed.suspension.pk, listed.breach_a2.pk, listed.noc.pk}
    # Drafts are not a choice, nor is another provider's contract: nothing of theirs is shown.
    for query in ({"status": "draft"}, {"contract": listed.deal_b.pk}):
        refused = client.get(REGISTER, query)
        assert [m for _, m in error_summary(refused)] in (
            ["Choose a status from the list"],
            ["Choose a contract from the list"],
        )
        assert listed.draft_a.pk not in _ids(refused) and listed.breach_b.pk not in _ids(refused)
    assert client.get(FIGURES).status_code == 404


def test_another_provider_sees_none_of_them(listed, sign_in):
    client = sign_in(listed.world.users["b_admin"])

    response = client.get(REGISTER)

    assert response.status_code == 200
    assert _ids(response) == [listed.breach_b.pk]  # its own, and nothing of provider A's
    rows = _csv(client.get(CSV_URL))
    assert [int(row[0]) for row in rows[1:]] == [listed.breach_b.pk]
    assert client.get(FIGURES).status_code == 404


def test_a_provider_with_no_notices_is_told_so(f, sign_in):
    f.issue(date(2025, 7, 3))  # to provider A
    f.clock.reset()
    client = sign_in(f.world.users["b_admin"])

    response = client.get(REGISTER)

    assert _ids(response) == []
    assert "No notices have been issued to your organisation." in page_text(response)
    assert "Download CSV" not in page_text(response)
    assert _csv(client.get(CSV_URL)) == [list(REGISTER_CSV_COLUMNS)]


def test_a_partner_sees_issued_notices_on_the_joint_contract_and_no_drafts(listed, sign_in):
    listed.deal_a.partner_commissioners.add(listed.world.icb)
    client = sign_in(listed.world.users["icb_admin"])

    assert _ids(client.get(REGISTER)) == [listed.noc.pk]
    assert client.get(FIGURES, {"quarter": Q2.identifier}).status_code == 200
