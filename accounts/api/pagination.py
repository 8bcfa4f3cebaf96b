"""Cursor paging: stable under inserts, so a system paging through results never skips or repeats."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """``?cursor=…`` from ``next``/``previous``; ``page_size`` up to 500 (default 50).

    Ordered by the view's ``ordering`` (a field or tuple ending in a unique one), else newest first.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"

    def get_ordering(self, request, queryset, view) -> tuple[str, ...]:
        ordering = getattr(view, "ordering", None)
        if ordering:
            return (ordering,) if isinstance(ordering, str) else tuple(ordering)
        return super().get_ordering(request, queryset, view)

    def paginate_queryset(self, queryset, request, view=None):
        # A cursor is opaque but only base64: one edited by hand must be refused, not crash.
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, ValidationError):
            raise NotFound(
                "The cursor is not one this list gave out. Start again from the first page and follow 'next'."
            ) from None
