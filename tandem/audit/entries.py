"""Audit entries written in bulk: the one path for a write that bypasses model signals
(a claim by ``update()``, thousands of new people of a roster, a reminder run) and so
records its own entries. Every entry saved one by one (auditlog's receivers,
``LogEntry.objects.log_create``) is heard through ``post_save`` of ``LogEntry``; entries
written here are announced by :data:`entries_written`, so whoever follows the trail (the
monitoring cache's unit versions, ``tandem/monitoring/versions.py``) hears both.

Who and from where: an entry saved one by one gets its actor, address and port from
auditlog's ``pre_save`` receiver (connected while a request or a task has called
``set_actor``) and its correlation id from ``log_create``; ``bulk_create`` calls neither,
so :func:`write_entries` does both for every entry — a writer in bulk only builds them."""

from collections.abc import Sequence

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from django.db import router
from django.db.models.signals import pre_save
from django.dispatch import Signal

# Sent with ``entries``: the LogEntry rows just written by :func:`write_entries`.
entries_written = Signal()


def write_entries(entries: Sequence[LogEntry]) -> None:
    """Writes the entries in one insert — each with the actor, address and correlation id
    of the request or task at work, as an entry saved alone — and tells the trail's
    followers."""
    if not entries:
        return
    using = router.db_for_write(LogEntry)
    cid = get_cid()
    for entry in entries:
        # auditlog fills in the actor and address in its pre_save receiver, and only while
        # a request or task has set them; bulk_create sends no signal, so send it here.
        pre_save.send(sender=LogEntry, instance=entry, raw=False, using=using,
                      update_fields=None)
        if not entry.cid:
            entry.cid = cid
    LogEntry.objects.bulk_create(entries)
    entries_written.send(sender=LogEntry, entries=entries)
