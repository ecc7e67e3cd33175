from django.urls import path  # noqa: F401

app_name = "school"
urlpatterns: list[object] = []
