"""The daily run: create and send the surveys that are due, then send the reminders.

Django's tasks framework has no periodic scheduler, so the task re-enqueues itself for the
next morning (``run_after``) before it does its work — a failure today does not break the
chain. Where the backend cannot defer (the embedded set-up runs tasks immediately), cron
runs ``tandem send-reminders`` instead. Both together are safe: surveys are unique per
pair, person and stage, and every reminder is logged once per event (docs/deploy.md).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.tasks import default_task_backend, task
from django.utils import timezone

from tandem.reminders.services import SendResult, reminders_send
from tandem.surveys.services import surveys_create_due, surveys_send

RUN_AT = dt.time(8, 0)  # local time: letters arrive at the start of the working day


@dataclass
class DailyResult:
    surveys_created: int
    surveys_sent: int
    reminders: SendResult


def run_daily(*, today: dt.date, dry_run: bool = False, base_url: str | None = None,
              progress: Callable[[str], None] | None = None) -> DailyResult:
    created = surveys_create_due(today=today, dry_run=dry_run)
    sent = surveys_send(dry_run=dry_run, base_url=base_url)
    return DailyResult(created, sent, reminders_send(today=today, dry_run=dry_run,
                                                     base_url=base_url, progress=progress))


def next_run_at(now: dt.datetime) -> dt.datetime:
    """The next RUN_AT in local time, strictly after ``now``."""
    local = timezone.localtime(now)
    candidate = local.replace(hour=RUN_AT.hour, minute=RUN_AT.minute, second=0,
                              microsecond=0)
    if candidate <= local:
        candidate = timezone.make_aware(dt.datetime.combine(
            local.date() + dt.timedelta(days=1), RUN_AT))
    return candidate


def schedule_next(now: dt.datetime | None = None) -> bool:
    """Enqueues tomorrow's run unless one is already waiting; False where the backend
    cannot defer a task (then cron is the schedule)."""
    if not default_task_backend.supports_defer:
        return False
    if _already_waiting():
        return True
    daily.using(run_after=next_run_at(now or timezone.now())).enqueue()
    return True


def _already_waiting() -> bool:
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # another backend: trust the caller
        return False
    return DBTaskResult.objects.filter(task_path=daily.module_path, status="READY").exists()


@task
def daily() -> dict[str, int]:
    schedule_next()
    result = run_daily(today=timezone.localdate())
    return {"surveys_created": result.surveys_created, "surveys_sent": result.surveys_sent,
            "reminder_events": result.reminders.events, "reminder_emails": result.reminders.emails}
