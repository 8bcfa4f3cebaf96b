"""The pack's position among the body's providers (outcomes.reviews.pack_benchmark) follows the one
rank rule (outcomes.measures.ranking), on the pack page and in its PDF alike.

The world: Riverton City Council reviews Acme Homecare for 2025-26 Q2; Acme and nine other council
providers are all at 100% on AT_HOME_91D that quarter.
"""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from accounts.access import acting_for
from outcomes.reviews import packs
from outcomes.reviews.models import PackStatus, ReviewMeeting, ReviewPack
from tests.factories import ProviderFactory, contract, stored_result, target
from tests.fixtures.pdf import pdf_text

pytestmark = pytest.mark.django_db
QUARTER = "2025-26-Q2"
STATEMENT = (
    "joint 1st of 10 providers of Riverton City Council on this measure in Q2, on Homecare (long-term) "
    "contracts: top quartile."
)


def stored(t, numerator: int, denominator: int) -> None:
    stored_result(t, QUARTER, numerator, denominator, "green")


def made(world, deal, capture) -> ReviewPack:
    """The pack of Acme's review of ``deal`` for the quarter, made (its PDF too)."""
    meeting = ReviewMeeting.objects.create(
        commissioner=world.council,
        provider=world.provider_a,
        quarter=QUARTER,
        held_on=date(2025, 10, 20),
        place="Riverton Civic Centre, room 2",
        created_by_label="commissioner",
    )
    meeting.contracts.set([deal])
    with capture(execute=True):
        pack = packs.pack_request(acting=acting_for(world.users["commissioner"], None), meeting=meeting)
    pack.refresh_from_db()
    assert pack.status == PackStatus.READY, pack.error
    return pack


def test_all_ten_providers_at_100_percent_are_each_joint_first(
    world, media_root, client, django_capture_on_commit_callbacks, tmp_path
):
    deal = contract(world.council, world.provider_a, reference="RCC-HC-101")
    stored(target(deal, "AT_HOME_91D", "90"), 200, 200)
    for number in range(9):
        other = contract(
            world.council, ProviderFactory(name=f"Tenfold Care {number}"), reference=f"C-{number}"
        )
        stored(target(other, "AT_HOME_91D", "90"), 100, 100)
    pack = made(world, deal, django_capture_on_commit_callbacks)

    position = pack.figures["contracts"][0]["rows"][0]["position"]
    assert position["statement"] == STATEMENT
    assert (position["rank"], position["of"], position["shared"], position["quartile"]) == (1, 10, True, 1)
    assert position["rank_words"] == "joint 1st of 10"
    assert [entry["rank_text"] for entry in position["entries"]] == ["1="] * 10
    assert [entry["rank"] for entry in position["entries"]] == [1] * 10

    with pack.file.open("rb") as stored_file:
        text = pdf_text(stored_file.read(), tmp_path)
    client.force_login(world.users["commissioner"])
    page = html.unescape(client.get(f"/reviews/packs/{pack.pk}/").content.decode())
    for shown in (text, " ".join(page.split())):
        assert STATEMENT in shown
        assert re.search(r"(?<!joint )1st of 10", shown) is None  # never "1st of 10" alone
    table = page[page.index('data-testid="pack-position"') :]
    table = table[: table.index("</table>")]
    assert (
        re.findall(r'<tr class="govuk-table__row[^"]*"><td class="govuk-table__cell">([^<]+)<', table)
        == ["1="] * 10
    )


def test_many_providers_are_summarised_in_the_pdf_and_listed_on_the_page(
    world, media_root, client, django_capture_on_commit_callbacks, tmp_path
):
    """25 others: the PDF gives the funnel plot and the summary, naming only the outlier (Provider
    Y at 10/100); the page lists all 26 providers too."""
    deal = contract(world.council, world.provider_a, reference="RCC-HC-101")
    stored(target(deal, "AT_HOME_91D", "90"), 170, 200)
    for number in range(25):
        other = contract(world.council, ProviderFactory(name=f"Many Care {number}"), reference=f"C-{number}")
        stored(target(other, "AT_HOME_91D", "90"), 10 if number == 24 else 80 + number % 10, 100)
    pack = made(world, deal, django_capture_on_commit_callbacks)
    peers = pack.figures["contracts"][0]["rows"][0]["position"]["peers"]
    assert peers["count"] == 25 and [o["label"] for o in peers["outliers"]] == ["Provider Y"]

    with pack.file.open("rb") as stored_file:
        text = " ".join(pdf_text(stored_file.read(), tmp_path).split())
    assert "This provider among 25 others" in text
    assert "Provider Y 10.0% (10/100) (worse)" in text
    assert "Provider A " not in text  # the others are not listed one by one
    client.force_login(world.users["commissioner"])
    page = html.unescape(client.get(f"/reviews/packs/{pack.pk}/").content.decode())
    table = page[page.index('data-testid="pack-position"') :]
    assert table[: table.index("</table>")].count('<tr class="govuk-table__row') == 27  # heading + 26
