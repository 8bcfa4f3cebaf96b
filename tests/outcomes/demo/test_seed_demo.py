"""The demo data command, and the people and organisations step on its own.

The whole demo, returns included, is loaded once in the suite, by the every-page browser test
(tests/browser/test_every_page_browser.py), which checks what `seed_demo` prints and holds before it
opens every page: each other demo test calls only the seeding step it is about (``demo_seed``,
``notice_seed``, ``review_seed``, ``demo_api_tokens_seed``…), so the suite stays quick. Loading it
a second time (nothing duplicated, the earlier tokens refused) is checked by the embedded smoke run
(scripts/smoke_embedded.sh), which loads it twice anyway.
"""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership, Organisation, Role, User
from commissioning.demo.contracts import demo_start
from commissioning.demo.organisations import DEMO_PASSWORD, PEOPLE, demo_seed
from commissioning.models import Contract
from outcomes.demo.returns import demo_calendar
from outcomes.management.commands.serve_demo import Command as ServeDemo
from outcomes.periods import add_months
from providers.models import CqcRating, Provider


@pytest.mark.django_db
def test_seed_demo_refuses_to_run_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="published password"):
        call_command("seed_demo", "--skip-returns", stdout=StringIO())
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_has_a_joint_council_and_icb_and_twelve_providers():
    demo_seed()
    assert set(Organisation.objects.exclude(kind="provider").values_list("kind", flat=True)) == {
        "council",
        "icb",
    }
    assert Provider.objects.count() == 12
    ratings = list(Provider.objects.values_list("cqc_rating", flat=True))
    assert ratings.count(CqcRating.OUTSTANDING) == 0
    assert ratings.count(CqcRating.GOOD) == 7
    assert ratings.count(CqcRating.REQUIRES_IMPROVEMENT) == 2
    assert ratings.count(CqcRating.NOT_YET_INSPECTED) == 3
    counts = (Organisation.objects.count(), User.objects.count(), Membership.objects.count())
    demo_seed()
    assert (Organisation.objects.count(), User.objects.count(), Membership.objects.count()) == counts


@pytest.mark.django_db
def test_every_role_has_a_demo_person_who_can_sign_in(client):
    demo_seed()
    roles = {(p.role, p.is_admin) for p in PEOPLE}
    for role in Role:
        assert any(r == role for r, _ in roles), f"no demo person is {role}"
    assert any(admin for _, admin in roles)
    for person in PEOPLE:
        response = client.post("/account/sign-in/", {"username": person.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, person.email
        assert person.organisation in client.get("/").content.decode()
        client.post("/account/sign-out/")


@pytest.mark.parametrize(
    ("today", "start", "months"),
    [
        (date(2026, 12, 6), date(2025, 4, 1), 20),  # April 2025 to November 2026
        (date(2027, 4, 2), date(2025, 4, 1), 24),  # to March 2027: the last month of the year
        (date(2027, 5, 1), date(2026, 4, 1), 13),  # to April 2027: a new year has begun
        (date(2027, 1, 31), date(2025, 4, 1), 21),
    ],
)
def test_the_demo_runs_from_an_april_to_the_last_month_ended(today, start, months):
    assert demo_start(today) == start
    calendar = demo_calendar(today)
    contract = Contract(start_date=start)
    assert calendar.last == add_months(today.replace(day=1), -1)
    assert len(calendar.months(contract)) == months and calendar.months(contract)[0] == start
    # The story's months fall inside the demo, in the quarters the review meetings look back on.
    for _, month in (calendar.late, calendar.corrected, calendar.rejected_first, calendar.late_reported):
        assert start <= month <= calendar.last
    assert calendar.corrected[1] == add_months(calendar.late[1], 1)


def test_the_demo_server_prints_the_sign_ins_after_its_start_up_lines(settings):
    out = StringIO()
    command = ServeDemo(stdout=out)
    command.addr, command.port, command._raw_ipv6, command.protocol = "127.0.0.1", "8000", False, "http"
    command.on_bind("8000")
    text = out.getvalue()
    assert text.index("Starting development server") < text.index("every demo password is: " + DEMO_PASSWORD)
    assert all(person.email in text for person in PEOPLE)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("serve_demo", stdout=StringIO())
