import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from tandem.web.middleware import ClientAddressMiddleware


def _seen(settings: object, proxies: int, **meta: str) -> str:
    settings.TANDEM_PROXY_COUNT = proxies  # type: ignore[attr-defined]
    seen: dict[str, str] = {}

    def view(request: HttpRequest) -> HttpResponse:
        seen["addr"] = request.META["REMOTE_ADDR"]
        assert "HTTP_X_FORWARDED_FOR" not in request.META
        return HttpResponse()

    request = RequestFactory().get("/")
    request.META.update(meta)
    ClientAddressMiddleware(view)(request)
    return seen["addr"]


def test_without_proxies_a_forged_header_is_ignored(settings: object) -> None:
    assert _seen(settings, 0, REMOTE_ADDR="203.0.113.5",
                 HTTP_X_FORWARDED_FOR="198.51.100.1") == "203.0.113.5"


@pytest.mark.parametrize(("proxies", "header", "expected"), [
    (1, "203.0.113.7", "203.0.113.7"),
    # The client wrote a fake first entry; nginx appended the real one.
    (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),
    (2, "198.51.100.1, 203.0.113.7, 10.1.1.1", "203.0.113.7"),
    # Fewer entries than proxies: keep the socket's address.
    (2, "203.0.113.7", "127.0.0.1"),
    # Ports and brackets are dropped; what is not an address is ignored.
    (1, "203.0.113.7:5555", "203.0.113.7"),
    (1, "[2001:db8::1]:443", "2001:db8::1"),
    (1, "not-an-ip", "127.0.0.1"),
])
def test_behind_proxies_the_right_hop_is_the_client(settings: object, proxies: int,
                                                    header: str, expected: str) -> None:
    assert _seen(settings, proxies, REMOTE_ADDR="127.0.0.1",
                 HTTP_X_FORWARDED_FOR=header) == expected
