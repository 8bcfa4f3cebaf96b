"""Organisation export pages (namespace "data-export", at /account/export/). Every URL has rows in
the permission matrix."""

from django.urls import path

from outcomes.organisation_export import views

app_name = "data-export"
urlpatterns: list = [
    path("", views.export_page, name="page"),
    path("status/", views.export_status, name="status"),
    path("new/", views.export_request, name="request"),
    path("<int:export_id>/download/", views.export_download, name="download"),
]
