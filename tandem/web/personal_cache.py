"""Entries of the shared cache that name people (the overview's reminders panel: the
pairs' members by name; a staff member's own part as a teacher — card, pairs and steps
as shown, one entry per user, ``home.selectors.own_key``). Production keeps the cache
in a table of the database (``DatabaseCache``, ``settings.CACHE_TABLE``), where an entry
stays — expired or not — until the table outgrows ``MAX_ENTRIES``: a moved data version
makes the entry unread, not gone. Such entries are therefore kept under one prefix
(:func:`personal_key`), and the anonymisation of a person (``people/personal_data.py``,
152-ФЗ) deletes them all (:func:`forget_personal`) — they are computed again at the next
view, from anonymised data."""

import hashlib
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connections, router

PREFIX = "people:"


def personal_key(kind: str, raw: str) -> str:
    """The key of an entry of ``kind`` that names people: under :data:`PREFIX`."""
    return f"{PREFIX}{kind}:" + hashlib.sha256(raw.encode()).hexdigest()


def forget_personal(alias: str = "default") -> int:
    """Deletes every entry under :data:`PREFIX` from the cache ``alias``: the rows of a
    database cache (one statement, in the caller's transaction), the keys of this
    process's memory cache. Other backends (Redis, memcached) drop an entry themselves
    when its time is up (``CACHE_SECONDS``). Returns how many went (-1: not known)."""
    backend = caches[alias]
    prefix = backend.make_key(PREFIX)
    if isinstance(backend, BaseDatabaseCache):
        db = router.db_for_write(backend.cache_model_class)
        connection = connections[db]
        table = connection.ops.quote_name(backend.cache_model_class._meta.db_table)
        with connection.cursor() as cursor:
            # By the key's first characters, not LIKE: a prefix may hold «_» or «%».
            cursor.execute(f"DELETE FROM {table} WHERE SUBSTR(cache_key, 1, %s) = %s",  # noqa: S608
                           [len(prefix), prefix])
            return int(cursor.rowcount)
    if isinstance(backend, LocMemCache):
        # Its own lock and dict (Django's LocMemCache has no delete by prefix).
        memory: Any = backend
        with memory._lock:
            keys = [key for key in memory._cache if key.startswith(prefix)]
            for key in keys:
                memory._delete(key)
        return len(keys)
    return -1
