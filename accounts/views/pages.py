"""Pages that belong to no organisation's data: the accessibility statement."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")
