"""Compliance result pages (namespace "results"). Every URL has rows in the permission matrix."""

from django.urls import path

from outcomes.results import views as views

app_name = "results"
urlpatterns: list = [
    path("contracts/<int:contract_id>/", views.scorecard, name="scorecard"),
    path("contracts/<int:contract_id>/recompute/", views.recompute, name="recompute"),
    path("recomputes/<int:run_id>/", views.recompute_status, name="recompute-status"),
    path("<int:result_id>/", views.result_detail, name="detail"),
    path("<int:result_id>/override/", views.result_override, name="override"),
]
