from django.urls import path

from tandem.roster import views
from tandem.web.converters import register_choice

register_choice("rosterfmt", "xlsx", "csv")

app_name = "roster"
urlpatterns = [
    path("", views.roster_import, name="import"),
    path("template.xlsx", views.roster_template, name="template"),
    path("export.<rosterfmt:fmt>", views.roster_export, name="export"),
    path("exports/<int:pk>/", views.roster_export_job, name="export_job"),
    path("exports/<int:pk>/file/", views.roster_export_file, name="export_file"),
    path("<int:pk>/", views.roster_preview, name="preview"),
    path("<int:pk>/progress/", views.roster_progress, name="progress"),
    path("<int:pk>/commit/", views.roster_commit, name="commit"),
    path("<int:pk>/problems.csv", views.roster_problems, name="problems"),
]
