"""The page where a user issues or revokes their API key."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tandem.api.models import ApiToken
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
    current = ApiToken.objects.filter(user=user).first()  # type: ignore[misc]
    return render(request, "api/token.html", {"token": current, "key": key})
