from django.urls import path

from tandem.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="index"),
    path("report/<slug:name>/", views.report, name="report"),
    path("reports/<int:pk>/", views.report_job, name="report_job"),
    path("reports/<int:pk>/file/", views.report_file, name="report_file"),
    path("chart/<slug:name>.<chartfmt:fmt>", views.chart, name="chart"),
]
