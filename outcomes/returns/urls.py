"""Monthly return pages (namespace "returns"). Every URL has rows in the permission matrix."""

from django.urls import path

from outcomes.returns import views as views

app_name = "returns"
urlpatterns: list = [
    path("", views.return_list, name="list"),
    path("guide/", views.guide, name="guide"),
    path("guide.pdf", views.guide_pdf, name="guide-pdf"),
    path("template.csv", views.template_csv, name="template-csv"),
    path("template.xlsx", views.template_xlsx, name="template-xlsx"),
    path("example.csv", views.example_csv, name="example-csv"),
    path("outstanding/", views.outstanding, name="outstanding"),
    path("outstanding.csv", views.outstanding_csv, name="outstanding-csv"),
    path("attempts/<int:attempt_id>/", views.attempt_detail, name="attempt"),
    path("attempts/<int:attempt_id>/status/", views.attempt_status, name="attempt-status"),
    path("attempts/<int:attempt_id>/report.csv", views.attempt_report_csv, name="attempt-report-csv"),
    path("attempts/<int:attempt_id>/file", views.attempt_file, name="attempt-file"),
    path("attempts/<int:attempt_id>/sign-off/", views.attempt_sign_off, name="attempt-sign-off"),
    path("attempts/<int:attempt_id>/check-again/", views.attempt_check_again, name="attempt-check-again"),
    path("<int:contract_id>/<str:period>/", views.return_month, name="month"),
    path("<int:contract_id>/<str:period>/nil/", views.return_nil, name="nil"),
    path("<int:contract_id>/<str:period>/edit/", views.return_edit, name="edit"),
    path("<int:contract_id>/<str:period>/last-month.xlsx", views.last_month_xlsx, name="last-month-xlsx"),
]
