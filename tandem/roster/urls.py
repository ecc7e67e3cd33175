from django.urls import path, register_converter

from tandem.roster import views


class FileFormat:
    regex = "xlsx|csv"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FileFormat, "rosterfmt")

app_name = "roster"
urlpatterns = [
    path("", views.roster_import, name="import"),
    path("template.xlsx", views.roster_template, name="template"),
    path("export.<rosterfmt:fmt>", views.roster_export, name="export"),
    path("<int:pk>/", views.roster_preview, name="preview"),
    path("<int:pk>/progress/", views.roster_progress, name="progress"),
    path("<int:pk>/commit/", views.roster_commit, name="commit"),
]
