"""``/api/v1/…`` (the API), ``/api/schema/`` (OpenAPI), ``/api/docs/`` (Swagger UI served
from the sidecar package: no CDN), ``/api/token/`` (the user's key)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from tandem.api import api, views

app_name = "api"

router = SimpleRouter()
router.register("regions", api.RegionViewSet, basename="region")
router.register("municipalities", api.MunicipalityViewSet, basename="municipality")
router.register("organizations", api.OrganizationViewSet, basename="organization")
router.register("participants", api.ParticipantViewSet, basename="participant")
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("pairs", api.PairViewSet, basename="pair")
router.register("maps", api.MapViewSet, basename="map")
router.register("resources", api.ResourceViewSet, basename="resource")
router.register("monitoring/pairs", api.MonitoringPairViewSet, basename="monitoring-pair")

urlpatterns = [
    path("v1/monitoring/summary/", api.MonitoringSummaryView.as_view(),
         name="monitoring-summary"),
    path("v1/", include(router.urls)),
    path("v1/framework/", api.FrameworkView.as_view(), name="framework"),
    # The schema answers a token as well as a session (401 without either).
    path("schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    # A page for people: without a session, the log-in page as everywhere.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("token/", views.token, name="token"),
    # Any other /api/v1/…/ (an id like «0.5» the router's pattern does not take, a typo):
    # the JSON 404 of the API rather than the HTML page. Only paths ending in «/», so
    # APPEND_SLASH still redirects «/api/v1/regions» to «/api/v1/regions/».
    re_path(r"^v1/(?:.*/)?$", login_not_required(views.not_found), name="not-found"),
]
