"""Pages for everyone, signed in or not: the privacy notice."""

from __future__ import annotations


def test_the_privacy_notice_is_public_and_linked_from_every_page(client, db):
    notice = client.get("/privacy/")
    assert notice.status_code == 200
    text = notice.content.decode()
    for heading in ("Who is responsible for your data", "How long data is kept", "Your rights"):
        assert heading in text
    assert 'href="/privacy/"' in client.get("/account/sign-in/").content.decode()
