"""Background jobs of monitoring (django.tasks: immediate by default, a worker's queue in
production)."""

from django.tasks import task

from tandem.monitoring import tallies


@task
def refresh_pair_tallies() -> int:
    """Rebuilds the pair figures of every organization marked by :func:`tallies.touch`
    (a region's new day is the hourly run's: ``tallies.hourly``)."""
    return tallies.refresh(new_day=False)
