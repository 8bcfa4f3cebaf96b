"""Reads about providers, scoped to what the acting organisation may see."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import Acting, Capability
from providers.models import CqcRating, Provider


def provider_visible_to(acting: Acting) -> QuerySet[Provider]:
    """Providers the acting organisation may see: all of them for commissioners, itself for a provider."""
    if acting.is_commissioner and acting.can(Capability.VIEW_PORTFOLIO):
        return Provider.objects.all()
    if acting.is_provider:
        return Provider.objects.filter(pk=acting.organisation.pk)
    return Provider.objects.none()


def provider_list_for(acting: Acting) -> QuerySet[Provider]:
    """The visible providers by name, with how many people each has signed up."""
    return provider_visible_to(acting).annotate(member_count=Count("memberships")).order_by("name")


def provider_get_for(acting: Acting, provider_id: int) -> Provider:
    """One provider the acting organisation may see; 404 otherwise."""
    return get_object_or_404(provider_list_for(acting), pk=provider_id)


def provider_rating_counts(acting: Acting) -> list[tuple[str, str, int]]:
    """(rating value, label, count) of the visible providers for each CQC rating, in the scale's order."""
    visible = provider_visible_to(acting).order_by()
    counts = dict(visible.values_list("cqc_rating").annotate(n=Count("pk")))
    return [(value, label, counts.get(value, 0)) for value, label in CqcRating.choices]
