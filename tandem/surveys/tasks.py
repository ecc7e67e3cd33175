"""Background jobs of surveys (django.tasks: immediate by default, a worker's queue in
production)."""

from django.tasks import task

from tandem.surveys import tallies


@task
def refresh_survey_cells() -> int:
    """Rebuilds the satisfaction cells of every organization marked by
    :func:`tallies.touch` (lost marks: the hourly run, ``tallies.hourly``)."""
    return tallies.refresh()
