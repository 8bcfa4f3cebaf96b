"""Reads about providers, scoped to what the acting organisation may see."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from accounts.access import Acting, Capability
from providers.models import Provider


def provider_list_for(acting: Acting) -> QuerySet[Provider]:
    """Providers visible to the acting organisation: all of them for commissioners, itself for a provider."""
    providers = Provider.objects.annotate(member_count=Count("memberships")).order_by("name")
    if acting.is_commissioner and acting.can(Capability.VIEW_PORTFOLIO):
        return providers
    if acting.is_provider:
        return providers.filter(pk=acting.organisation.pk)
    return providers.none()


def provider_get_for(acting: Acting, provider_id: int) -> Provider:
    """One provider the acting organisation may see; 404 otherwise."""
    return get_object_or_404(provider_list_for(acting), pk=provider_id)


def provider_rating_counts(providers: QuerySet[Provider]) -> list[tuple[str, str, int]]:
    """(rating value, label, count) for each CQC rating, in the order of the scale."""
    from providers.models import CqcRating

    counts = dict(providers.order_by().values_list("cqc_rating").annotate(n=Count("pk")))
    return [(value, label, counts.get(value, 0)) for value, label in CqcRating.choices]
