"""JSON written before the renderer runs (by PostgreSQL, for the result list), sent as it is through
DRF's content negotiation, headers and status codes; anything else is rendered as usual."""

from __future__ import annotations

from rest_framework import renderers


class RenderedJSON(bytes):
    """A JSON body already written, byte for byte what ``JSONRenderer`` would give for its data."""


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer (same media type and format), passing ``RenderedJSON`` through unchanged."""

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, RenderedJSON):
            return bytes(data)
        return super().render(data, accepted_media_type, renderer_context)
