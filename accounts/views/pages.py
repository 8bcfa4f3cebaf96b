"""Pages that belong to no organisation's data: the accessibility statement and the privacy notice."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/privacy.html",
        {
            "sign_in_days": settings.SIGN_IN_HISTORY_DAYS,
            "retention_default": settings.RETENTION_YEARS_DEFAULT,
        },
    )
