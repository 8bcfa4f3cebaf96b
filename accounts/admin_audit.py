"""The technical administration site (/admin/) writes the domain audit log too.

Every model the site registers gets ``AuditedAdmin`` mixed in (``AuditedAdminSite.register``), so each
addition, change and deletion a service operator makes there is an ``AuditEntry`` (``admin.add``,
``admin.change``, ``admin.delete``) beside Django's own admin history: the operator, the record, the
change message, and for a change each field's value before and after (secrets never). The entry
belongs to the organisation the record belongs to, so that organisation's admins read it; a record
of no organisation (or an organisation being deleted) is the service's own, read by operators.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import Form, ModelChoiceField
from django.http import HttpRequest

from accounts.audit import audit_record
from accounts.models import Organisation, User

# Form fields whose values never go in the log (password hashes and forms, token secrets).
SECRET_FIELDS = ("password", "key")
VALUE_LENGTH = 200
_FIELDS_CHANGED = "admin_audit_fields"


def admin_record_owners(obj: models.Model, *, deleting: bool = False) -> list[Organisation | None]:
    """The organisations whose admins read an operator's change to ``obj``: the organisation itself,
    the one the record belongs to (``obj.organisation``), or each organisation a person belongs to;
    ``[None]`` (the service's own record) when there is none. An organisation being deleted cannot
    own the entry about it: the entry would stop its deletion."""
    if isinstance(obj, Organisation):
        return [None] if deleting else [obj]
    if isinstance(obj, User):
        return list(Organisation.objects.filter(memberships__user=obj).order_by("pk")) or [None]
    organisation = getattr(obj, "organisation", None)
    return [organisation] if isinstance(organisation, Organisation) else [None]


def _shown(form: Form, name: str, value: Any) -> Any:
    """A field's value as the log keeps it: a record by its name, a list item by item, plain values
    as they are; secrets never."""
    if any(secret in name for secret in SECRET_FIELDS):
        return "(not recorded)"
    field = form.fields.get(name)
    if (
        isinstance(field, ModelChoiceField)
        and value not in (None, "")
        and not isinstance(value, models.Model)
    ):
        with contextlib.suppress(ValidationError):  # a value no longer valid is shown as it was
            value = field.to_python(value)
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted(str(item) for item in value)
    if value is None or isinstance(value, bool | int):
        return value
    return str(value)[:VALUE_LENGTH]


def fields_changed(form: Form) -> dict[str, dict[str, Any]]:
    """Each changed field of an admin form, with its value before and after."""
    return {
        name: {
            "before": _shown(form, name, form.initial.get(name)),
            "after": _shown(form, name, form.cleaned_data.get(name)),
        }
        for name in form.changed_data
    }


def _message_text(message: Any) -> str:
    """Django's change message (a JSON list, or text) in words, as its admin history shows it."""
    return LogEntry(
        change_message=message if isinstance(message, str) else json.dumps(message)
    ).get_change_message()


def admin_audit(request: HttpRequest, obj: models.Model, action: str, details: dict[str, Any]) -> None:
    """One entry per organisation that owns ``obj`` (see ``admin_record_owners``), by the operator."""
    user = request.user
    assert isinstance(user, User)
    for organisation in admin_record_owners(obj, deleting=action == "admin.delete"):
        audit_record(
            actor=user,
            actor_label=f"{user} (service operator)",
            action=action,
            obj=obj,
            organisation=organisation,
            details=details,
        )


class AuditedAdmin(admin.ModelAdmin):
    """Mixed into every registered ModelAdmin: its history goes to the domain audit log as well."""

    def construct_change_message(self, request, form, formsets, add=False):
        setattr(request, _FIELDS_CHANGED, {} if add else fields_changed(form))
        return super().construct_change_message(request, form, formsets, add)

    def log_addition(self, request, obj, message):
        admin_audit(request, obj, "admin.add", {"message": _message_text(message)})
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        details = {"message": _message_text(message), "fields": getattr(request, _FIELDS_CHANGED, {})}
        admin_audit(request, obj, "admin.change", details)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            admin_audit(request, obj, "admin.delete", {"message": "Deleted."})
        return super().log_deletions(request, queryset)


class AuditedAdminSite(admin.AdminSite):
    """The admin site, every ModelAdmin of which is audited (``AuditedAdmin`` is mixed in)."""

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AuditedAdmin):
            admin_class = type(
                admin_class.__name__, (AuditedAdmin, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)
