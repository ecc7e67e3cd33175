from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tandem.access.scope import scope_for
from tandem.people.selectors import participant_get
from tandem.web.selectors import dashboard_context


def dashboard(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    context = dashboard_context(scope=scope)
    if scope.own_participant_id:
        context["me"] = participant_get(scope=scope, pk=scope.own_participant_id)
    return render(request, "web/dashboard.html", context)


@login_not_required
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and uptime checks: answers without touching the session."""
    return HttpResponse("ok", content_type="text/plain")
