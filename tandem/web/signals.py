"""Signals through which a lower layer tells the figures kept above it that something
changed, without importing them (docs/architecture.md, layers)."""

from django.dispatch import Signal

# ``organization_ids``: something these organizations' figures count changed in bulk (a
# write that sends no model signal: ``bulk_create``, ``update()``, ``COPY``) or in a table
# the keeper does not watch itself (answers: tandem.diagnostics.tallies.touch). Sent inside
# the writer's transaction.
figures_changed = Signal()

# The hourly run (``tandem send-reminders``): keepers of figures pick up lost work and
# redo what a new day changes.
hourly = Signal()

# Every organization's figures were built anew (``tandem tallies --rebuild``, the end of
# ``tandem seed-demo``): what is computed ahead of a first view may be computed now
# (tandem.monitoring.tasks.warm_every_unit). Sent outside any transaction.
rebuilt = Signal()
