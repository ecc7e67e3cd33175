"""Background jobs of monitoring (django.tasks: immediate by default, a worker's queue in
production)."""

import datetime as dt
import logging
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import replace
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, QueryDict
from django.tasks import task
from django.tasks.backends.immediate import ImmediateBackend
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.access.filters import Filters
from tandem.access.scope import Scope, fingerprint_now, scope_for
from tandem.accounts.models import User
from tandem.monitoring import selectors, tallies
from tandem.monitoring.forms import FiltersForm
from tandem.monitoring.models import PairTallyMark, ReportJob
from tandem.monitoring.reports import REPORTS, Report, Table
from tandem.territory.models import Municipality, Organization, Region
from tandem.territory.zones import installation_zone, zone_named
from tandem.web import exports, signals
from tandem.web.dbrouter import reading_fresh_from_replica, reading_from_replica
from tandem.web.transactions import transaction_memory

logger = logging.getLogger(__name__)

# From this many rows on a report is made in the background (tandem/web/exports.py).
REPORT_SYNC_ROWS = exports.SYNC_ROWS
REPORT_STEP = exports.STEP  # rows between two progress writes
REPORT_FAILED = _("Не удалось подготовить отчёт из-за ошибки на сервере. Сформируйте его "
                  "снова с панели мониторинга или сообщите администратору.")
REPORT_REFUSED = _("Ваши права изменились после заказа отчёта — сформируйте отчёт заново с "
                   "панели мониторинга.")
REPORT_BEFORE_RIGHTS = _("Этот отчёт заказали до обновления системы — сформируйте отчёт "
                         "заново с панели мониторинга.")


@task
def refresh_pair_tallies() -> int:
    """Rebuilds the pair figures of every organization marked by :func:`tallies.touch`
    (a region's new day is the hourly run's: ``tallies.hourly``); then, where tasks run
    in a worker, warms the viewed dashboards of the regions and municipalities rebuilt
    (not the country's: its version moves with any write anywhere — the hourly run
    computes it)."""
    units: list[tuple[int, int]] = []
    if _queued():  # else no warm-up, and no query more in the writer's request
        marked = PairTallyMark.objects.values("organization_id")
        units = sorted(set(Organization.objects.filter(pk__in=marked).values_list(
            "municipality__region_id", "municipality_id")))
    done = tallies.refresh(new_day=False)
    if done and units:
        warm_dashboards.enqueue(region_ids=sorted({r for r, _m in units}),
                                municipality_ids=sorted({m for _r, m in units}))
    return done


@task
def refresh_new_day() -> int:
    """Rebuilds the pair figures of every organization whose region has started a new day
    since they were built (and of every marked one): what the hourly run does, asked for
    by the first page that read the day before's figures (``tallies.enqueue_new_day``) —
    so that a region's figures are of its new day minutes after its midnight, not at the
    next hourly run. The page computed from the kept figures meanwhile, and said so."""
    return tallies.refresh(new_day=True)


def _queued() -> bool:
    """Whether tasks run in a worker, not in the process that enqueues them (the
    immediate backend of the embedded set-up: there a writer's request would compute the
    dashboards it does not show — the hourly run warms them instead)."""
    return not isinstance(warm_dashboards.get_backend(), ImmediateBackend)


def queued() -> bool:
    """Whether tasks run in a worker (:func:`_queued`), for the other modules."""
    return _queued()


# The hourly warm-up is several tasks, so that several workers share it (a country:
# 89 regions, ~2,700 municipalities — one worker computing them in turn took a good part
# of the hour): the country's alone, then the viewed regions WARM_REGIONS a task, the
# viewed municipalities WARM_MUNICIPALITIES a task and the viewed organizations
# WARM_ORGANIZATIONS a task (docs/monitoring.md, docs/deploy.md 8.2). With the immediate
# backend (the embedded set-up) the same tasks run in turn, inline.
WARM_REGIONS = 10  # a region's dashboard: seconds
WARM_MUNICIPALITIES = 100  # a municipality's: a tenth of a second to a second
WARM_ORGANIZATIONS = 200  # an organization's (a curator's): 40–60 ms


def _unit_rows() -> tuple[QuerySet[Region], QuerySet[Municipality], QuerySet[Organization]]:
    """The units a dashboard is warmed for: the regions and the municipalities with
    organizations, and the organizations."""
    return (Region.objects.filter(municipalities__organizations__isnull=False).distinct(),
            Municipality.objects.filter(Exists(Organization.objects.filter(
                municipality_id=OuterRef("pk")))),
            Organization.objects.order_by())


def _units(region_ids: list[int] | None, municipality_ids: list[int] | None,
           organization_ids: list[int] | None = None, *, every: bool = False,
           ) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    """The regions and the municipalities with organizations, and the organizations
    (``every``: all of them; else only those of ``region_ids``, ``municipality_ids`` and
    ``organization_ids``), each with its region's time zone."""
    regions, municipalities, organizations = _unit_rows()
    if not every:
        regions = regions.filter(pk__in=region_ids or [])
        municipalities = municipalities.filter(pk__in=municipality_ids or [])
        organizations = organizations.filter(pk__in=organization_ids or [])
    return (dict(regions.values_list("pk", "time_zone")),
            dict(municipalities.values_list("pk", "region__time_zone")),
            dict(organizations.values_list("pk", "municipality__region__time_zone")))


def _every_unit(*, organizations: bool = True) -> tuple[list[int], list[int], list[int]]:
    """The ids of :func:`_units` with ``every`` — no time zone: the organizations' keys
    alone (their primary key's index), not each joined with its municipality and region
    to read a zone the hourly :func:`warm_batches` does not use (a country: ~30,000);
    without ``organizations``, none of theirs."""
    regions, municipalities, rows = _unit_rows()
    return (list(regions.values_list("pk", flat=True)),
            list(municipalities.values_list("pk", flat=True)),
            list(rows.values_list("pk", flat=True)) if organizations else [])


def _scopes(country: bool, region_ids: Iterable[int], municipality_ids: Iterable[int],
            organization_ids: Iterable[int] = ()) -> list[Scope]:
    scopes = [Scope(user_id=None, everything=True)] if country else []
    scopes += [Scope(user_id=None, region_ids=frozenset({pk})) for pk in sorted(region_ids)]
    scopes += [Scope(user_id=None, municipality_ids=frozenset({pk}))
               for pk in sorted(municipality_ids)]
    return scopes + [Scope(user_id=None, organization_ids=frozenset({pk}))
                     for pk in sorted(organization_ids)]


# Below every other task (letters, report jobs, the figures' keepers: priority 0): the
# hourly run enqueues dozens of warm-ups at a country, and a worker queue takes tasks by
# priority first — a letter must not wait for all of them (review of h/warmtasks).
WARM_PRIORITY = -10


@task(priority=WARM_PRIORITY)
def warm_dashboards(*, region_ids: list[int] | None = None,
                    municipality_ids: list[int] | None = None, country: bool = False,
                    again: bool = False, organization_ids: list[int] | None = None,
                    unviewed: bool = False) -> int:
    """Computes the standard dashboards of the country, of each region, of each
    municipality (a coordinator's) and of each organization (a curator's) into the cache,
    under the keys their pages read (``selectors.warm``) — only those viewed lately
    (``selectors.viewed``, one read of the cache for a few hundred): each region,
    municipality and organization in its region's time zone, the country in the
    installation's (the federal operator's). ``region_ids``, ``municipality_ids``,
    ``organization_ids``: these units only — the country only if ``country``; with none
    of the three, all of them and the country (a task queued by the single hourly task
    of before 2026-12-06 still does what it did, and the organizations too). Each is
    computed only where its entry is missing or older than ``selectors.WARM_AGAIN_SECONDS``
    (``selectors.warm``); ``again``: even those (the hourly run till 2026-12-07, which
    computed every viewed one every hour). ``unviewed``: viewed or not — the first views
    after a rebuild of the figures (:func:`warm_every_unit`). Returns how many were
    computed."""
    every = region_ids is None and municipality_ids is None and organization_ids is None
    if organization_ids:
        # A write from now on queues the next warm-up (warm_soon): this one may read the
        # version before it.
        cache.delete_many([WARM_SOON_KEY.format(pk=pk) for pk in organization_ids])
    zones, zone_of, zone_of_organization = _units(region_ids, municipality_ids,
                                                  organization_ids, every=every)
    done = 0
    scopes = _scopes(country or every, zones, zone_of, zone_of_organization)
    for scope in scopes if unviewed else selectors.viewed(scopes):
        name = _zone_name(scope, zones, zone_of, zone_of_organization)
        with timezone.override(_zone(scope, zones, zone_of, zone_of_organization)):
            if not selectors.warm(scope, again=again):
                continue  # its entry is young: so are its pages' (the hourly run's organizations)
            done += 1
            # The same unit's other pages that keep its figures (the overview's staff
            # part), as often as its dashboard: the scope of its users, their zone's name.
            # Robust: a page's warm-up that fails is logged, the other units still warmed.
            for receiver, error in signals.unit_warmed.send_robust(
                    sender=None, scope=replace(scope, time_zone=name), again=again):
                if isinstance(error, Exception):
                    logger.error("warm-up %r of %r failed", receiver, scope, exc_info=error)
    return done


def _zone(scope: Scope, *zones_of: dict[int, str]) -> zoneinfo.ZoneInfo:
    """The time zone a warmed ``scope`` is computed in (:func:`_zone_name`)."""
    return installation_zone() if scope.everything else zone_named(_zone_name(scope, *zones_of))


def _zone_name(scope: Scope, *zones_of: dict[int, str]) -> str | None:
    """The name of the time zone a warmed ``scope`` is computed in, as its users' scopes
    hold it (``Scope.time_zone``): None — the installation's — for the country, else its
    one unit's region's; ``zones_of``: the regions', municipalities' and organizations'
    zones (:func:`_units`)."""
    if scope.everything:
        return None
    for ids, zone_of in zip((scope.region_ids, scope.municipality_ids, scope.organization_ids),
                            zones_of, strict=True):
        if ids:
            return zone_of[next(iter(ids))]
    raise ValueError(scope)


def warm_batches() -> list[dict[str, Any]]:
    """The arguments of the hourly run's warm-up tasks (:func:`warm_dashboards`, JSON):
    the country's, if viewed, then the viewed regions ``WARM_REGIONS`` a task, the viewed
    municipalities ``WARM_MUNICIPALITIES`` a task and the viewed organizations
    ``WARM_ORGANIZATIONS`` a task, in the order of their ids. Read here once
    (``selectors.viewed``: ``VIEWED_READ`` marks a read — a country's ~30,000
    organizations are 60 reads), so that each task has its share of work, not of units;
    each task reads its own marks again — and the zones of its units: here only the ids
    are read (:func:`_every_unit`)."""
    country, regions, municipalities, organizations = False, [], [], []
    for scope in selectors.viewed(_scopes(True, *_every_unit())):
        if scope.everything:
            country = True
        elif scope.region_ids:
            regions.append(next(iter(scope.region_ids)))
        elif scope.municipality_ids:
            municipalities.append(next(iter(scope.municipality_ids)))
        else:
            organizations.append(next(iter(scope.organization_ids)))
    return _batches(country, regions, municipalities, organizations)


def _batches(country: bool, regions: list[int], municipalities: list[int],
             organizations: list[int]) -> list[dict[str, Any]]:
    """The arguments of the warm-up tasks for these units (:func:`warm_batches`)."""
    batches: list[dict[str, Any]] = [
        {"country": True, "region_ids": [], "municipality_ids": []}] if country else []
    batches += [{"region_ids": regions[i:i + WARM_REGIONS], "municipality_ids": []}
                for i in range(0, len(regions), WARM_REGIONS)]
    batches += [{"region_ids": [], "municipality_ids": municipalities[i:i + WARM_MUNICIPALITIES]}
                for i in range(0, len(municipalities), WARM_MUNICIPALITIES)]
    batches += [{"region_ids": [], "municipality_ids": [],
                 "organization_ids": organizations[i:i + WARM_ORGANIZATIONS]}
                for i in range(0, len(organizations), WARM_ORGANIZATIONS)]
    return batches


def hourly(sender: object = None, **kwargs: object) -> None:
    """The hourly run (``tandem.web.signals.hourly``), after the figures' keepers: every
    viewed standard dashboard computed again — by several tasks (:func:`warm_batches`),
    which several workers share. The country's, the regions' and the municipalities'
    ``again``, every run: few, and their recomputation bounds what their version misses
    (``versions.version``) to an hour. The organizations' (thousands) not ``again``: one
    under its current version, of the day, not «пересчитываются» and younger than
    ``selectors.WARM_AGAIN_SECONDS`` is left (``selectors.young``; till 2026-12-07 every
    one was computed every hour: ~50 ms an organization)."""
    for batch in warm_batches():
        warm_dashboards.enqueue(again=not batch.get("organization_ids"), **batch)


def warm_every_unit(sender: object = None, **kwargs: object) -> int:
    """After a rebuild of every organization's figures (``tallies --rebuild``, the end of
    ``seed-demo``): the standard dashboards of the country, of every region and of every
    municipality with organizations computed ahead — viewed or not —, so that a unit's
    first view in its life finds them, as the hourly run does for the viewed ones (issue
    #16: on a region of 300,000 the first view of a unit nobody had viewed was 0.4–0.6 s
    under eight clients). In the same tasks as the hourly run's (``WARM_REGIONS``,
    ``WARM_MUNICIPALITIES`` a task, lowest priority): inline with the immediate backend,
    shared by the workers otherwise. Each only where its entry is missing or old
    (``selectors.warm``): a viewed unit the hourly run just warmed is left. Not the
    organizations (a curator's, 40–60 ms each): a country's ~30,000 would take most of
    the cache's ``TANDEM_CACHE_ENTRIES`` and half an hour of a worker — theirs is warmed
    once viewed (the hourly run, ``warm_soon``) or as its curator logs in
    (:func:`warm_on_login`). Nothing where the cache is a process's
    memory (the embedded set-up and its commands: lost with the command). Not marked
    viewed: the hourly run warms them again only once someone looks. The receiver of
    ``signals.rebuilt``. Returns the number of tasks."""
    if isinstance(caches["default"], LocMemCache):
        return 0  # the cache of this process (the embedded set-up): gone with the command
    batches = _batches(True, *_every_unit(organizations=False))
    for batch in batches:
        warm_dashboards.enqueue(unviewed=True, **batch)
    return len(batches)


# A staff user's own dashboard is computed as she logs in (warm_on_login), ahead of the
# hourly run's lowest priority (WARM_PRIORITY): she may open it within seconds, the run's
# dozens of tasks are not awaited by anyone. Behind letters and the figures' keepers (0).
LOGIN_PRIORITY = WARM_PRIORITY // 2


def login_warm_up(scope: Scope) -> dict[str, Any] | None:
    """The arguments of :func:`warm_dashboards` for the standard dashboard of a user of
    ``scope`` (the page ``/monitoring/`` opens with: the federal operator's — the
    country's —, a regional operator's, a coordinator's, a curator's) where it is one the
    hourly run warms (``selectors.warmed``: one unit, or the country); None for anyone
    else (a teacher, an operator of several regions)."""
    if not scope.is_staff:
        if not scope.is_federal_operator:
            return None
        scope = Scope(user_id=scope.user_id, everything=True)  # views.dashboard's
    if not selectors.warmed(scope, Filters()):
        return None
    return {"country": scope.everything, "region_ids": sorted(scope.region_ids),
            "municipality_ids": sorted(scope.municipality_ids),
            "organization_ids": sorted(scope.organization_ids), "unviewed": True}


def warm_on_login(sender: object, request: object = None, user: object = None,
                  **kwargs: object) -> bool:
    """A staff user logged in (``django.contrib.auth.signals.user_logged_in``): where tasks
    run in a worker, her own standard dashboard (:func:`login_warm_up`) is computed into
    the cache under the key its page reads (``selectors.warm``: the hourly run's key and
    version — the page never shows a figure another computation would not), so that her
    first view of it finds it (issue #16: a curator's dashboard nobody had viewed was the
    one first view over 300 ms on a region of 300,000 — organizations are not warmed
    after a rebuild, :func:`warm_every_unit`). One task at ``LOGIN_PRIORITY``, queued
    after the login's commit (``robust``: a queue that fails loses the warm-up, never the
    login); a dashboard cached and young costs it the version's read and one read of the
    cache. With the immediate backend (the embedded set-up) nothing: the login request
    would compute a page it does not show. The login's cost: the scope's two small
    queries and the task's row (a teacher's: the two queries). Not marked viewed: the
    hourly run warms it again only once she looks. Whether a warm-up is queued."""
    if not _queued() or user is None:
        return False
    arguments = login_warm_up(scope_for(user))
    if arguments is None:
        return False
    transaction.on_commit(
        lambda: warm_dashboards.using(priority=LOGIN_PRIORITY).enqueue(**arguments),
        robust=True)
    return True


# An organization's writes are followed by one warm-up of its dashboard (a curator's)
# this long after the first of them, whatever their number (a curator saving a map's
# rows one by one): the task runs then, and sees them all.
WARM_SOON_SECONDS = 30
WARM_SOON_KEY = "monitoring:warm-soon:o:{pk}"
WARM_SOON_MEMORY = "warm-soon"  # the organizations a transaction's writes changed


def warm_soon(organization_id: int) -> None:
    """An audited write changed this organization's version (``versions._changed``):
    where tasks run in a worker, after the transaction commits, its dashboard is computed
    again ``WARM_SOON_SECONDS`` later — if it was viewed lately, and once for however
    many writes come meanwhile (a cache key added atomically; the task removes it before
    it reads the version, so a write after that queues the next one — whatever the
    clocks of the app servers and the worker say). With the immediate backend nothing
    (the writer's request would compute a page it does not show: the hourly run warms
    it). Regions and municipalities are not warmed on a write (a region's version moves
    with every write in it): the rebuild of the pair figures and the hourly run do that.

    One callback a transaction, whatever its savepoints, reads the organizations it
    collected (one read of the cache for all); ``robust``: a cache or a queue that
    fails loses the warm-up (the hourly run does it), never the write's response nor the
    transaction's later callbacks (letters, file deletions) — review of h/warm."""
    if not _queued():
        return
    memory = transaction_memory(WARM_SOON_MEMORY)
    if memory is None:  # no transaction: the write is committed already
        transaction.on_commit(lambda: _enqueue_soon([organization_id]), robust=True)
        return
    ids: set[int] = memory.setdefault("ids", set())
    if not ids:  # the memory is new: its callback, in the same savepoint as the memory's
        transaction.on_commit(lambda: _enqueue_soon(sorted(ids)), robust=True)
    ids.add(organization_id)


def _enqueue_soon(organization_ids: list[int]) -> list[int]:
    """:func:`warm_soon` after the commit: one read of the cache (the views' marks and
    the pending warm-ups' together); for each viewed organization with none pending, the
    key added and a task enqueued. The organizations it was enqueued for."""
    keys = {pk: (selectors.viewed_organization_key(pk), WARM_SOON_KEY.format(pk=pk))
            for pk in organization_ids}
    got = cache.get_many([key for pair in keys.values() for key in pair])
    task = warm_dashboards
    if task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + dt.timedelta(seconds=WARM_SOON_SECONDS))
    queued = []
    for pk, (mark, soon) in keys.items():
        # The key outlives the delay: it is removed by the task when it starts; if the
        # queue is late past it, a second task is harmless (it finds the figures cached).
        if mark not in got or soon in got or not cache.add(soon, 1, 4 * WARM_SOON_SECONDS):
            continue
        task.enqueue(region_ids=[], municipality_ids=[], organization_ids=[pk])
        queued.append(pk)
    return queued


def is_large(item: Report, *, scope: Scope, filters: Filters) -> tuple[bool, int]:
    """Whether ``item`` under ``filters`` is made in the background, and its rows."""
    if item.size is None:
        return False, 0
    # Counted as the file is read (docs/deploy.md 8.4): not on a replica behind the request.
    with reading_fresh_from_replica() if item.replica else nullcontext():
        total = item.size(scope=scope, filters=filters)
    return total >= REPORT_SYNC_ROWS, total


def report_soon(*, user: User, item: Report, query: str, total: int) -> ReportJob:
    """Queues ``item`` for ``user`` with the dashboard's filters ``query`` (checked by the
    request: the task checks them again, against the scope the user has then) and the
    fingerprint of the user's rights (a file made under other rights is not handed out)."""
    job = ReportJob.objects.create(requested_by=user, report=item.name, query=query[:2000],
                                   fmt=item.extension, total=total,
                                   rights=scope_for(user).fingerprint)
    transaction.on_commit(lambda: make_report.enqueue(job_id=job.pk))
    return job


@task
def make_report(*, job_id: int) -> int:
    """Writes the file of a report job, counting rows as it goes; the rows written."""
    def make(job: ReportJob, counted: Callable[[Iterable[Any]], Iterator[Any]]
             ) -> tuple[bytes, str]:
        item = REPORTS[job.report]
        scope = scope_for(job.requested_by)
        job.check_rights(scope.fingerprint)  # those the job was asked with
        form = FiltersForm(QueryDict(job.query), scope=scope)
        try:
            valid = scope.is_staff and form.is_valid()
        except Http404:  # a unit of the filters is out of the owner's scope now
            valid = False
        if not valid:
            raise exports.Refused("the filters are out of the owner's scope now")
        # The same reading as the request's (docs/deploy.md 8.4); the data function's
        # queries are lazy and run inside render, which is why render is wrapped too.
        with (reading_from_replica(fresh_as_of=job.primary_lsn) if item.replica
              else nullcontext()):
            data = item.data(scope=scope, filters=form.filters())
            if isinstance(data, Table):
                data = replace(data, rows=counted(data.rows))
            return item.render(data), item.filename(timezone.localdate())

    return exports.write(ReportJob, job_id, make, rights_now=fingerprint_now,
                         step=REPORT_STEP)
