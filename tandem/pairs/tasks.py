"""The engine run as a background task (Django's tasks framework)."""

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.pairs.models import MatchingRun


def _report(run_id: int, percent: int, stage: str) -> None:
    # A separate short write per report, so the page polling the run sees it at once.
    MatchingRun.objects.filter(pk=run_id).update(progress=min(99, max(0, percent)), stage=stage,
                                                 status=MatchingRun.Status.RUNNING)


@task
def run_matching(*, run_id: int, time_limit: float = 20.0) -> int:
    from tandem.pairs.engine import EngineError, match

    run = MatchingRun.objects.get(pk=run_id)
    _report(run_id, 1, str(_("подготовка")))
    try:
        result = match(run.instance, time_limit=time_limit,
                       progress=lambda percent, stage: _report(run_id, percent, stage))
    except EngineError as error:
        MatchingRun.objects.filter(pk=run_id).update(
            status=MatchingRun.Status.FAILED, error=str(error), finished_at=timezone.now())
        return 0
    with transaction.atomic():
        MatchingRun.objects.filter(pk=run_id).update(
            status=MatchingRun.Status.DONE, progress=100, stage=str(_("готово")),
            result=result,
            finished_at=timezone.now())
    return len(result.get("pairs", []))
