"""Background jobs of diagnostics (django.tasks: immediate by default, a worker's queue in
production)."""

from django.tasks import task

from tandem.diagnostics import tallies


@task
def refresh_tallies() -> int:
    """Rebuilds the figures of every organization marked by :func:`tallies.touch`."""
    return tallies.refresh()
