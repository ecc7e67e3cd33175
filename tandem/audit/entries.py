"""Audit entries written in bulk: the one path for a write that bypasses model signals
(a claim by ``update()``, thousands of new people of a roster) and so records its own
entries. Every entry saved one by one (auditlog's receivers, ``LogEntry.objects.log_create``)
is heard through ``post_save`` of ``LogEntry``; entries written here are announced by
:data:`entries_written`, so whoever follows the trail (the monitoring cache's unit
versions, ``tandem/monitoring/versions.py``) hears both."""

from collections.abc import Sequence

from auditlog.models import LogEntry
from django.dispatch import Signal

# Sent with ``entries``: the LogEntry rows just written by :func:`write_entries`.
entries_written = Signal()


def write_entries(entries: Sequence[LogEntry]) -> None:
    """Writes the entries in one insert and tells the trail's followers."""
    if not entries:
        return
    LogEntry.objects.bulk_create(entries)
    entries_written.send(sender=LogEntry, entries=entries)
