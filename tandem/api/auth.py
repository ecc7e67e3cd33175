"""Token authentication: ``Authorization: Token <key>`` (or ``Bearer <key>``)."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from tandem.accounts.models import User
from tandem.api.models import ApiToken
from tandem.api.selectors import api_token_for_key
from tandem.api.services import api_token_touch

INVALID_TOKEN = _("Ключ API неверен или отозван.")
INACTIVE_USER = _("Учётная запись отключена.")
# Writing last_used_at on every request would turn each read into a write.
TOUCH_EVERY = dt.timedelta(minutes=5)


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("token", "bearer")

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        key = parts[1].decode(errors="replace")
        token = api_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(INACTIVE_USER)
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
            api_token_touch(token=token, now=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return "Token"
