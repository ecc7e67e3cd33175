"""API tokens: one per user, stored as a hash, shown to its owner once."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# What a key starts with, so a leaked key is recognisable (in logs, in a secret scanner).
KEY_PREFIX = "tdm_"


def key_hash(key: str) -> str:
    # A key is 32 random bytes, not a password: a fast hash is enough, and lets the
    # lookup be one indexed query per request.
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """A user's key for the REST API. It acts as the user: same roles, same scope."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="api_token", verbose_name=_("пользователь"))
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the key, to tell keys apart on the page without keeping it.
    hint = models.CharField(_("начало ключа"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("последнее использование"), null=True, blank=True)

    class Meta:
        verbose_name = _("ключ API")
        verbose_name_plural = _("ключи API")

    def __str__(self) -> str:
        return f"{self.hint}… ({self.user})"
