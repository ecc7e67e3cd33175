from django.urls import path

from tandem.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="index"),
    path("report/<slug:name>/", views.report, name="report"),
    path("chart/<slug:name>.<chartfmt:fmt>", views.chart, name="chart"),
]
