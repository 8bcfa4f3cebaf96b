from django.urls import path

from providers import views

app_name = "providers"
urlpatterns = [
    path("", views.provider_list, name="list"),
    path("<int:provider_id>/", views.provider_detail, name="detail"),
]
