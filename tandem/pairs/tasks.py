"""The engine run as a background task (Django's tasks framework)."""

from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.pairs.models import MatchingRun
from tandem.web import jobs

STALE = gettext_lazy("Подбор прервался: сервер, который его выполнял, остановился "
                     "(перезапуск или нехватка памяти). Запустите подбор ещё раз.")


def _report(run_id: int, percent: int, stage: str) -> None:
    # A separate short write per report, so the page polling the run sees it at once; it
    # is the run's heartbeat too (the lease, tandem/web/jobs.py).
    MatchingRun.objects.filter(pk=run_id).update(progress=min(99, max(0, percent)), stage=stage,
                                                 status=MatchingRun.Status.RUNNING,
                                                 heartbeat_at=timezone.now())


def expire_stale(*, pk: int | None = None) -> int:
    """Marks a run whose worker was killed (no heartbeat within the lease) as failed, with
    a Russian message; the page offers to run it again. ``pk``: only that run."""
    runs = MatchingRun.objects.filter(status=MatchingRun.Status.RUNNING)
    if pk is not None:
        runs = runs.filter(pk=pk)
    now = timezone.now()
    return jobs.expire(runs, now=now, status=MatchingRun.Status.FAILED, error=str(STALE),
                       finished_at=now)


@task
def run_matching(*, run_id: int, time_limit: float = 20.0, warm_from: int | None = None) -> int:
    """``warm_from``: the run this one repeats (after a lock or a ban); its result is the
    engine's warm start, a hint only (docs/matching.md, 3.8)."""
    from tandem.pairs.engine import EngineError, match

    run = MatchingRun.objects.get(pk=run_id)
    if run.status != MatchingRun.Status.QUEUED:
        return 0  # taken by an earlier attempt, or given up as stale
    _report(run_id, 1, str(_("подготовка")))
    previous = (MatchingRun.objects.filter(pk=warm_from, status=MatchingRun.Status.DONE)
                .values_list("result", flat=True).first() if warm_from is not None else None)
    try:
        result = match(run.instance, time_limit=time_limit, warm=previous,
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
