"""Reports and exports read from a streaming replica, when one is configured.

Django's routers decide per model, not per page, and the same models serve the dashboard
(which must show what was just saved) and the reports (which may be a few seconds
behind). So the choice is explicit: code that only reads for a file wraps that reading in
``reading_from_replica()``, and inside it every read goes to the ``replica`` alias
(``DATABASE_REPLICA_URL``, docs/deploy.md «Размеры: одна машина, резерв и реплики»).
Writes always go to ``default``: a hot standby refuses them. Without the setting the
router is not installed and nothing changes.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"
PRIMARY = "default"
# Read on the primary even inside the context: the shared cache table (a result computed
# from the replica is keyed by the replica's own data version, but the entry itself must
# be the one other servers see).
PRIMARY_ONLY_APPS = frozenset({"django_cache"})

_wanted: ContextVar[bool] = ContextVar("reading_from_replica", default=False)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Reads inside go to the replica (if configured); writes still go to the primary.

    A context variable, so a task or a request in another thread is not affected.
    """
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


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
