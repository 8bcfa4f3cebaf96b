"""ETags on lists: a BI tool polling results sends If-None-Match and gets 304 when nothing changed."""

from __future__ import annotations

import hashlib

from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.response import Response


class ETagMixin:
    """A strong ETag on successful GETs; If-None-Match → 304, no body.

    The ETag is a digest of the JSON sent, unless the view set one itself: a view that knows its
    answer's validator from cheap facts answers 304 before writing anything (``etag_matches``,
    ``not_modified``) and sets the ETag of the answers it does write.
    """

    def etag_matches(self, request, etag: str) -> bool:
        """Whether the request's If-None-Match names ``etag`` (or is ``*``)."""
        wanted = parse_etags(request.headers.get("If-None-Match", ""))
        return etag in wanted or "*" in wanted

    def not_modified(self, etag: str) -> Response:
        """The 304 answer for ``etag``."""
        response = Response(status=status.HTTP_304_NOT_MODIFIED)
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code not in (
            status.HTTP_200_OK,
            status.HTTP_304_NOT_MODIFIED,
        ):
            return response
        response["Cache-Control"] = "private, no-cache"
        if response.has_header("ETag"):  # set by the view, with the 304 decided already
            return response
        response.render()
        etag = f'"{hashlib.sha256(response.content).hexdigest()[:40]}"'
        response["ETag"] = etag
        if self.etag_matches(request, etag):
            return super().finalize_response(request, self.not_modified(etag), *args, **kwargs)
        return response
