from django.urls import path

from tandem.resources import views

app_name = "resources"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("new/", views.edit, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
]
