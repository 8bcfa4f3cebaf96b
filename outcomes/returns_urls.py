"""Monthly return pages (namespace "returns"). Every URL has rows in the permission matrix."""

from django.urls import path

app_name = "returns"
urlpatterns: list = []
