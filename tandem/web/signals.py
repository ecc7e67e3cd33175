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

# A unit's standard monitoring dashboard was computed ahead of its first view (only when
# computed: an entry left young leaves its pages' too)
# (tandem.monitoring.tasks.warm_dashboards: after a rebuild of every figure, the hourly
# run, a staff login where a worker runs the tasks): ``scope`` — the country's or one
# region's, municipality's or organization's, of no user, with its region's zone name —,
# in that zone; ``again``: computed even where kept. The pages of the layers above that
# keep figures of the same unit compute theirs then, under their own keys
# (tandem.home.selectors.warm_overview). Sent outside any transaction of a request.
unit_warmed = Signal()
