"""The REST API under /api/v1/: every route has a row in tests/test_api_permission_matrix.py."""

from __future__ import annotations

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view, permission_classes, schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.routers import SimpleRouter

from accounts.api.access import Public
from accounts.api.views import MeView, problem_type

router = SimpleRouter()

# Endpoint modules register their viewsets here (imported below so the order is explicit).
from commissioning import api as commissioning_api  # noqa: E402
from outcomes.api import routes as outcomes_api  # noqa: E402

commissioning_api.register(router)
outcomes_api.register(router)


@api_view(["GET"])
@permission_classes([Public])
@schema(None)
def index(request):
    """The API's front door: where the schema, the docs and each collection are."""
    links = {
        "schema": reverse("api:schema", request=request),
        "docs": reverse("api:docs", request=request),
        "me": reverse("api:me", request=request),
    }
    for prefix, _viewset, basename in router.registry:
        links[prefix] = reverse(f"api:{basename}-list", request=request)
    return Response(links)


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE"])
@permission_classes([Public])
@schema(None)
def not_found(request, rest: str = ""):
    raise NotFound("There is no API address like this. GET /api/v1/ lists the collections.")


# The two API reference pages (no data of anyone's) draw with inline styles and a worker made from a
# blob; their scripts still come from this service only.
DOCS_CSP = csp_update({"style-src": [UNSAFE_INLINE], "img-src": ["data:"], "worker-src": ["blob:"]})

app_name = "api"
urlpatterns = [
    path("", index, name="index"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[Public]), name="schema"),
    path(
        "docs/",
        DOCS_CSP(SpectacularSwaggerSplitView.as_view(url_name="api:schema", permission_classes=[Public])),
        name="docs",
    ),
    path(
        "redoc/",
        DOCS_CSP(SpectacularRedocView.as_view(url_name="api:schema", permission_classes=[Public])),
        name="redoc",
    ),
    path("problems/<slug:slug>/", problem_type, name="problem-type"),
    path("me/", MeView.as_view(), name="me"),
    path("", include(router.urls)),
    re_path(r"^(?P<rest>.*)$", not_found, name="not-found"),
]
