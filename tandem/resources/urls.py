from django.urls import path

from tandem.resources import views

app_name = "resources"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("new/", views.edit, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:upload_pk>/commit/", views.import_commit, name="import_commit"),
    path("import/template.xlsx", views.import_template, name="import_template"),
]
