"""Notice pages (namespace "notices", at /notices/). Every URL has rows in the permission matrix."""

from django.urls import path

from commissioning.notices import views, views_drafts, views_register, views_steps

app_name = "notices"
urlpatterns: list = [
    path("", views_register.register, name="register"),
    path("register.csv", views_register.register_csv, name="register-csv"),
    path("figures/", views_register.figures, name="figures"),
    path("settings/", views_drafts.settings_page, name="settings"),
    path("new/", views_drafts.notice_start, name="start"),
    path("contracts/<int:contract_id>/new/", views_drafts.notice_new, name="new"),
    path("<int:notice_id>/", views.detail, name="detail"),
    path("<int:notice_id>/edit/", views_drafts.edit, name="edit"),
    path("<int:notice_id>/evidence/", views_drafts.evidence, name="evidence"),
    path("<int:notice_id>/files/", views_drafts.file_add, name="file-add"),
    path("files/<int:file_id>/", views.file_download, name="file"),
    path("<int:notice_id>/issue/", views_drafts.issue, name="issue"),
    path("<int:notice_id>/letter.pdf", views.letter_download, name="letter"),
    path("<int:notice_id>/acknowledge/", views_steps.acknowledge, name="acknowledge"),
    path("<int:notice_id>/respond/", views_steps.respond, name="respond"),
    path("<int:notice_id>/extend/", views_steps.extend, name="extend"),
    path("<int:notice_id>/close/", views_steps.close, name="close"),
    path("<int:notice_id>/escalate/", views_steps.escalate, name="escalate"),
    path("<int:notice_id>/correct/", views_steps.correct, name="correct"),
]
