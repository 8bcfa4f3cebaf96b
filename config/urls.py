"""URL map: every page below has a row in tests/test_permission_matrix.py."""

from django.contrib import admin
from django.urls import include, path

from accounts.views import pages
from config.health import health
from outcomes.home import views as home_views

urlpatterns = [
    path("", home_views.home, name="home"),
    path("accessibility/", pages.accessibility, name="accessibility"),
    path("privacy/", pages.privacy, name="privacy"),
    path("help/", include("accounts.help.urls")),
    path("health/", health, name="health"),
    path("account/export/", include("outcomes.organisation_export.urls")),
    path("account/", include("accounts.urls")),
    path("providers/", include("commissioning.urls_providers")),
    path("contracts/", include("commissioning.urls")),
    path("measures/", include("outcomes.measure_pages.urls")),
    path("returns/", include("outcomes.returns.urls")),
    path("results/", include("outcomes.results.urls")),
    path("qaf/", include("commissioning.qaf.urls")),
    path("notices/suggestions/", include("outcomes.notice_suggestions.urls")),
    path("notices/", include("commissioning.notices.urls")),
    path("reviews/", include("outcomes.reviews.urls")),
    path("portfolio/", include("outcomes.portfolio.urls")),
    path("api/v1/", include("config.api_urls")),
    path("admin/", admin.site.urls),
]

handler400 = "accounts.views.errors.bad_request"
handler403 = "accounts.views.errors.permission_denied"
handler404 = "accounts.views.errors.page_not_found"
handler500 = "accounts.views.errors.server_error"
