"""Background jobs of people (django.tasks: immediate by default, a worker's queue in
production)."""

from django.tasks import task

from tandem.people import counts


@task
def refresh_people_counts() -> int:
    """Recounts the organizations marked by :func:`counts.touch` (lost marks: the hourly
    run, ``counts.hourly``)."""
    return counts.refresh()
