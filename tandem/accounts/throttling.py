"""Rate limits (docs/security.md, «Ограничения частоты»): DRF's throttles, one mechanism
for the API and the password-reset form. The counters live in Django's default cache —
in production the database cache table (``TANDEM_DATABASE_CACHE``), shared by every app
server process — and the rates in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``."""

import hashlib
from typing import Any

from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class RateFromSettings:
    """DRF binds the rates when it is imported; this reads them at each request, so a
    changed setting (``override_settings`` in a test) takes effect."""

    scope: str

    def get_rate(self) -> str | None:
        rate: str | None = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return rate


class ResetByAddress(RateFromSettings, SimpleRateThrottle):
    """Password-reset requests from one client address."""

    scope = "password_reset"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ResetByEmail(RateFromSettings, SimpleRateThrottle):
    """Password-reset requests for one e-mail address, from anywhere (the key is a hash:
    the cache keeps no address)."""

    scope = "password_reset_email"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        email = str(request.POST.get("email", "")).strip().lower()
        if not email:
            return None
        ident = hashlib.sha256(email.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


def reset_wait(request: HttpRequest) -> int | None:
    """Counts one password-reset request; None if it may go on, else the seconds to wait."""
    waits = []
    for throttle in (ResetByAddress(), ResetByEmail()):
        if not throttle.allow_request(request, None):  # type: ignore[arg-type]
            waits.append(throttle.wait() or 60)
    return int(max(waits)) + 1 if waits else None
