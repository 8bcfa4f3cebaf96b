from django.urls import path

from outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("", views.measure_list, name="measure-list"),
    path("<str:code>/", views.measure_detail, name="measure-detail"),
]
