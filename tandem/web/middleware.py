import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ClientAddressMiddleware:
    """Puts the real client address into REMOTE_ADDR and drops X-Forwarded-For.

    Behind TANDEM_PROXY_COUNT trusted proxies the client is the address that many
    entries from the right of X-Forwarded-For; with no proxy the header is the client's
    own words and is ignored. Both the log-in throttle (django-axes) and the audit trail
    (django-auditlog) read the address; fixing it here, once, keeps them in agreement and
    stops a client from forging its address in either. Written by hand because it is ten
    lines and must run before both.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.proxies = settings.TANDEM_PROXY_COUNT

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forwarded = request.META.pop("HTTP_X_FORWARDED_FOR", "")
        if self.proxies:
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            if len(hops) >= self.proxies:
                address = _address(hops[-self.proxies])
                if address:
                    request.META["REMOTE_ADDR"] = address
        return self.get_response(request)


def _address(hop: str) -> str | None:
    """The IP address in an X-Forwarded-For entry, without a port; None if it is none."""
    if hop.startswith("["):  # [2001:db8::1]:443
        hop = hop[1:].split("]", 1)[0]
    elif hop.count(":") == 1:  # 203.0.113.7:5555
        hop = hop.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(hop))
    except ValueError:
        return None

