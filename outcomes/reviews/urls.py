"""Quarterly review pages (namespace "reviews", at /reviews/). Every URL has rows in the permission matrix."""

from django.urls import path

from outcomes.reviews import views_meetings, views_packs, views_record

app_name = "reviews"
urlpatterns: list = [
    path("", views_meetings.meeting_list, name="list"),
    path("new/", views_meetings.meeting_new, name="new"),
    path("<int:meeting_id>/", views_meetings.meeting_detail, name="detail"),
    path("<int:meeting_id>/edit/", views_meetings.meeting_edit, name="edit"),
    path("<int:meeting_id>/cancel/", views_meetings.meeting_cancel, name="cancel"),
    path("<int:meeting_id>/attendees/", views_meetings.attendee_add, name="attendee-add"),
    path("attendees/<int:attendee_id>/remove/", views_meetings.attendee_remove, name="attendee-remove"),
    path("<int:meeting_id>/commentary/", views_meetings.commentary, name="commentary"),
    path("<int:meeting_id>/record/", views_record.meeting_record, name="record"),
    path("<int:meeting_id>/overrides/", views_record.override_agree, name="override"),
    path("<int:meeting_id>/actions/", views_record.action_add, name="action-add"),
    path("actions/", views_record.action_tracker, name="actions"),
    path("actions.csv", views_record.action_tracker_csv, name="actions-csv"),
    path("actions/<int:action_id>/update/", views_record.action_update, name="action-update"),
    path("<int:meeting_id>/packs/", views_packs.pack_request, name="pack-request"),
    path("packs/<int:pack_id>/", views_packs.pack_page, name="pack"),
    path("packs/<int:pack_id>/pack.pdf", views_packs.pack_pdf, name="pack-pdf"),
    path("packs/<int:pack_id>/status/", views_packs.pack_status, name="pack-status"),
    path("packs/<int:pack_id>/issue/", views_packs.pack_issue, name="pack-issue"),
]
