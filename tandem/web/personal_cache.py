"""The cache of entries that name people (the overview's staff part, whose reminders panel
names the pairs' members; a staff member's own part as a teacher — card, pairs and steps
as shown, one entry per user, ``home.selectors.own_key``): a cache of their own, the
alias :data:`ALIAS` (``settings.CACHES``; production: its own table of the database,
``settings.PERSONAL_CACHE_TABLE``), apart from the monitoring dashboards' (``default``).

Why apart: in a table (``DatabaseCache``) an entry stays — expired or not — until the
table outgrows ``MAX_ENTRIES``, and then Django deletes the third with the **smallest
keys** (``DatabaseCache._cull`` orders by key): in one table the dashboards' entries
(``:1:monitoring:…``) sort before these (``:1:people:…``) and went first whenever a
thousand curators' own entries filled it. In a table of their own, these cull only one
another.

Every such entry's key is under one prefix (:func:`personal_key`), and the anonymisation
of a person (``people/personal_data.py``, 152-ФЗ) deletes them all
(:func:`forget_personal`) — they are computed again at the next view, from anonymised
data.

Entries that are not computed again — kept for one user about one thing that names
people (a map's deleted row for «Вернуть строку», maps/undo.py) — are under another
prefix, with the thing's id in the clear (:func:`kept_key`): an anonymisation deletes
only those of the things that name the person (:func:`forget_kept`, called by the
app's anonymiser), and everyone else's stay (it used to delete them all)."""

import hashlib
from collections.abc import Iterable
from typing import Any

from django.core.cache import BaseCache, caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connections, router

PREFIX = "people:"
# Entries kept about one thing (:func:`kept_key`), not under PREFIX; a full table culls
# the smallest keys first, so this sorts after PREFIX: entries computed again go before
# a row someone may still put back.
KEPT = "retained:"
ALIAS = "personal"
# Where such entries may also be: the shared cache, where they were kept before they had
# their own (and where a process still running that code puts them until it restarts).
FORMER = "default"


def personal_cache() -> BaseCache:
    """The cache of the entries that name people (their keys: :func:`personal_key`)."""
    return caches[ALIAS]


def personal_key(kind: str, raw: str) -> str:
    """The key of an entry of ``kind`` that names people: under :data:`PREFIX`."""
    return f"{PREFIX}{kind}:" + hashlib.sha256(raw.encode()).hexdigest()


def kept_key(kind: str, of: int, raw: str) -> str:
    """The key of an entry of ``kind`` kept about thing ``of`` (its id; ``raw``: whose and
    what else, hashed), which :func:`forget_kept` finds by ``of``."""
    return f"{KEPT}{kind}:{of}:" + hashlib.sha256(raw.encode()).hexdigest()


def forget_personal(aliases: tuple[str, ...] = (ALIAS, FORMER)) -> int:
    """Deletes every entry under :data:`PREFIX` from these caches (the personal one, and
    the shared one they were kept in before): the rows of a database cache (one statement
    each, in the caller's transaction), the keys of this process's memory cache. Other
    backends (Redis, memcached) drop an entry themselves when its time is up
    (``CACHE_SECONDS``). Returns how many went (-1: not known)."""
    counts = [_forget(alias, [PREFIX]) for alias in dict.fromkeys(aliases)]
    return -1 if -1 in counts else sum(counts)


def forget_kept(kind: str, ids: Iterable[int]) -> int:
    """Deletes the entries of ``kind`` kept about these things (:func:`kept_key`) from the
    personal cache, as :func:`forget_personal` does (one statement). Returns how many."""
    prefixes = [f"{KEPT}{kind}:{pk}:" for pk in sorted(set(ids))]
    return _forget(ALIAS, prefixes) if prefixes else 0


def _forget(alias: str, prefixes: list[str]) -> int:
    backend = caches[alias]
    made = [backend.make_key(prefix) for prefix in prefixes]
    if isinstance(backend, BaseDatabaseCache):
        db = router.db_for_write(backend.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(backend.cache_model_class._meta.db_table)
        # By the key's first characters, not LIKE: a prefix may hold «_» or «%».
        where = " OR ".join(["SUBSTR(cache_key, 1, %s) = %s"] * len(made))
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE {where}",  # noqa: S608
                           [x for prefix in made for x in (len(prefix), prefix)])
            return int(cursor.rowcount)
    if isinstance(backend, LocMemCache):
        # Its own lock and dict (Django's LocMemCache has no delete by prefix).
        memory: Any = backend
        starts = tuple(made)
        with memory._lock:
            keys = [key for key in memory._cache if key.startswith(starts)]
            for key in keys:
                memory._delete(key)
        return len(keys)
    return -1
