from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from tandem.access.scope import scope_for


class TimeZoneMiddleware:
    """Shows times in the zone of the signed-in user's region (``Region.time_zone``;
    Tyumen's UTC+5 in the demo), never in UTC: activates it for the request, so
    templates, forms, ``localtime`` and ``localdate`` agree. Anonymous visitors and users
    with no region (the federal operator, a superuser) get the installation's
    ``TANDEM_TIME_ZONE``.

    The zone is read with the user's scope (``scope_for``, cached on the user), which
    every page asks for anyway: no query of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.activate(scope_for(request.user).zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
