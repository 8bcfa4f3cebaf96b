from django.urls import path

from outcomes.measure_pages import views as views

app_name = "outcomes"
urlpatterns = [
    path("", views.measure_list, name="measure-list"),
    path("<str:code>/", views.measure_detail, name="measure-detail"),
]
