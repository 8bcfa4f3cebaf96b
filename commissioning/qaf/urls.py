"""QAF pages (namespace "qaf"). Every URL has rows in the permission matrix."""

from django.urls import path

from commissioning.qaf import views, views_actions, views_cqc, views_framework, views_portfolio

app_name = "qaf"
urlpatterns: list = [
    path("", views.tracker, name="tracker"),
    path("tracker.csv", views.tracker_csv, name="tracker-csv"),
    path("providers/<int:provider_id>/", views.provider_page, name="provider"),
    path("providers/<int:provider_id>/schedule/", views.schedule, name="schedule"),
    path("providers/<int:provider_id>/cqc/", views_cqc.cqc_record, name="cqc-record"),
    path("cqc/import/", views_cqc.cqc_import, name="cqc-import"),
    path("portfolio/", views_portfolio.portfolio, name="portfolio"),
    path("framework/", views_framework.framework, name="framework"),
    path("framework/standards.csv", views_framework.framework_csv, name="framework-csv"),
    path("assessments/<int:assessment_id>/", views.assessment_page, name="assessment"),
    path("assessments/<int:assessment_id>/start/", views.start, name="start"),
    path("assessments/<int:assessment_id>/ratings/", views.ratings, name="ratings"),
    path("assessments/<int:assessment_id>/delay/", views.delay, name="delay"),
    path("assessments/<int:assessment_id>/share/", views.share, name="share"),
    path("assessments/<int:assessment_id>/finalise/", views.finalise, name="finalise"),
    path("assessments/<int:assessment_id>/comments/", views.comment_add, name="comment-add"),
    path("comments/<int:comment_id>/respond/", views.comment_respond, name="comment-respond"),
    path("assessments/<int:assessment_id>/reassess/", views.reassess, name="reassess"),
    path("assessments/<int:assessment_id>/files/", views_actions.evidence_upload, name="evidence-upload"),
    path("assessments/<int:assessment_id>/report.pdf", views_actions.report_download, name="report"),
    path("assessments/<int:assessment_id>/actions/", views_actions.action_plan, name="actions"),
    path("assessments/<int:assessment_id>/actions/add/", views_actions.action_add, name="action-add"),
    path("actions/<int:action_id>/done/", views_actions.action_done, name="action-done"),
    path("actions/<int:action_id>/review/", views_actions.action_review, name="action-review"),
    path("files/<int:file_id>/", views_actions.file_download, name="file"),
]
