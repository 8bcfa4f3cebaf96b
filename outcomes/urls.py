from django.urls import path

from outcomes.views import measures as views

app_name = "outcomes"
urlpatterns = [
    path("", views.measure_list, name="measure-list"),
    path("<str:code>/", views.measure_detail, name="measure-detail"),
]
