"""Suggested notices (namespace "suggestions", at /notices/suggestions/). Every URL has rows in the
permission matrix."""

from django.urls import path

from outcomes.notice_suggestions import views

app_name = "suggestions"
urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("dismiss/", views.suggestions_dismiss, name="dismiss-selected"),
    path("<int:suggestion_id>/draft/", views.suggestion_draft, name="draft"),
    path("<int:suggestion_id>/dismiss/", views.suggestion_dismiss, name="dismiss"),
    path("<int:suggestion_id>/note/", views.suggestion_note, name="note"),
]
