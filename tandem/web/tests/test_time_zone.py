"""Times are shown in the region's zone (TANDEM_TIME_ZONE, Tyumen's UTC+5 by default):
the middleware activates it for every request and lets it go afterwards."""

import datetime as dt

from django.conf import settings as django_settings
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from tandem.web.middleware import TimeZoneMiddleware


def test_the_default_zone_is_tyumens() -> None:
    assert django_settings.TANDEM_TIME_ZONE == "Asia/Yekaterinburg"
    assert "tandem.web.middleware.TimeZoneMiddleware" in django_settings.MIDDLEWARE


def test_the_zone_is_active_during_a_request_only(settings: object) -> None:
    settings.TANDEM_TIME_ZONE = "Asia/Vladivostok"  # type: ignore[attr-defined]
    seen: list[str] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(timezone.get_current_timezone_name())
        moment = dt.datetime(2026, 12, 2, 5, 0, tzinfo=dt.UTC)
        return HttpResponse(timezone.localtime(moment).strftime("%H:%M"))

    response = TimeZoneMiddleware(view)(RequestFactory().get("/"))
    assert seen == ["Asia/Vladivostok"]
    assert response.content == b"15:00"  # UTC+10
    assert timezone.get_current_timezone_name() == django_settings.TIME_ZONE
