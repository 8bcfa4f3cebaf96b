from django.urls import path

from accounts.help import views

app_name = "help"
urlpatterns = [
    path("", views.index, name="index"),
    path("images/<str:name>", views.image, name="image"),
    path("<slug:slug>/", views.guide, name="guide"),
]
