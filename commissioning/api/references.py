"""How the QAF, notice and review-action endpoints name related things: people by name (never by
email address), contracts by id and reference with their API and page addresses, and filters shared
by those collections."""

from __future__ import annotations

import django_filters
from django import forms
from rest_framework import serializers

from accounts.api.links import link
from commissioning.models import Contract
from outcomes.measures import MEASURES


def person_name(user, label: str, *, fallback: str) -> str:
    """Who acted, for the API: the person's full name, else the stored label without its email
    address, else ``fallback`` (their organisation's name). Labels are ``str(user)``, which holds
    the address; the API never shows one."""
    if user is not None and getattr(user, "full_name", ""):
        return user.full_name
    name = (label or "").split("<", 1)[0].strip()
    if not name or "@" in name or name == "None":  # "None": str() of no user
        return fallback
    return name


class ContractLinkSerializer(serializers.Serializer):
    """A contract named by another object."""

    id = serializers.IntegerField(help_text="The contract's id.")
    reference = serializers.CharField(help_text="The contract reference.")
    title = serializers.CharField(help_text="The contract's name.")
    url = serializers.URLField(help_text="The contract in the API.")
    web_url = serializers.URLField(help_text="The contract's page in the web application.")


def contract_link(contract: Contract | None, request) -> dict | None:
    """``{id, reference, title, url, web_url}`` of a contract, or None."""
    if contract is None:
        return None
    return {
        "id": contract.pk,
        "reference": contract.reference,
        "title": contract.title,
        "url": link(request, "api:contracts-detail", contract.pk),
        "web_url": link(request, "commissioning:contract-detail", contract.pk),
    }


def _by_id(queryset, name: str, value: int):
    return queryset.filter(**{name: value})


MAX_ID = 2**63 - 1  # the largest id a database column holds; past it SQLite raises, not "no match"


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number from 1 (anything else is a 400 naming the filter)."""

    field_class = IdField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("method", _by_id)  # typed, so the schema says integer
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.NullBooleanField):
    """true or false; anything else is an error rather than silently no filter."""

    widget = forms.TextInput

    def to_python(self, value):
        text = str(value).strip().lower() if value is not None else ""
        if text == "":
            return None
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError("Use true or false.")

    def validate(self, value) -> None:
        pass


class YesNoFilter(django_filters.BooleanFilter):
    """``true`` or ``false`` (a plain boolean filter would ignore any other value; this is a 400)."""

    field_class = StrictBooleanField


class MeasureRefSerializer(serializers.Serializer):
    """A measure named by another object (a target, a result)."""

    code = serializers.CharField(help_text="The measure's code, e.g. INDEPENDENT_WITHIN.")
    name = serializers.CharField(help_text="The measure's name ('' for a code no longer in the library).")
    direction = serializers.CharField(help_text="higher or lower: which way is better.")
    url = serializers.URLField(help_text="The measure in the API.")


def measure_ref(code: str, request) -> dict:
    """``{code, name, direction, url}`` of a measure, for the objects that name one."""
    measure = MEASURES.get(code)
    return {
        "code": code,
        "name": measure.name if measure else "",
        "direction": measure.direction.value if measure else "",
        "url": link(request, "api:measures-detail", code),
    }
