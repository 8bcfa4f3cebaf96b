"""Cursor paging: stable under inserts, so a system paging through results never skips or repeats."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from accounts.api.renderers import RenderedJSON


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

    def rendered_page(self, results: str) -> RenderedJSON:
        """The page as ``get_paginated_response`` would send it, for a ``results`` array already
        written as JSON text: the same keys in the same order, written as DRF's renderer writes them."""
        links = [
            json.dumps(link, ensure_ascii=False).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
            for link in (self.get_next_link(), self.get_previous_link())
        ]
        return RenderedJSON(f'{{"next":{links[0]},"previous":{links[1]},"results":{results}}}'.encode())
