"""The page where a user issues or revokes their API key."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from tandem.api.errors import MESSAGES, body
from tandem.api.selectors import api_token_of
from tandem.api.services import api_token_issue, api_token_revoke


def token(request: HttpRequest) -> HttpResponse:
    """GET: the key's state. POST ``action=issue``: a new key, shown once on this answer;
    POST ``action=revoke``: no key."""
    user = request.user
    key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if api_token_revoke(user=user):  # type: ignore[arg-type]
                messages.success(request, _("Ключ API отозван."))
            return redirect("api:token")
        key = api_token_issue(user=user)  # type: ignore[arg-type]
    current = api_token_of(user=user)  # type: ignore[arg-type]
    return render(request, "api/token.html", {"token": current, "key": key})


@csrf_exempt  # answers 404 to every method; a POST with a cookie must not get CSRF's 403 page
def not_found(request: HttpRequest) -> JsonResponse:
    """A URL under ``/api/v1/`` that names no endpoint: 404 in the API's error shape."""
    ru, en = MESSAGES["not_found"]
    return JsonResponse(body(code="not_found", message_ru=ru, message_en=en), status=404,
                        json_dumps_params={"ensure_ascii": False})
