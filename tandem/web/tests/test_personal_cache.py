"""The cache entries that name people (tandem/web/personal_cache.py): a cache of their
own, so that a full table of them culls none of the monitoring dashboards' entries
(``DatabaseCache._cull`` deletes the smallest keys first: ``:1:monitoring:`` before
``:1:people:``), and all of them go at an anonymisation — in a database cache and in the
process's memory, and wherever the code before kept them (the shared cache)."""

import importlib
import os
import subprocess
import sys

import pytest
from django.core.cache import cache, caches
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from tandem.conftest import World
from tandem.web.personal_cache import (
    ALIAS,
    PREFIX,
    forget_kept,
    forget_personal,
    kept_key,
    personal_cache,
    personal_key,
)

TABLES = {"default": "tandem_cache", ALIAS: "tandem_cache_personal"}


def _database_caches(settings: object, *, max_entries: int = 300, prefix: str = "") -> None:
    settings.CACHES = {alias: {  # type: ignore[attr-defined]
        "BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": table,
        "KEY_PREFIX": prefix, "OPTIONS": {"MAX_ENTRIES": max_entries}}
        for alias, table in TABLES.items()}
    call_command("createcachetable", verbosity=0)


def _forgets_only_personal_entries() -> None:
    personal = personal_cache()
    named = [personal_key("home", f"scope {i}") for i in range(3)]
    for key in named:
        personal.set(key, "Иванова И. И.", 120)
    left = personal_key("home", "kept by the code before, in the shared cache")
    cache.set(left, "Петрова П. П.", 120)
    cache.set("monitoring:abc", "figures", 120)
    cache.set("x" + PREFIX + "not-a-prefix", "kept", 120)
    personal.set("x" + PREFIX + "not-a-prefix", "kept", 120)
    assert all(key.startswith(PREFIX) for key in named)
    assert forget_personal() == 4
    assert all(personal.get(key) is None for key in named)
    assert cache.get(left) is None
    assert cache.get("monitoring:abc") == "figures"
    assert cache.get("x" + PREFIX + "not-a-prefix") == "kept"
    assert personal.get("x" + PREFIX + "not-a-prefix") == "kept"
    assert forget_personal() == 0


def _forgets_only_the_things_kept_entries() -> None:
    """:func:`forget_kept` deletes the entries kept about the things named (1 and 3, not
    12 — whose id begins like 1 — nor 2), and :func:`forget_personal` none of them."""
    personal = personal_cache()
    keys = {of: kept_key("row", of, f"user {of}") for of in (1, 2, 3, 12)}
    for of, key in keys.items():
        personal.set(key, f"строка {of}", 120)
    personal.set(personal_key("row", "computed"), "Иванова И. И.", 120)
    assert forget_personal() == 1
    assert all(personal.get(key) is not None for key in keys.values())
    assert forget_kept("row", [3, 1, 1]) == 2
    assert [of for of, key in keys.items() if personal.get(key) is not None] == [2, 12]
    assert forget_kept("row", []) == 0


def test_the_memory_cache() -> None:
    _forgets_only_personal_entries()
    _forgets_only_the_things_kept_entries()


@pytest.mark.django_db
def test_the_database_cache(settings: object) -> None:
    _database_caches(settings, prefix="a_b%")  # LIKE's wildcards: matched as they are
    _forgets_only_personal_entries()
    _forgets_only_the_things_kept_entries()


@pytest.mark.django_db
def test_a_flood_of_personal_entries_culls_no_dashboard(settings: object) -> None:
    """A thousand curators' own entries: their table overflows and culls its own, the
    dashboards' table keeps its entry (in one table it went first: the smallest key)."""
    _database_caches(settings, max_entries=10)
    cache.set("monitoring:dashboard", "figures", 120)
    personal = personal_cache()
    for user in range(40):
        personal.set(personal_key("home-own", str(user)), f"curator {user}", 120)
    assert cache.get("monitoring:dashboard") == "figures"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {TABLES[ALIAS]}")  # noqa: S608
        assert cursor.fetchone()[0] <= 11


@pytest.mark.django_db
def test_the_overview_keeps_its_entries_in_the_personal_cache(
        client: Client, world: World) -> None:
    client.force_login(world.alice)  # a curator who teaches: staff part and own part
    assert client.get(reverse("dashboard")).status_code == 200
    mine = [key for key in caches[ALIAS]._cache  # type: ignore[attr-defined]
            if PREFIX in key]
    assert {key.split(":")[3] for key in mine} == {"home", "home-own"}
    assert not [key for key in caches["default"]._cache  # type: ignore[attr-defined]
                if PREFIX in key]


@pytest.mark.django_db
def test_the_migration_makes_the_table_on_a_database_migrated_before(
        settings: object) -> None:
    _database_caches(settings)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {TABLES[ALIAS]}")
    migration = importlib.import_module(
        "tandem.monitoring.migrations.0008_personal_cache_table")
    migration.create_cache_tables(None, connection.schema_editor())
    assert TABLES[ALIAS] in connection.introspection.table_names()
    personal_cache().set("people:x", 1, 30)
    assert personal_cache().get("people:x") == 1


def test_production_keeps_both_in_tables_of_their_own() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import "
         "settings as s; print(sorted((a, c['BACKEND'].rsplit('.', 1)[1], c['LOCATION']) "
         "for a, c in s.CACHES.items()))"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "tandem.settings",
             "TANDEM_DATABASE_CACHE": "1"},
        capture_output=True, text=True, check=False)
    assert out.stdout.strip() == str(sorted(
        (alias, "DatabaseCache", table) for alias, table in TABLES.items())), out.stderr[-2000:]


def test_a_full_table_culls_computed_entries_before_kept_ones() -> None:
    """Django's table cache culls the smallest keys first: a kept entry's key (a row to
    put back) sorts after every computed one's, which comes again at the next view."""
    from tandem.web.personal_cache import kept_key, personal_key

    assert personal_key("zzz", "x") < kept_key("aaa", 1, "x")
