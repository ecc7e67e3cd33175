"""The reminder run: create and send the surveys that are due, then send the reminders —
each region on its own day, in its own working hours.

Every region keeps its time zone (``Region.time_zone``, ``tandem.territory.zones``): its
letters go out only while its local hour is within ``TANDEM_REMINDERS_FROM_HOUR`` …
``TANDEM_REMINDERS_UNTIL_HOUR`` (8:00–20:00 by default), and «today» — for overdue tasks,
quiet pairs, unanswered surveys and due surveys — is the region's own date. So the run
goes every hour: Kaliningrad's morning and Kamchatka's are ten hours apart.

Django's tasks framework has no periodic scheduler, so the task (still named ``daily``: a
queued run keeps its path) re-enqueues itself for the next full hour (``run_after``)
before it does its work — a failure does not break the chain. Where the backend cannot
defer (the embedded set-up runs tasks immediately), cron runs ``tandem send-reminders``
hourly instead. Both together are safe, and so is running a region many times a day:
surveys are unique per pair, person and stage, and every reminder is logged once per
event (docs/deploy.md).
"""

import datetime as dt
import logging
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet
from django.tasks import default_task_backend, task
from django.utils import timezone

from tandem.diagnostics import tallies
from tandem.pairs.models import Pair
from tandem.pairs.querysets import OWNER
from tandem.reminders.models import DigestDay
from tandem.reminders.services import SendResult, reminders_send
from tandem.surveys.services import surveys_create_due, surveys_send
from tandem.territory.models import Organization, Region
from tandem.territory.zones import zone_named
from tandem.web.signals import hourly

logger = logging.getLogger(__name__)


@dataclass
class DailyResult:
    surveys_created: int = 0
    surveys_sent: int = 0
    reminders: SendResult = field(default_factory=SendResult)
    # The regions' own dates this run worked on (empty: no region in its working hours).
    days: list[dt.date] = field(default_factory=list)

    def add(self, other: "DailyResult") -> None:
        self.surveys_created += other.surveys_created
        self.surveys_sent += other.surveys_sent
        r, o = self.reminders, other.reminders
        r.events += o.events
        r.emails += o.emails
        r.without_address += o.without_address
        for kind, n in o.by_kind.items():
            r.by_kind[kind] = r.by_kind.get(kind, 0) + n
        self.days += [d for d in other.days if d not in self.days]


@dataclass(frozen=True)
class RegionDay:
    """Regions that share a zone, and their date now."""

    zone: zoneinfo.ZoneInfo
    today: dt.date
    region_ids: tuple[int, ...]

    def pairs(self) -> QuerySet[Pair]:
        """The pairs of these regions, each once: by its own organization (``OWNER``; a
        municipal-pool pair never spans two regions)."""
        return Pair.objects.of_unit(
            Organization.objects.filter(municipality__region_id__in=self.region_ids), by=OWNER)


def in_working_hours(local: dt.datetime) -> bool:
    return settings.TANDEM_REMINDERS_FROM_HOUR <= local.hour < settings.TANDEM_REMINDERS_UNTIL_HOUR


def regions_due(now: dt.datetime) -> list[RegionDay]:
    """The regions whose local hour at ``now`` is within the working hours, grouped by
    zone, each group with its own date."""
    by_zone: dict[str, list[int]] = {}
    for pk, name in Region.objects.order_by("pk").values_list("pk", "time_zone"):
        by_zone.setdefault(zone_named(name).key, []).append(pk)
    days = []
    for key, ids in sorted(by_zone.items()):
        zone = zone_named(key)
        local = now.astimezone(zone)
        if in_working_hours(local):
            days.append(RegionDay(zone, local.date(), tuple(ids)))
    return days


def run_once(*, today: dt.date, dry_run: bool = False, base_url: str | None = None,
             progress: Callable[[str], None] | None = None,
             pairs: QuerySet[Pair] | None = None,
             news_of: QuerySet[Organization] | None = None) -> DailyResult:
    """Surveys and reminders as of ``today`` — of ``pairs`` only, when given; the daily
    «новое за день» of the people of ``news_of`` (None: nobody's)."""
    created = surveys_create_due(today=today, dry_run=dry_run, of=pairs)
    sent = surveys_send(dry_run=dry_run, base_url=base_url, of=pairs)
    return DailyResult(created, sent, reminders_send(today=today, dry_run=dry_run,
                                                     base_url=base_url, progress=progress,
                                                     pairs=pairs, news_of=news_of), [today])


def run_daily(*, today: dt.date | None = None, now: dt.datetime | None = None,
              dry_run: bool = False, base_url: str | None = None,
              progress: Callable[[str], None] | None = None) -> DailyResult:
    """With ``today``, every region as of that date (a run by hand: ``--date``); else
    each region in its working hours at ``now``, as of its own date, with its zone active
    for the letters."""
    if not dry_run:
        # The hourly run also picks up diagnostics figures whose rebuild job was lost
        # (a worker stopped mid-way: their marks survive in the database); a failure here
        # must not cost this hour its reminders.
        try:
            tallies.refresh()
        except Exception:
            logger.exception("keeping the monitoring figures failed")
        # The pair figures kept per organization (lost marks, a region's new day), the
        # cache versions' pruning: each receiver on its own, a failure logged.
        for receiver, outcome in hourly.send_robust(sender=run_daily):
            if isinstance(outcome, Exception):
                logger.error("hourly upkeep %s failed", getattr(receiver, "__name__", receiver),
                             exc_info=outcome)
    if today is not None:
        every = tuple(Region.objects.values_list("pk", flat=True))
        return run_once(today=today, dry_run=dry_run, base_url=base_url, progress=progress,
                        news_of=None if dry_run else digest_claim(every, today))
    result = DailyResult()
    failed: Exception | None = None
    for day in regions_due(now or timezone.now()):
        try:
            with timezone.override(day.zone):
                result.add(run_once(
                    today=day.today, dry_run=dry_run, base_url=base_url, progress=progress,
                    pairs=day.pairs(),
                    news_of=None if dry_run else digest_claim(day.region_ids, day.today)))
        except Exception as error:  # one region's failure does not stop the others
            logger.exception("reminder run for the regions %s failed", day.region_ids)
            failed = failed or error
    if failed is not None:
        raise failed
    return result


def digest_claim(region_ids: tuple[int, ...], day: dt.date) -> QuerySet[Organization] | None:
    """The organizations of those of ``region_ids`` whose daily letter («Новое за день»)
    this run sends on ``day``: the first run that day in their working hours claims each
    region (an INSERT on DigestDay's unique pair; a concurrent run inserts nothing and
    sends none). None: no region left to claim."""
    run = uuid.uuid4().hex
    DigestDay.objects.bulk_create([DigestDay(region_id=pk, day=day, run=run)
                                   for pk in region_ids], ignore_conflicts=True)
    mine = list(DigestDay.objects.filter(run=run).values_list("region_id", flat=True))
    return Organization.objects.filter(municipality__region_id__in=mine) if mine else None


def next_run_at(now: dt.datetime) -> dt.datetime:
    """The next full hour, strictly after ``now``."""
    return (now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
            + dt.timedelta(hours=1))


def schedule_next(now: dt.datetime | None = None) -> bool:
    """Enqueues the next hour's run unless one is already waiting; False where the backend
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
    result = run_daily()
    return {"surveys_created": result.surveys_created, "surveys_sent": result.surveys_sent,
            "reminder_events": result.reminders.events, "reminder_emails": result.reminders.emails}
