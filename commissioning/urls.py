from django.urls import path

from commissioning import views

app_name = "commissioning"
urlpatterns = [
    path("", views.contract_list, name="contract-list"),
    path("new/", views.contract_create, name="contract-create"),
    path("retention/", views.retention, name="retention"),
    path("<int:contract_id>/", views.contract_detail, name="contract-detail"),
    path("<int:contract_id>/edit/", views.contract_edit, name="contract-edit"),
    path("<int:contract_id>/targets/new/", views.target_add, name="target-add"),
    path("<int:contract_id>/targets/<int:target_id>/", views.target_edit, name="target-edit"),
    path("<int:contract_id>/targets/<int:target_id>/end/", views.target_end, name="target-end"),
]
