"""Every browser test also checks that nothing a page does is refused by the Content-Security-Policy
(Chromium reports each refusal in the console)."""

from __future__ import annotations

import pytest

# Refusals that show the policy working as meant: the API reference (Redoc) asks for its maker's logo
# from another site, which the policy keeps the page from fetching.
EXPECTED = ("https://cdn.redoc.ly/",)


@pytest.fixture
def page(page):
    refused: list[str] = []

    def note(message) -> None:
        text = message.text
        if "Content Security Policy" in text and not any(site in text for site in EXPECTED):
            refused.append(f"{page.url}: {text}")

    page.on("console", note)
    yield page
    assert not refused, "the Content-Security-Policy refused:\n" + "\n".join(refused)
