"""Figures of pairs, maps, meetings and people kept current per organization: what the
dashboard's standard view (no period chosen) reads instead of scanning pairs, rows and
meetings (and, for closed deficits, the answers) on every computation.

What is kept (models in tandem/monitoring/models.py):

- per organization (:class:`PairTallyState`): active people, those of them in a formed
  pair and the day the figures describe (``as_of``, in the time zone of the organization's
  region); whether they wait for a rebuild is a :class:`PairTallyMark` row;
- per pair of organizations (:class:`PairTally`, A's and B's): pairs by status, rows
  planned / closed / done / overdue / with a product, completed pairs with every row
  closed, meetings held and planned by the cadence norm. A unit adds the rows either of
  whose organizations it holds: a municipal-pool pair counts once in the region and in
  each member's organization, exactly as ``Pair.objects.formed().of_unit(by=MEMBER)``.

When they are used (:func:`summary`): only for the standard view — no dates in the
filters — and only when every organization of the unit is current for the day the
dashboard describes (not marked, rebuilt for that same day). Otherwise — a custom
period, a change not yet rebuilt, a new day before the hourly run — the dashboard
computes live (:func:`tandem.monitoring.effectiveness.unit_summary`), so a figure never
differs from the live one, only its cost does.

How they stay current: a write of a pair, map row, meeting or participant (model
signals, connected in apps.py), of answers (:func:`tandem.diagnostics.tallies.touch`
sends :data:`tandem.web.signals.figures_changed`) or in bulk (the writer sends that
signal) marks the organizations concerned inside its transaction (a ``PairTallyMark``: a
crash loses nothing); once the transaction commits, one job
(:func:`tandem.monitoring.tasks.refresh_pair_tallies`) rebuilds them. The hourly
``tandem send-reminders`` (:data:`tandem.web.signals.hourly`) rebuilds what is marked and
every organization whose region has started a new day.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from tandem.access.filters import Filters
from tandem.diagnostics.models import Campaign
from tandem.monitoring import effectiveness
from tandem.monitoring.effectiveness import PAIR_FIELDS, people_counts
from tandem.monitoring.models import PairMonthTally, PairTally, PairTallyMark, PairTallyState
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.web.tracking import Tracked
from tandem.web.tracking import stored as as_stored
from tandem.web.transactions import (
    ROWS_PER_STATEMENT,
    delete_in_pieces,
    forget_transaction_memory,
    in_batches,
    mark_once,
    organizations_per_batch,
    read_only_snapshot,
)

MEMORY = "pair-tallies"  # the organizations a transaction has marked
Progress = Callable[[int, int], None]


# -- marking ------------------------------------------------------------------------------
def touch(organization_ids: Iterable[int | None]) -> None:
    """These organizations' pairs, maps, meetings, people or answers changed: mark them
    in this transaction; one job rebuilds them after it commits."""
    mark_once(MEMORY, {pk for pk in organization_ids if pk is not None},
              insert=lambda ids: PairTallyMark.objects.bulk_create(
                  [PairTallyMark(organization_id=pk) for pk in ids]),
              enqueue=enqueue_refresh)


def touch_pairs(pairs: QuerySet[Pair]) -> None:
    """:func:`touch` for the organizations of these pairs' members."""
    touch({pk for row in pairs.values_list("a_organization_id", "b_organization_id")
           for pk in row})


def enqueue_refresh() -> None:
    from tandem.monitoring.tasks import refresh_pair_tallies

    refresh_pair_tallies.enqueue()


# -- rebuilding ---------------------------------------------------------------------------
def today_of(organization_ids: Iterable[int], now: dt.datetime | None = None
             ) -> dict[int, dt.date]:
    """Each organization's date, in its region's time zone."""
    now = now or timezone.now()
    return {pk: now.astimezone(ZoneInfo(zone)).date() for pk, zone in Organization.objects
            .filter(pk__in=list(organization_ids))
            .values_list("pk", "municipality__region__time_zone")}


def refresh(*, now: dt.datetime | None = None, progress: Progress | None = None,
            new_day: bool = True) -> int:
    """Rebuilds every marked organization and (``new_day``: the hourly run) every one
    whose figures describe another day than its region's today; returns how many. The
    job after a write passes ``new_day=False``: it answers the marks, not the clock, and
    does not read every organization of the country."""
    now = now or timezone.now()
    marked = set(PairTallyMark.objects.values_list("organization_id", flat=True))
    old: set[int] = set()
    if new_day:
        days = today_of(Organization.objects.values_list("pk", flat=True), now)
        current = dict(PairTallyState.objects.values_list("organization_id", "as_of"))
        old = {pk for pk, day in days.items() if current.get(pk) != day}
    return rebuild(sorted(marked | old), now=now, progress=progress)


def rebuild(organization_ids: Iterable[int] | None = None, *, now: dt.datetime | None = None,
            progress: Progress | None = None) -> int:
    """Figures of these organizations (all: None) from their pairs, rows and meetings:
    each region's day in batches (``organizations_per_batch``), a transaction each."""
    ids = sorted(organization_ids if organization_ids is not None else
                 Organization.objects.values_list("pk", flat=True))
    done = 0
    for day, group in _by_day(ids, now):
        def report(n: int, _total: int, before: int = done) -> None:
            if progress is not None:
                progress(before + n, len(ids))

        in_batches(group, organizations_per_batch(), partial(_rebuild_locked, day=day),
                   report)
        done += len(group)
    return len(ids)


def _by_day(ids: list[int], now: dt.datetime | None) -> list[tuple[dt.date, list[int]]]:
    """The organizations (that still exist) grouped by their region's today, earliest day
    first: the order in which ``rebuild`` writes them (a row shared across days keeps the
    later day) and ``stale`` recounts them."""
    days = today_of(ids, now)
    groups: dict[dt.date, list[int]] = defaultdict(list)
    for pk in ids:
        if pk in days:
            groups[days[pk]].append(pk)
    return sorted(groups.items())


def _rebuild_locked(ids: list[int], day: dt.date) -> None:
    """Rebuilds these organizations (and the rows they share with the organizations of
    their pairs' other members) as of ``day``, holding the states of all of them, in id
    order, so two rebuilds of one shared row queue. Writers do not take these locks
    (their marks are inserts): a rebuild removes only the marks it read before reading
    the data, so a write committed after that keeps its mark for the next rebuild."""
    pairs = Pair.objects.formed().of_unit(Organization.objects.filter(pk__in=ids))
    # A pair with a new partner committed between this read and the locks can make two
    # rebuilds insert one shared row: one fails, its marks stay, the next run repairs it.
    partners = {pk for row in pairs.values_list("a_organization_id", "b_organization_id")
                for pk in row}
    held = sorted(set(ids) | partners)
    PairTallyState.objects.bulk_create([PairTallyState(organization_id=pk) for pk in held],
                                       ignore_conflicts=True)
    list(PairTallyState.objects.select_for_update().filter(organization_id__in=held)
         .order_by("pk").values_list("pk", flat=True))
    # The marks this rebuild answers: read before any of the data it sums.
    seen = list(PairTallyMark.objects.filter(organization_id__in=ids)
                .values_list("pk", flat=True))

    PairTally.objects.filter(Q(organization_a_id__in=ids) | Q(organization_b_id__in=ids)
                             ).delete()
    groups = effectiveness.pair_groups(pairs, day, by=effectiveness.BY_MEMBERS)
    PairTally.objects.bulk_create([PairTally(organization_a_id=a, organization_b_id=b,
                                             as_of=day, **figures)
                                   for (a, b), figures in sorted(groups.items())],
                                  batch_size=ROWS_PER_STATEMENT)
    PairMonthTally.objects.filter(Q(organization_a_id__in=ids) | Q(organization_b_id__in=ids)
                                  ).delete()
    PairMonthTally.objects.bulk_create(
        [PairMonthTally(organization_a_id=a, organization_b_id=b, status=status,
                        start_month=m0, end_month=m1, pairs=n)
         for (a, b, status, m0, m1), n in sorted(_months(pairs).items())],
        batch_size=ROWS_PER_STATEMENT)

    # One statement for the batch's states (their rows exist and are held: an upsert that
    # only ever updates), not one UPDATE per organization.
    people = _people(ids)
    refreshed_at = timezone.now()
    PairTallyState.objects.bulk_create(
        [PairTallyState(organization_id=pk, participants_active=active,
                        participants_in_pairs=in_pairs, as_of=day, refreshed_at=refreshed_at)
         for pk, (active, in_pairs) in ((pk, people.get(pk, (0, 0))) for pk in ids)],
        update_conflicts=True, unique_fields=["organization"],
        update_fields=["participants_active", "participants_in_pairs", "as_of",
                       "refreshed_at"], batch_size=ROWS_PER_STATEMENT)
    # A mark made after this rebuild read the marks is left for the next one.
    delete_in_pieces(PairTallyMark, seen)
    # A write after this, even in the same transaction, must mark again.
    forget_transaction_memory(MEMORY)


def _months(pairs: QuerySet[Pair]) -> dict[tuple[Any, ...], int]:
    """The pairs counted per (organization of A, of B, status, month of the start, month
    of the end): what :class:`PairMonthTally` keeps — one grouped query."""
    return {(row["a_organization_id"], row["b_organization_id"], row["status"],
             _as_date(row["m0"]), _as_date(row["m1"])): row["n"]
            for row in pairs.annotate(m0=TruncMonth("starts_on"), m1=TruncMonth("ends_on"))
            .values("a_organization_id", "b_organization_id", "status", "m0", "m1")
            .order_by().annotate(n=Count("pk"))}


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _people(ids: list[int]) -> dict[int, tuple[int, int]]:
    """(active people, those of them in a formed pair) per organization — a member of
    any formed pair is a member of a pair of the unit (``of_unit(by=MEMBER)``)."""
    return people_counts(Participant.objects.filter(organization_id__in=ids),
                         Pair.objects.formed())


# -- reading ------------------------------------------------------------------------------
def summary(organizations: QuerySet[Organization], filters: Filters,
            day: dt.date) -> dict[str, int] | None:
    """The unit's pair and people counts from the kept figures (two queries), or None
    when they cannot stand for the live computation: a period is chosen, or some
    organization of the unit is marked, never built, or built for another day."""
    if filters.date_from is not None or filters.date_to is not None:
        return None
    state = organizations.aggregate(
        n=Count("pk"),
        current=Count("pk", filter=Q(pair_tally_state__as_of=day) & ~Q(Exists(
            PairTallyMark.objects.filter(organization_id=OuterRef("pk"))))),
        active=Coalesce(Sum("pair_tally_state__participants_active"), 0),
        in_pairs=Coalesce(Sum("pair_tally_state__participants_in_pairs"), 0))
    if state["current"] != state["n"]:
        return None
    ids = organizations.values("pk")
    sums: dict[str, Any] = PairTally.objects.filter(
        Q(organization_a_id__in=ids) | Q(organization_b_id__in=ids)).aggregate(
        other_day=Count("pk", filter=~Q(as_of=day)),
        # A pair shared with an organization outside the unit: that one's marks count too
        # (an answer or a move marks only its own organization).
        partner_marked=Count("pk", filter=Q(Exists(PairTallyMark.objects.filter(
            organization_id=OuterRef("organization_a_id")))) | Q(Exists(
            PairTallyMark.objects.filter(organization_id=OuterRef("organization_b_id"))))),
        **{name: Coalesce(Sum(name), 0) for name in PAIR_FIELDS})
    # Shared with an organization of another time zone, or waiting for a rebuild.
    if sums.pop("other_day") or sums.pop("partner_marked"):
        return None
    return {"participants_active": state["active"],
            "participants_in_pairs": state["in_pairs"], **sums}


def month_groups(organizations: QuerySet[Organization]) -> list[dict[str, Any]]:
    """The unit's formed pairs by start month (``m0``), end month (``m1``) and status —
    the rows of the live ``pairs by month`` query — from the kept figures (one query over
    the rows either of whose organizations the unit holds). Only where :func:`summary`
    found the unit's figures current (and no period chosen)."""
    ids = organizations.values("pk")
    return [{"m0": m0, "m1": m1, "status": status, "n": n} for m0, m1, status, n in (
        PairMonthTally.objects.filter(Q(organization_a_id__in=ids) | Q(organization_b_id__in=ids))
        .values("start_month", "end_month", "status").order_by()
        .annotate(n=Sum("pairs")).values_list("start_month", "end_month", "status", "n"))]


def stale(now: dt.datetime | None = None) -> list[tuple[object, ...]]:
    """What the kept figures hold and a rebuild would not (or the other way round), and
    the organizations that wait: empty when every writer marked what it changed. Reads
    only — the rebuild's sums are computed in memory (one REPEATABLE READ snapshot on
    PostgreSQL) — so it holds no lock and may run while people work."""
    with read_only_snapshot():
        stored = _snapshot()
        waiting = {("waiting", pk) for pk in PairTallyMark.objects.values_list(
            "organization_id", flat=True)}
        ids = sorted(Organization.objects.values_list("pk", flat=True))
        shared: dict[tuple[int, int], tuple[object, ...]] = {}
        fresh: set[tuple[object, ...]] = set()
        # As ``rebuild`` writes them: day by day, a row shared across days taking the last.
        for day, group in _by_day(ids, now):
            pairs = Pair.objects.formed().of_unit(Organization.objects.filter(pk__in=group))
            for (a, b), figures in effectiveness.pair_groups(
                    pairs, day, by=effectiveness.BY_MEMBERS).items():
                shared[(a, b)] = ("PairTally", a, b, day,
                                  *(figures[name] for name in PAIR_FIELDS))
            fresh |= {("PairMonthTally", *key, n) for key, n in _live_months(group).items()}
            people = _people(group)
            fresh |= {("PairTallyState", pk, day, *people.get(pk, (0, 0))) for pk in group}
        fresh |= set(shared.values())
    return sorted(stored ^ fresh | waiting, key=str)


def _live_months(ids: list[int]) -> dict[tuple[Any, ...], int]:
    """:func:`_months` counted in Python from the pairs themselves (the check's own
    count, not the rebuild's query)."""
    months: dict[tuple[Any, ...], int] = defaultdict(int)
    for a, b, status, starts_on, ends_on in (
            Pair.objects.formed().of_unit(Organization.objects.filter(pk__in=ids))
            .values_list("a_organization_id", "b_organization_id", "status", "starts_on",
                         "ends_on")):
        months[(a, b, status, starts_on.replace(day=1), ends_on.replace(day=1))] += 1
    return months


def _snapshot() -> set[tuple[object, ...]]:
    return ({("PairMonthTally", *row) for row in PairMonthTally.objects.values_list(
                "organization_a_id", "organization_b_id", "status", "start_month", "end_month",
                "pairs")}
            | {("PairTally", *row) for row in PairTally.objects.values_list(
                "organization_a_id", "organization_b_id", "as_of", *PAIR_FIELDS)}
            | {("PairTallyState", *row) for row in PairTallyState.objects.values_list(
                "organization_id", "as_of", "participants_active", "participants_in_pairs")})


# -- model signals (connected in apps.py) -------------------------------------------------
# What each model's figures depend on, as stored just before a save
# (:mod:`tandem.web.tracking`: an out-of-date copy saved back changes them too): a save
# that changes none of it marks nothing (a person's e-mail, a pair's notes).
def _participant_changed(person: Any, before: tuple[Any, ...],
                         after: tuple[Any, ...]) -> None:
    """A person joined (new), left (``is_active``) or moved: both organizations' people
    and the pairs of theirs that change organization."""
    touch([before[0], after[0]])


def participant_deleted(sender: type, instance: Any, **kwargs: object) -> None:
    """(``pre_delete``) The organization as stored, not as the deleted copy holds it."""
    touch([*(as_stored(instance, ("organization_id",), using=kwargs.get("using")) or ())])


def _pair_changed(pair: Any, before: tuple[Any, ...], after: tuple[Any, ...]) -> None:
    """A pair formed (new), or its status, dates or members changed: the organizations of
    the members it had and has."""
    _touch_members([*before[:2], *after[:2]])


def pair_deleted(sender: type, instance: Any, **kwargs: object) -> None:
    """(``pre_delete``) The members as stored, not as the deleted copy holds them."""
    _touch_members([*(as_stored(instance, ("a_id", "b_id"), using=kwargs.get("using")) or ())])


def _touch_members(people: list[Any]) -> None:
    touch(Participant.objects.filter(pk__in={pk for pk in people if pk is not None})
          .values_list("organization_id", flat=True))


def row_changed(sender: type, instance: Any, **kwargs: object) -> None:
    """A row of a pair's map (a training map has no pair: nothing to count)."""
    touch_pairs(Pair.objects.filter(map__pk=instance.__dict__.get("map_id")))


def meeting_changed(sender: type, instance: Any, **kwargs: object) -> None:
    touch_pairs(Pair.objects.filter(pk=instance.__dict__.get("pair_id")))


def _campaign_changed(campaign: Any, before: tuple[Any, ...],
                      after: tuple[Any, ...]) -> None:
    """A round's dates or kind decide which answers close a row: its people's
    organizations (a new round has no answers yet)."""
    touch(Participant.objects.filter(responses__campaign=campaign.pk)
          .values_list("organization_id", flat=True).distinct())


TRACKED = (
    Tracked(Participant, "pair_tallies_participant", ("organization_id", "is_active"),
            _participant_changed, on_create=True),
    Tracked(Pair, "pair_tallies_pair", ("a_id", "b_id", "status", "starts_on", "ends_on"),
            _pair_changed, on_create=True),
    Tracked(Campaign, "pair_tallies_campaign", ("kind", "starts_on", "ends_on"),
            _campaign_changed),
)


def figures_changed(sender: object, organization_ids: Iterable[int | None] = (),
                    **kwargs: object) -> None:
    touch(organization_ids)


def hourly(sender: object, **kwargs: object) -> None:
    refresh()
