"""Forms carry one CSRF token when they post, and none when they only filter (GET): a token never
ends up in an address (the scrutiny report's PDF link, a filtered audit log)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "path", "tokens"),
    [
        ("commissioner", "/portfolio/scrutiny/", 0),
        ("c_admin", "/account/audit/", 0),
        ("commissioner", "/portfolio/benchmarks/", 0),
        ("a_viewer", "/account/password/", 1),
        ("c_admin", "/account/team/invite/", 1),
    ],
)
def test_one_token_for_a_form_that_posts_and_none_for_a_filter(client, world, who, path, tokens):
    client.force_login(world.users[who])
    page = client.get(path).content.decode()
    # Every page also has the header's sign-out button, a form that posts.
    assert page.count('name="csrfmiddlewaretoken"') == tokens + 1
