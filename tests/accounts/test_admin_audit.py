"""Changes made in the technical administration site (/admin/) are in the audit log: the operator,
the record, the change message and each field before and after, owned by the organisation the
record belongs to (so its admins read it), else by the service."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.utils import timezone

from accounts.admin_audit import AuditedAdmin
from accounts.audit import audit_record
from accounts.models import AuditEntry, Invitation, Membership, Organisation, Role
from tests.factories import UserFactory


@pytest.fixture
def operator(client, world):
    person = UserFactory(
        email="operator@service.example", full_name="Olu Operator", is_staff=True, is_superuser=True
    )
    client.force_login(person)
    return person


def _membership_form(membership: Membership, **changes) -> dict:
    local = timezone.localtime(membership.created_at)
    return {
        "user": membership.user_id,
        "organisation": membership.organisation_id,
        "role": membership.role,
        "created_at_0": f"{local:%Y-%m-%d}",
        "created_at_1": f"{local:%H:%M:%S}",
        **({"is_admin": "on"} if membership.is_admin else {}),
        **changes,
    }


def test_every_model_of_the_admin_site_is_audited():
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdmin)
    ]
    assert unaudited == []


def test_an_operator_making_a_viewer_an_admin_leaves_an_entry_the_providers_admins_read(
    client, world, operator
):
    viewer = Membership.objects.get(user=world.users["a_viewer"], organisation=world.provider_a)

    response = client.post(
        f"/admin/accounts/membership/{viewer.pk}/change/", _membership_form(viewer, is_admin="on")
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    viewer.refresh_from_db()
    assert viewer.is_admin
    entry = AuditEntry.objects.get(action="admin.change")
    assert (entry.actor, entry.actor_organisation_id, entry.organisation_id) == (
        operator,
        None,
        world.provider_a.pk,
    )
    assert entry.actor_label == "Olu Operator <operator@service.example> (service operator)"
    assert (entry.object_type, entry.object_id) == ("accounts.Membership", str(viewer.pk))
    assert entry.details["message"].startswith("Changed Organisation admin")
    assert entry.details["fields"]["is_admin"] == {"before": False, "after": True}
    client.force_login(world.users["a_admin"])
    page = client.get("/account/audit/").content.decode()
    assert "admin.change" in page and "(service operator)" in page


def test_a_change_to_a_person_is_read_by_each_of_their_organisations(client, world, operator):
    person = world.users["c_viewer"]
    Membership.objects.create(user=person, organisation=world.icb, role=Role.VIEWER)
    data = {
        "email": person.email,
        "full_name": person.full_name,
        "is_staff": "",
        "is_superuser": "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": f"{timezone.localtime(person.date_joined):%Y-%m-%d}",
        "date_joined_1": f"{timezone.localtime(person.date_joined):%H:%M:%S}",
    }  # is_active left out: the person is deactivated

    response = client.post(f"/admin/accounts/user/{person.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    entries = AuditEntry.objects.filter(action="admin.change", object_id=str(person.pk))
    assert {entry.organisation_id for entry in entries} == {world.council.pk, world.icb.pk}
    assert all(entry.details["fields"]["is_active"] == {"before": True, "after": False} for entry in entries)


def test_a_password_set_in_the_admin_is_audited_without_the_password(client, world, operator):
    person = world.users["a_viewer"]
    secret = "a-new-long-passphrase-42"

    response = client.post(
        f"/admin/accounts/user/{person.pk}/password/",
        {"password1": secret, "password2": secret, "usable_password": "true"},
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    entry = AuditEntry.objects.get(action="admin.change", object_id=str(person.pk))
    assert entry.organisation_id == world.provider_a.pk
    assert secret not in str(entry.details)
    assert entry.details["fields"]
    assert all(
        value == {"before": "(not recorded)", "after": "(not recorded)"}
        for value in entry.details["fields"].values()
    )


def test_an_addition_and_a_deletion_are_audited(client, world, operator):
    response = client.post(
        "/admin/accounts/organisation/add/",
        {
            "name": "Hilltop Council",
            "kind": "council",
            "created_at_0": "2026-01-05",
            "created_at_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    hilltop = Organisation.objects.get(name="Hilltop Council")
    added = AuditEntry.objects.get(action="admin.add")
    assert (added.organisation, added.object_repr, added.details) == (
        hilltop,
        "Hilltop Council",
        {"message": "Added."},
    )

    invitation = Invitation.objects.create(
        organisation=world.provider_a,
        email="new.starter@acme.example",
        role=Role.SUBMITTER,
        key="admin-audit-key",
        expires_at=timezone.now(),
    )
    response = client.post(f"/admin/accounts/invitation/{invitation.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    deleted = AuditEntry.objects.get(action="admin.delete")
    assert (deleted.organisation_id, deleted.object_id) == (world.provider_a.pk, str(invitation.pk))
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_an_organisation_with_audit_entries_cannot_be_deleted_in_the_admin(client, world, operator):
    client.post(
        f"/admin/accounts/membership/{Membership.objects.get(user=world.users['b_admin']).pk}/change/", {}
    )
    hilltop = Organisation.objects.create(name="Hilltop Council", kind="council")
    client.post(
        "/admin/accounts/organisation/",
        {"action": "delete_selected", "_selected_action": [hilltop.pk], "post": "yes"},
    )
    deleted = AuditEntry.objects.get(action="admin.delete")
    assert (deleted.organisation, deleted.object_repr) == (
        None,
        "Hilltop Council",
    )  # the service's own record
    assert not Organisation.objects.filter(pk=hilltop.pk).exists()

    audit_record(actor=None, action="test.step", obj=world.provider_a, organisation=world.provider_a)
    response = client.post(f"/admin/accounts/organisation/{world.provider_a.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200
    assert "Cannot delete" in response.content.decode()
    assert Organisation.objects.filter(pk=world.provider_a.pk).exists()
