from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("tandem.home.urls")),
    path("accounts/", include("tandem.accounts.urls")),
    path("organizations/", include("tandem.directory.units_urls")),
    path("participants/", include("tandem.directory.people_urls")),
    path("audit/", include("tandem.audit.urls")),
    path("diagnostics/", include("tandem.diagnostics.urls")),
    path("resources/", include("tandem.resources.urls")),
    path("pairs/", include("tandem.pairs.urls")),
    path("maps/", include("tandem.maps.urls")),
    path("roster/", include("tandem.roster.urls")),
    path("api/", include("tandem.api.urls")),
    path("surveys/", include("tandem.surveys.urls")),
    path("reminders/", include("tandem.reminders.urls")),
    path("notifications/", include("tandem.notifications.urls")),
    path("monitoring/", include("tandem.monitoring.urls")),
    path("programmes/", include("tandem.programmes.urls")),
    path("school/", include("tandem.school.urls")),
    path("training/", include("tandem.training.urls")),
    path("admin/", admin.site.urls),
]
