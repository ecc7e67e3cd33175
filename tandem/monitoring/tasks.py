"""Background jobs of monitoring (django.tasks: immediate by default, a worker's queue in
production)."""

from django.tasks import task

from tandem.monitoring import tallies


@task
def refresh_pair_tallies() -> int:
    """Rebuilds the pair figures of every organization marked by :func:`tallies.touch`
    (and of those whose region has begun a new day)."""
    return tallies.refresh()
