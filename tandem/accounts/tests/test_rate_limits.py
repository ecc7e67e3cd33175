"""Rate limits: the password-reset form (per client address and per e-mail) and the API
(per address without a key, per user with one), with small rates set for the test."""

import copy
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from tandem.testing import World


def _rates(**rates: str) -> dict[str, object]:
    conf: dict[str, object] = dict(copy.deepcopy(settings.REST_FRAMEWORK))
    conf["DEFAULT_THROTTLE_RATES"] = {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates}  # type: ignore[dict-item]
    return conf


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def test_reset_letters_per_email_are_limited(client: Client, world: World) -> None:
    with override_settings(REST_FRAMEWORK=_rates(password_reset_email="2/hour")):
        answers = [client.post(reverse("password_reset"), {"email": "Bob@example.org"},
                               REMOTE_ADDR=f"10.0.0.{i}") for i in range(20)]
    assert [a.status_code for a in answers] == [302, 302] + [429] * 18
    assert len(mail.outbox) == 2
    html = answers[-1].content.decode()
    assert "Слишком много запросов на восстановление пароля" in html
    assert "Повторите через" in html


def test_reset_requests_per_address_are_limited(client: Client, world: World) -> None:
    with override_settings(REST_FRAMEWORK=_rates(password_reset="3/hour")):
        codes = [client.post(reverse("password_reset"), {"email": f"x{i}@example.org"}).status_code
                 for i in range(5)]
        other = client.post(reverse("password_reset"), {"email": "bob@example.org"},
                            REMOTE_ADDR="10.9.9.9")
    assert codes == [302, 302, 302, 429, 429]
    assert other.status_code == 302 and len(mail.outbox) == 1  # another address is not locked


def test_api_throttles_users(client: Client, world: World) -> None:
    """Per user, whichever way they authenticate. (A request without a key is refused
    with 401 before any work — DRF authenticates before it throttles; the anonymous rate
    covers endpoints open without a key.)"""
    url = "/api/v1/organizations/"
    with override_settings(REST_FRAMEWORK=_rates(user="4/minute")):
        client.force_login(world.alice)
        user = [client.get(url) for _ in range(5)]
        client.force_login(world.olga)
        other = client.get(url)
    assert [r.status_code for r in user] == [200] * 4 + [429]
    assert other.status_code == 200
    error = user[-1].json()["error"]
    assert error["code"] == "throttled"
    assert "Слишком много запросов" in error["message_ru"]
    assert "Retry-After" in user[-1].headers


def test_production_counts_in_a_shared_cache() -> None:
    """Several app server processes must share the counters: the database cache."""
    import os
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "import django, os; django.setup(); from django.conf import "
         "settings; print(settings.CACHES['default']['BACKEND'])"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tandem.settings", "TANDEM_MODE": "production",
             "TANDEM_SECRET_KEY": "x" * 60, "TANDEM_ALLOWED_HOSTS": "example.org",
             "DATABASE_URL": "sqlite:////tmp/none.sqlite3"},
        capture_output=True, text=True, check=False)
    assert "DatabaseCache" in out.stdout, out.stderr[-2000:]
