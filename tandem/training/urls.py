from django.urls import path  # noqa: F401

app_name = "training"
urlpatterns: list[object] = []
