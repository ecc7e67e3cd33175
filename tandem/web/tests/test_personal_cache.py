"""The shared cache's entries that name people go, all of them, at an anonymisation
(tandem/web/personal_cache.py) — in a database cache and in the process's memory."""

import pytest
from django.core.cache import cache
from django.core.management import call_command

from tandem.web.personal_cache import PREFIX, forget_personal, personal_key


def _forgets_only_personal_entries() -> None:
    named = [personal_key("home", f"scope {i}") for i in range(3)]
    for key in named:
        cache.set(key, "Иванова И. И.", 120)
    cache.set("monitoring:abc", "figures", 120)
    cache.set("x" + PREFIX + "not-a-prefix", "kept", 120)
    assert all(key.startswith(PREFIX) for key in named)
    assert forget_personal() == 3
    assert all(cache.get(key) is None for key in named)
    assert cache.get("monitoring:abc") == "figures"
    assert cache.get("x" + PREFIX + "not-a-prefix") == "kept"
    assert forget_personal() == 0


def test_the_memory_cache() -> None:
    _forgets_only_personal_entries()


@pytest.mark.django_db
def test_the_database_cache(settings: object) -> None:
    settings.CACHES = {"default": {  # type: ignore[attr-defined]
        "BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "tandem_cache",
        "KEY_PREFIX": "a_b%"}}  # LIKE's wildcards in the prefix: matched as they are
    call_command("createcachetable", verbosity=0)
    _forgets_only_personal_entries()
