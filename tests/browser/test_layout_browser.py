"""Page furniture in Debian's Chromium at 1280 px: the service navigation on one row with one current
section, for the roles that see the most sections; the pagination's "Page 1 of 2" legible (4.5:1)."""

from __future__ import annotations

import pytest
from axes.models import AccessLog
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, contract, target

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-organisation")).to_be_visible()


@pytest.mark.parametrize("who", ["c_admin", "a_admin"])
def test_the_navigation_is_one_row_with_one_current_section_at_1280px(page: Page, live_server, world, who):
    agreement = contract(world.council, world.provider_a, reference="NAV-1")
    goal = target(agreement)
    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, live_server.url, world.users[who].email)
    trend = f"/portfolio/contracts/{agreement.pk}/targets/{goal.pk}/trend/"
    pages = (
        [("/", "Home"), (trend, "Portfolio")]
        if who == "c_admin"
        else [("/", "Home"), ("/returns/", "Returns")]
    )
    for path, current in pages:
        page.goto(f"{live_server.url}{path}")
        items = page.locator(".govuk-service-navigation__item")
        tops = {round(box["y"]) for box in (items.nth(i).bounding_box() for i in range(items.count()))}
        assert len(tops) == 1, f"{path}: the navigation wraps to {len(tops)} rows"
        marked = page.locator('.govuk-service-navigation__link[aria-current="page"]')
        expect(marked).to_have_count(1)
        expect(marked).to_have_text(current)


def _luminance(rgb: str) -> float:
    channels = [int(part) / 255 for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


BACKGROUND = """element => {
  for (let node = element; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") return colour;
  }
  return "rgb(255, 255, 255)";
}"""


def test_the_page_count_in_the_pagination_has_enough_contrast(page: Page, live_server, world):
    admin = world.users["c_admin"]
    now = timezone.now()
    AccessLog.objects.bulk_create(
        AccessLog(
            username=admin.email, attempt_time=now, ip_address="127.0.0.1", user_agent="test", path_info="/"
        )
        for _ in range(60)
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    _sign_in(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}/account/audit/sign-ins/")
    status = page.get_by_test_id("pagination-status")
    expect(status).to_have_text("Page 1 of 2")
    text = _luminance(status.evaluate("element => getComputedStyle(element).color"))
    background = _luminance(status.evaluate(BACKGROUND))
    lighter, darker = max(text, background), min(text, background)
    assert (lighter + 0.05) / (darker + 0.05) >= 4.5
