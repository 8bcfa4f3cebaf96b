"""Your own choice of emails about monthly returns, on the account page."""

from __future__ import annotations

from accounts.models import AuditEntry


def test_a_person_turns_return_emails_off_and_on_again(client, world):
    user = world.users["a_approver"]
    client.force_login(user)
    page = client.get("/account/").content.decode()
    assert (
        "Email me about monthly returns" in page
        and 'name="return_emails" type="checkbox" value="on" aria' not in page
    )
    assert "checked" in page.split('id="return_emails"')[1].split(">")[0]

    response = client.post("/account/emails/", {})
    assert response.status_code == 302 and response["Location"] == "/account/"
    user.refresh_from_db()
    assert user.return_emails is False
    assert AuditEntry.objects.get(action="user.email_preferences").details == {"return_emails": False}
    assert (
        "checked" not in client.get("/account/").content.decode().split('id="return_emails"')[1].split(">")[0]
    )

    client.post("/account/emails/", {"return_emails": "on"})
    user.refresh_from_db()
    assert user.return_emails is True
