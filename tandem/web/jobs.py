"""Leases of long jobs — every kind: a roster check or commit, a matching run, a file made
in the background (tandem/web/exports.py, which builds its file jobs on this lease): the
process doing the work writes ``heartbeat_at`` as it goes (or :func:`beating` does it from
a thread of its own); a job whose heartbeat is older than ``TANDEM_JOB_LEASE_SECONDS`` was
abandoned — its worker was killed (SIGKILL, the kernel's OOM killer, power loss) — and is
marked failed-and-retryable by whoever looks at it next (a page, the worker's sweep).
docs/deploy.md, «Сбои и восстановление»."""

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DatabaseError, OperationalError, connection, connections
from django.db.models import QuerySet
from django.utils import timezone

logger = logging.getLogger(__name__)

# SQLite: a commit in progress holds the database's write lock, and its heartbeats stay
# invisible until it ends; the marking below then waits at most this long and gives up —
# a lock held means its writer is alive (a killed process releases it).
SQLITE_BUSY_MS = 200


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.TANDEM_JOB_LEASE_SECONDS)


def stale_before(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - lease()


def expire(queryset: QuerySet[Any], *, now: dt.datetime | None = None,
           **changes: object) -> int:
    """Applies ``changes`` to the jobs of ``queryset`` whose heartbeat is older than the
    lease, in one conditional write (a heartbeat arriving meanwhile wins); the number
    marked. A job that never beat (still queued, waiting for a worker) is left alone."""
    stale = queryset.filter(heartbeat_at__lt=stale_before(now))
    if connection.vendor != "sqlite":
        return stale.update(**changes)
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        try:
            return stale.update(**changes)
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            return 0  # «database is locked»: a live writer
        finally:
            timeout = int(settings.DATABASES["default"].get("OPTIONS", {}).get("timeout", 5))
            cursor.execute(f"PRAGMA busy_timeout = {timeout * 1000}")


@contextmanager
def beating(queryset: QuerySet[Any], *, every: float | None = None) -> Iterator[None]:
    """Renews the lease of the jobs of ``queryset`` (their ``heartbeat_at``) every
    ``every`` seconds — a quarter of the lease by default — from a thread of its own while
    the block runs: a long step that writes no progress (a report's data built whole, a
    collated sort of the ids) is alive, and neither a page nor the sweep takes it over.
    The thread stops, and closes its connection, when the block ends — also on an error:
    a worker killed stops beating with it. ``queryset`` should name only jobs still
    running, so a job declared failed meanwhile is not revived. A beat the database
    refuses (SQLite's lock held by a writer) is skipped: the next one tries again."""
    interval = lease().total_seconds() / 4 if every is None else every
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    queryset.update(heartbeat_at=timezone.now())
                except DatabaseError as error:
                    logger.warning("heartbeat skipped: %s", error)
        finally:
            connections.close_all()  # this thread's own connections only

    thread = threading.Thread(target=beat, name="tandem-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# -- the sweep: every app with leased jobs registers its expiry (AppConfig.ready) --------
_SWEEPERS: dict[str, Callable[[], int]] = {}


def register_sweeper(name: str, sweeper: Callable[[], int]) -> None:
    _SWEEPERS[name] = sweeper


def sweep() -> dict[str, int]:
    """Marks every abandoned job of every app (``tandem sweep-jobs``, run by a timer); the
    number marked, by app."""
    return {name: sweeper() for name, sweeper in sorted(_SWEEPERS.items())}
