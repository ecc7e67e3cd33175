from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tandem.access.scope import scope_for
from tandem.diagnostics.selectors import responses_mine
from tandem.directory.selectors import participant_get
from tandem.home.next_steps import next_steps
from tandem.home.selectors import staff_overview
from tandem.pairs.models import Pair
from tandem.pairs.selectors import pairs_visible
from tandem.web.panels import OWN, STAFF, in_order, panels_for


def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    context: dict[str, object] = {}
    staff_panels = []
    if scope.is_staff:
        # The figures and the panels kept by unit from the shared cache (their version:
        # three aggregates); the panels that are not — live.
        kept = staff_overview(scope=scope, request=request, today=timezone.localdate())
        context.update(kept.context)
        staff_panels = in_order(kept.panels, panels_for(request, scope, STAFF, by_unit=False))
    if scope.own_participant_id:
        me = participant_get(scope=scope, pk=scope.own_participant_id)
        context["me"] = me
        context["my_responses"] = list(responses_mine(scope=scope)[:5])
        context["next_steps"] = next_steps(scope=scope, today=timezone.localdate())
        context["my_pairs"] = list(pairs_visible(scope=scope).filter(
            Q(a=me) | Q(b=me)).exclude(
                status__in=[Pair.Status.ENDED_EARLY, Pair.Status.DECLINED])[:3])
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
