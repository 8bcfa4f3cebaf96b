"""Template filters for figures: numbers as people read them (``outcomes.measures.rating``)."""

from __future__ import annotations

from django import template

from outcomes.measures import rating

register = template.Library()
register.filter("plain_number", rating.plain_number)
