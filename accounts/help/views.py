"""The help pages: open to everyone, signed in or not, since they hold no organisation's data."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since

from accounts.help.guides import (
    GROUPS,
    IMAGE_TYPES,
    guide_get,
    guide_list,
    image_path,
    rendered,
    start_with,
    summary,
)

IMAGE_CACHE_SECONDS = 24 * 60 * 60  # a screenshot replaced under the same name shows within a day


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    guides = guide_list()
    groups = [
        {
            "label": label,
            "guides": [
                {"slug": guide.slug, "title": rendered(guide).title, "summary": summary(guide)}
                for guide in guides
                if guide.group == group
            ],
        }
        for group, label in GROUPS.items()
    ]
    acting = getattr(request, "acting", None)
    yours = []
    if acting is not None and acting.user is not None:
        membership = acting.membership
        yours = [
            {"slug": slug, "title": rendered(guide_get(slug)).title}
            for slug in start_with(acting.is_provider, membership.role, membership.is_admin)
        ]
    return render(
        request,
        "accounts/help/index.html",
        {"groups": [group for group in groups if group["guides"]], "yours": yours},
    )


@require_safe
def guide(request: HttpRequest, slug: str) -> HttpResponse:
    found = guide_get(slug)
    if found is None:
        raise Http404("There is no guide at this address.")
    return render(request, "accounts/help/guide.html", {"guide": rendered(found)})


@require_safe
def image(request: HttpRequest, name: str) -> HttpResponse:
    """A screenshot of the guides' images folder; anything else is not found."""
    path = image_path(name)
    if path is None:
        raise Http404("There is no image at this address.")
    modified = path.stat().st_mtime
    if not was_modified_since(request.headers.get("If-Modified-Since"), int(modified)):
        return HttpResponseNotModified()
    response = FileResponse(path.open("rb"), content_type=IMAGE_TYPES[path.suffix.lower()])
    response.headers["Last-Modified"] = http_date(modified)
    response.headers["Cache-Control"] = f"public, max-age={IMAGE_CACHE_SECONDS}"
    return response
