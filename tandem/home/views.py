from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tandem.access.scope import scope_for
from tandem.home.selectors import overview, own_context
from tandem.web.panels import OWN, STAFF, in_order, panels_for


def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    # The staff figures and panels kept by unit, and a staff member's own part as a
    # teacher kept per user, from the shared cache (home.selectors.overview); a teacher's
    # own part and the panels that are not kept — live.
    kept = overview(scope=scope, request=request, today=timezone.localdate())
    context: dict[str, object] = dict(kept.context)
    if scope.own_participant_id and "me" not in context:  # a teacher's: computed
        context.update(own_context(scope=scope, today=timezone.localdate()))
    staff_panels = []
    if scope.is_staff:
        staff_panels = in_order(kept.panels, panels_for(request, scope, STAFF, by_unit=False))
    context["staff_panels"] = staff_panels
    context["own_panels"] = (panels_for(request, scope, OWN) if scope.own_participant_id
                             else [])
    return render(request, "home/dashboard.html", context)


@login_not_required
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and uptime checks: 200 when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable", content_type="text/plain", status=503)
    return HttpResponse("ok", content_type="text/plain")
