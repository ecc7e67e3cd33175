"""Background jobs of maps (django.tasks: immediate by default, a worker's queue in
production)."""

from django.tasks import task

from tandem.maps import tallies


@task
def refresh_technology_tallies() -> int:
    """Rebuilds the technology tallies of every organization marked by
    :func:`tallies.touch`."""
    return tallies.refresh()
