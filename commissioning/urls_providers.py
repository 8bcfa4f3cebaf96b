from django.urls import path

from commissioning import views_providers as views

app_name = "providers"
urlpatterns = [
    path("", views.provider_list, name="list"),
    path("<int:provider_id>/", views.provider_detail, name="detail"),
    path("<int:provider_id>/address/", views.provider_address, name="address"),
]
