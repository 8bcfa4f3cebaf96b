"""Fixtures shared by the accounts tests."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from django.core import mail

from accounts.access import Acting, acting_for
from accounts.models import Organisation, User


@pytest.fixture
def page_text() -> Callable:
    """The text of a response with HTML entities decoded, so apostrophes and ampersands read as typed."""

    def _page_text(response) -> str:
        return html.unescape(response.content.decode())

    return _page_text


@pytest.fixture
def links_in_email() -> Callable:
    """Every link in the outbox's emails that matches ``pattern`` (a regular expression), in order."""

    def _links(pattern: str) -> list[str]:
        return [link for message in mail.outbox for link in re.findall(pattern, message.body)]

    return _links


@pytest.fixture
def acting_as() -> Callable:
    """The Acting a service call needs: ``user`` working in ``organisation`` (else their first one)."""

    def _acting_as(user: User, organisation: Organisation | None = None) -> Acting:
        acting = acting_for(user, organisation.pk if organisation else None)
        assert acting is not None, f"{user} has no organisation"
        return acting

    return _acting_as
