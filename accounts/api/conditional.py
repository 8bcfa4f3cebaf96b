"""ETags on lists: a BI tool polling results sends If-None-Match and gets 304 when nothing changed."""

from __future__ import annotations

import hashlib

from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.response import Response


class ETagMixin:
    """A strong ETag (digest of the JSON sent) on successful GETs; If-None-Match → 304, no body."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") or response.status_code != status.HTTP_200_OK:
            return response
        response.render()
        etag = f'"{hashlib.sha256(response.content).hexdigest()[:40]}"'
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        wanted = parse_etags(request.headers.get("If-None-Match", ""))
        if etag in wanted or "*" in wanted:
            not_modified = Response(status=status.HTTP_304_NOT_MODIFIED)
            not_modified["ETag"] = etag
            not_modified["Cache-Control"] = "private, no-cache"
            return super().finalize_response(request, not_modified, *args, **kwargs)
        return response
