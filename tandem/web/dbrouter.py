"""Reports and exports read from a streaming replica, when one is configured.

Django's routers decide per model, not per page, and the same models serve the dashboard
(which must show what was just saved) and the reports (which may be a few seconds
behind). So the choice is explicit: code that only reads for a file wraps that reading in
``reading_from_replica()``, and inside it every read goes to the ``replica`` alias
(``DATABASE_REPLICA_URL``, docs/deploy.md «Размеры: одна машина, резерв и реплики»).
Writes always go to ``default``: a hot standby refuses them. Without the setting the
router is not installed and nothing changes.

A file made in the background must not read what the primary had already changed when
the job was taken — above all a name an anonymisation erased (tandem/web/exports.py):
the job notes the primary's WAL position then (:func:`primary_lsn`) and reads the
replica only once it has replayed that far (``reading_from_replica(fresh_as_of=…)``,
waiting at most ``REPLAY_WAIT_SECONDS``); a replica further behind is skipped and the
file read on the primary (an INFO line in the log).

A file a request answers with at once follows the same rule with the primary's position
at the request (:func:`reading_fresh_from_replica`): everything committed before it — the
user's own writes above all — is in the file (read-your-writes), as it is on the page the
user has just seen; the request waits for the replica at most
``REQUEST_REPLAY_WAIT_SECONDS``, then reads the primary.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections

REPLICA = "replica"
PRIMARY = "default"
# Read on the primary even inside the context: the shared cache table (a result computed
# from the replica is keyed by the replica's own data version, but the entry itself must
# be the one other servers see).
PRIMARY_ONLY_APPS = frozenset({"django_cache"})

# How long a background file waits for the replica to replay what the primary had when
# the job was taken, before it reads the primary instead.
REPLAY_WAIT_SECONDS = 5.0
# How long a request answering with a file at once waits for it (the user is waiting).
REQUEST_REPLAY_WAIT_SECONDS = 1.0
# A replica that could not be reached is not asked again by this process for this long:
# each try waits the connection's timeout, and an immediate report asks twice (whether
# the file is large, then its rows) — review finding. Reads stay on the primary meanwhile.
DOWN_SECONDS = 10.0
_down_until = 0.0  # time.monotonic() until which the replica counts as unreachable

logger = logging.getLogger(__name__)

_wanted: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def primary_lsn() -> str | None:
    """The primary's current WAL insert position (``pg_current_wal_insert_lsn()``) —
    every commit record so far is before it, written or not (with asynchronous commit the
    write position may still be before one; review finding) — when a replica is
    configured; None without one."""
    if not replica_configured():
        return None
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        return str(cursor.fetchone()[0])


def replayed(lsn: str, *, alias: str = REPLICA) -> bool:
    """The server ``alias`` has replayed the primary's WAL up to ``lsn``, or is no standby
    at all (``pg_is_in_recovery()`` false: it is a primary — the primary itself, in a test
    whose replica alias mirrors it). A standby that has replayed nothing yet (NULL), or
    that cannot be reached: no — the reads then stay on the primary (review finding: an
    unreachable replica failed the job); one that could not be reached in the last
    ``DOWN_SECONDS`` is not tried again (this process)."""
    global _down_until
    if alias == REPLICA and time.monotonic() < _down_until:
        return False
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT NOT pg_is_in_recovery() OR "
                           "COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, false)", [lsn])
            return bool(cursor.fetchone()[0])
    except DatabaseError:
        logger.warning("the replica %s cannot be asked how far it has replayed", alias,
                       exc_info=False)
        connections[alias].close()
        if alias == REPLICA:
            _down_until = time.monotonic() + DOWN_SECONDS
        return False


def replica_fresh(lsn: str | None, *, wait: float | None = None) -> bool:
    """The replica may be read by a job that noted ``lsn`` (:func:`primary_lsn`): it has
    replayed that far, polled for at most ``wait`` seconds (``REPLAY_WAIT_SECONDS``)."""
    if not replica_configured():
        return False
    if lsn is None:
        return True
    deadline = time.monotonic() + (REPLAY_WAIT_SECONDS if wait is None else wait)
    while not replayed(lsn):
        if time.monotonic() >= deadline or time.monotonic() < _down_until:
            return False  # behind for too long, or unreachable: no use waiting
        time.sleep(0.1)
    return True


@contextmanager
def reading_from_replica(*, fresh_as_of: str | None = None,
                         wait: float | None = None) -> Iterator[None]:
    """Reads inside go to the replica (if configured); writes still go to the primary.

    ``fresh_as_of``: a WAL position of the primary (:func:`primary_lsn`) the replica must
    have replayed — else, after waiting at most ``wait`` seconds (``REPLAY_WAIT_SECONDS``),
    the reads stay on the primary. Without it the replica is read however far behind.
    A context variable, so a task or a request in another thread is not affected.
    """
    if (fresh_as_of is not None and replica_configured()
            and not replica_fresh(fresh_as_of, wait=wait)):
        logger.info("the replica has not replayed %s in %s s: reading the primary",
                    fresh_as_of, REPLAY_WAIT_SECONDS if wait is None else wait)
        yield
        return
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


@contextmanager
def reading_fresh_from_replica() -> Iterator[None]:
    """:func:`reading_from_replica` for a request answering with a file at once: the
    replica only once it has replayed the primary's position now — every commit before
    this request, the user's own included (read-your-writes) — waiting for it at most
    ``REQUEST_REPLAY_WAIT_SECONDS``; else the primary. Without a replica: no query."""
    with reading_from_replica(fresh_as_of=primary_lsn(), wait=REQUEST_REPLAY_WAIT_SECONDS):
        yield


def read_alias(*, replica_configured: bool, wanted: bool, app_label: str) -> str | None:
    """Where a read goes; None leaves it to Django (``default``, or the instance's own)."""
    if replica_configured and wanted and app_label not in PRIMARY_ONLY_APPS:
        return REPLICA
    return None


class ReplicaRouter:
    """Installed by tandem.settings only when ``DATABASE_REPLICA_URL`` is set."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return read_alias(
            replica_configured=REPLICA in settings.DATABASES,
            wanted=_wanted.get(),
            app_label=model._meta.app_label,
        )

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one data set on two servers

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY  # the replica receives the schema by streaming
