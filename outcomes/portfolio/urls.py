"""Portfolio pages (namespace "portfolio", at /portfolio/): the dashboard, fair benchmarking, trends,
exports and the scrutiny report. Every URL has rows in the permission matrix."""

from django.urls import path

from outcomes.portfolio import views_benchmarks, views_dashboard, views_exports, views_spc

app_name = "portfolio"
urlpatterns: list = [
    path("", views_dashboard.dashboard, name="dashboard"),
    path("matrix.csv", views_dashboard.matrix_csv, name="matrix-csv"),
    path("matrix.xlsx", views_dashboard.matrix_xlsx, name="matrix-xlsx"),
    path("benchmarks/", views_benchmarks.benchmarks, name="benchmarks"),
    path("contracts/<int:contract_id>/targets/<int:target_id>/trend/", views_benchmarks.trend, name="trend"),
    path(
        "contracts/<int:contract_id>/targets/<int:target_id>/spc-baseline/",
        views_spc.spc_baseline,
        name="spc-baseline",
    ),
    path("exports/results.csv", views_exports.results_csv, name="results-csv"),
    path("exports/results.xlsx", views_exports.results_xlsx, name="results-xlsx"),
    path("exports/notices.xlsx", views_exports.notices_xlsx, name="notices-xlsx"),
    path("exports/qaf-tracker.xlsx", views_exports.qaf_tracker_xlsx, name="qaf-tracker-xlsx"),
    path("scrutiny/", views_exports.scrutiny, name="scrutiny"),
    path("scrutiny.pdf", views_exports.scrutiny_pdf, name="scrutiny-pdf"),
]
