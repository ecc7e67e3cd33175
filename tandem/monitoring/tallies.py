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

- per municipality and sector of A's and of B's organization (:class:`PairMunicipalityTally`,
  :class:`PairMonthMunicipalityTally`; the states' :class:`PairMunicipalityState`): those
  rows summed, what a region's or the country's standard view reads (:func:`regional`)
  instead of every organization's rows. A rebuild changes them by the difference of its
  organizations' rows; a move, a change of sector or a deletion marks the organization
  with the municipality it left (``PairTallyMark.municipality_id``), and the rebuild adds
  that one and the one it is in now up again whole.

When they are used (:func:`summary`): only for the standard view — no dates in the
filters — and only when every organization of the unit is current for the day the
dashboard describes (not marked, rebuilt for that same day). Otherwise — a custom
period, a change not yet rebuilt, an organization never built — the dashboard computes
live (:func:`tandem.monitoring.effectiveness.unit_summary`), so a figure never differs
from the live one, only its cost does. A region's new day before its rebuild is the one
exception (:func:`dated_summary`, ``regional(older=True)``): the dashboard reads the
figures of the day before as they are, names that day on the page and asks once for the
rebuild (:func:`enqueue_new_day`) — not every pair, row and meeting of the region
computed again after each of its midnights (issue #16).

How they stay current: a write of a pair, map row, meeting or participant (model
signals, connected in apps.py), of answers (:func:`tandem.diagnostics.tallies.touch`
sends :data:`tandem.web.signals.figures_changed`) or in bulk (the writer sends that
signal) marks the organizations concerned inside its transaction (a ``PairTallyMark``: a
crash loses nothing); once the transaction commits, one job
(:func:`tandem.monitoring.tasks.refresh_pair_tallies`) rebuilds them. The hourly
``tandem send-reminders`` (:data:`tandem.web.signals.hourly`) rebuilds what is marked and
every organization whose region has started a new day (and so does the job the first
dashboard of a new day queues, :func:`enqueue_new_day`).
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache as once
from functools import partial
from typing import Any

from django.core.cache import cache
from django.db import models, transaction
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from tandem.access.filters import Filters
from tandem.diagnostics.models import Campaign
from tandem.monitoring import effectiveness
from tandem.monitoring.effectiveness import PAIR_FIELDS, people_counts
from tandem.monitoring.models import (
    PairMonthMunicipalityTally,
    PairMonthTally,
    PairMunicipalityState,
    PairMunicipalityTally,
    PairTally,
    PairTallyMark,
    PairTallyState,
)
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization, Region
from tandem.territory.zones import zone_named
from tandem.web.bulk import copy_rows
from tandem.web.together import beside, together
from tandem.web.tracking import Tracked
from tandem.web.tracking import stored as as_stored
from tandem.web.transactions import (
    ROWS_PER_STATEMENT,
    delete_in_pieces,
    first_in_savepoint,
    forget_transaction_memory,
    in_batches,
    mark_once,
    organizations_per_batch,
    read_only_snapshot,
)

MEMORY = "pair-tallies"  # the organizations a transaction has marked
CHILDREN = "pair-tallies-children"  # the maps and pairs whose rows, meetings it has heard
# The organizations a transaction has marked as moved (with the municipality they were
# summed into): one memory for all of them, forgotten by a rebuild with MEMORY.
MOVED = "pair-tallies-moved"
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


# A page that read figures of a day before its unit's today (:func:`dated_summary`,
# ``regional(older=True)``) asks for the rebuild of the new day once an hour of UTC (the
# regions turn their day on the hour, each in its own zone): one key of the cache, added
# atomically by the first such page, kept this long.
NEW_DAY_KEY = "monitoring:pair-tallies:new-day:{hour}"
NEW_DAY_SECONDS = 60 * 60


def enqueue_new_day(now: dt.datetime | None = None) -> bool:
    """A region's day turned and its figures still describe the day before: the rebuild
    of every organization whose region started a new day
    (:func:`tandem.monitoring.tasks.refresh_new_day`) queued once — whoever views first
    in this hour — for a worker, after the request's transaction. Where tasks run in the
    process that enqueues them (the embedded set-up) nothing is queued: the page would
    rebuild the region itself; the hourly run does (``tandem send-reminders``). Whether
    it was queued."""
    from tandem.monitoring.tasks import queued, refresh_new_day

    if not queued():
        return False
    hour = (now or timezone.now()).astimezone(dt.UTC).strftime("%Y-%m-%dT%H")
    if not cache.add(NEW_DAY_KEY.format(hour=hour), 1, NEW_DAY_SECONDS):
        return False
    transaction.on_commit(refresh_new_day.enqueue)
    return True


# -- rebuilding ---------------------------------------------------------------------------
def today_of(organization_ids: Iterable[int], now: dt.datetime | None = None
             ) -> dict[int, dt.date]:
    """Each organization's date, in its region's time zone."""
    now = now or timezone.now()
    return {pk: now.astimezone(zone_named(zone)).date() for pk, zone in Organization.objects
            .filter(pk__in=list(organization_ids))
            .values_list("pk", "municipality__region__time_zone")}


def refresh(*, now: dt.datetime | None = None, progress: Progress | None = None,
            new_day: bool = True) -> int:
    """Rebuilds every marked organization and (``new_day``: the hourly run) every one
    whose figures describe another day than its region's today; returns how many. The
    job after a write passes ``new_day=False``: it answers the marks, not the clock, and
    does not read every organization of the country."""
    now = now or timezone.now()
    _gone()
    marked = set(PairTallyMark.objects.values_list("organization_id", flat=True))
    old: set[int] = set()
    if new_day:
        days = today_of(Organization.objects.values_list("pk", flat=True), now)
        current = dict(PairTallyState.objects.values_list("organization_id", "as_of"))
        old = {pk for pk, day in days.items() if current.get(pk) != day}
    return rebuild(sorted(marked | old), now=now, progress=progress, stale_only=True)


def rebuild(organization_ids: Iterable[int] | None = None, *, now: dt.datetime | None = None,
            progress: Progress | None = None, stale_only: bool = False) -> int:
    """Figures of these organizations (all: None) from their pairs, rows and meetings:
    each region's day in batches (``organizations_per_batch``), a transaction each. A
    full rebuild (None) sums every municipality again whole — each batch its
    organizations' municipalities, no difference computed (as ``maps.tallies``), then
    the municipalities that hold no organization — so ``tandem tallies --rebuild``
    repairs the sums too; otherwise the sums change by the organizations' difference
    (:func:`_sum_up`).

    ``stale_only`` (:func:`refresh`): an organization found, once its state is held, built
    for its day and not marked is left as it is — another run rebuilt it since the list
    was read (the hourly run and a page's ``refresh_new_day`` at a region's midnight) —
    and not counted. Otherwise returns how many organizations were given."""
    full = organization_ids is None
    # A full rebuild takes the organizations municipality by municipality, so that each
    # batch's municipalities are summed once — not once in every batch that holds one of
    # their organizations (only a municipality at a batch's edge is summed twice).
    ids = (list(Organization.objects.order_by("municipality_id", "pk")
                .values_list("pk", flat=True)) if full
           else sorted(organization_ids))  # type: ignore[arg-type]
    done = 0
    rebuilt = [0]

    def batch(group: list[int], day: dt.date) -> None:
        rebuilt[0] += _rebuild_locked(group, day=day, full=full, stale_only=stale_only)

    for day, group in _by_day(ids, now):
        def report(n: int, _total: int, before: int = done) -> None:
            if progress is not None:
                progress(before + n, len(ids))

        in_batches(group, organizations_per_batch(),
                   partial(batch, day=day), report)
        done += len(group)
    if full:
        _resum_empty()
    return rebuilt[0] if stale_only else len(ids)


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


def _rebuild_locked(ids: list[int], day: dt.date, *, full: bool = False,
                    stale_only: bool = False) -> int:
    """Rebuilds these organizations (and the rows they share with the organizations of
    their pairs' other members) as of ``day``, holding the states of all of them, in id
    order, so two rebuilds of one shared row queue. Writers do not take these locks
    (their marks are inserts): a rebuild removes only the marks it read before reading
    the data, so a write committed after that keeps its mark for the next rebuild.

    ``full`` (a rebuild of every organization): the municipalities of these
    organizations are summed again whole, no difference read or computed.
    ``stale_only``: the organizations found, under the locks, built for ``day`` and not
    marked are left out (a run since rebuilt them). Returns how many were rebuilt."""
    pairs = Pair.objects.formed().of_unit(Organization.objects.filter(pk__in=ids))
    # A pair with a new partner committed between this read and the locks can make two
    # rebuilds insert one shared row: one fails, its marks stay, the next run repairs it.
    partners = {pk for row in pairs.values_list("a_organization_id", "b_organization_id")
                for pk in row}
    held = sorted(set(ids) | partners)
    # The states to hold that do not exist yet (none, mostly: no statement that writes).
    have = set(PairTallyState.objects.filter(organization_id__in=held)
               .values_list("organization_id", flat=True))
    if set(held) - have:
        PairTallyState.objects.bulk_create(
            [PairTallyState(organization_id=pk) for pk in held if pk not in have],
            ignore_conflicts=True)
    list(PairTallyState.objects.select_for_update().filter(organization_id__in=held)
         .order_by("pk").values_list("pk", flat=True))
    # The marks this rebuild answers: read before any of the data it sums.
    marks = list(PairTallyMark.objects.filter(organization_id__in=ids)
                 .values_list("pk", "organization_id", "municipality_id"))
    if stale_only:
        # Read under the locks: a run that rebuilt them committed before they were held.
        done = set(PairTallyState.objects.filter(organization_id__in=ids, as_of=day)
                   .values_list("organization_id", flat=True)) - {pk for _m, pk, _u in marks}
        if done:
            ids = [pk for pk in ids if pk not in done]
            if not ids:
                return 0
            pairs = Pair.objects.formed().of_unit(Organization.objects.filter(pk__in=ids))
    seen = [pk for pk, _o, _m in marks]
    left = {municipality for _pk, _o, municipality in marks if municipality is not None}
    moved = {pk for _pk, pk, municipality in marks if municipality is not None}
    # Summed again whole: a municipality an organization left, changed its sector in or
    # was deleted from (``left``: its marks name it), the one it is in now (``moved``),
    # every one of the batch's in a full rebuild. Their organizations' rows are not read
    # for a difference.
    place = _places(ids)
    whole = left | {place[pk][0] for pk in moved if pk in place}
    if full:
        whole |= {municipality for municipality, _s in place.values()}
    by_difference = [pk for pk in ids if place.get(pk, (None, ""))[0] not in whole]
    before = {sums: _kept(sums, by_difference) if by_difference else [] for sums in SUMS}

    PairTally.objects.filter(Q(organization_a_id__in=ids) | Q(organization_b_id__in=ids)
                             ).delete()
    groups = effectiveness.pair_groups(pairs, day, by=effectiveness.BY_MEMBERS)
    PairTally.objects.bulk_create([PairTally(organization_a_id=a, organization_b_id=b,
                                             as_of=day, **figures)
                                   for (a, b), figures in sorted(groups.items())],
                                  batch_size=ROWS_PER_STATEMENT)
    PairMonthTally.objects.filter(Q(organization_a_id__in=ids) | Q(organization_b_id__in=ids)
                                  ).delete()
    months = _months(pairs)
    PairMonthTally.objects.bulk_create(
        [PairMonthTally(organization_a_id=a, organization_b_id=b, status=status,
                        start_month=m0, end_month=m1, pairs=n)
         for (a, b, status, m0, m1), n in sorted(months.items())],
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
    # The kept rows just written, as _kept reads them (every one touches the batch: its
    # pairs have a member in it), not read back.
    after: dict[Sums, list[Row]] = {
        PAIRS: [(a, b, day, *(figures[name] for name in PAIR_FIELDS))
                for (a, b), figures in groups.items()],
        MONTHS: [(*key, n) for key, n in months.items()],
        STATES: [(pk, day, 1, *people.get(pk, (0, 0))) for pk in ids]}
    _sum_up(place, whole, before, after)
    # A mark made after this rebuild read the marks is left for the next one.
    delete_in_pieces(PairTallyMark, seen)
    # A write after this, even in the same transaction, must mark again — a move too.
    forget_transaction_memory(MEMORY)
    forget_transaction_memory(MOVED)
    forget_transaction_memory(CHILDREN)
    return len(ids)


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


# -- the municipalities' sums -------------------------------------------------------------
@dataclass(frozen=True)
class Sums:
    """A kept table (``kept``: rows of an organization or of a pair of organizations) and
    its sums by the municipality and sector of each of those organizations (``model``)."""

    kept: type[models.Model]
    model: type[models.Model]
    members: tuple[str, ...]  # the kept row's organizations
    places: tuple[str, ...]  # the sums' municipality and sector, two fields per member
    key: tuple[str, ...]  # the rest of the key, named alike in both
    values: tuple[str, ...]  # summed; ``organizations`` counts the kept rows
    only: Q = field(default_factory=Q)  # the kept rows summed


SIDES = ("municipality_a_id", "sector_a", "municipality_b_id", "sector_b")
PAIRS = Sums(PairTally, PairMunicipalityTally, ("organization_a_id", "organization_b_id"),
             SIDES, ("as_of",), PAIR_FIELDS)
MONTHS = Sums(PairMonthTally, PairMonthMunicipalityTally,
              ("organization_a_id", "organization_b_id"), SIDES,
              ("status", "start_month", "end_month"), ("pairs",))
# A state never built (``as_of`` null: a pair's partner held by a rebuild) is left out.
STATES = Sums(PairTallyState, PairMunicipalityState, ("organization_id",),
              ("municipality_id", "sector"), ("as_of",),
              ("organizations", "participants_active", "participants_in_pairs"),
              Q(as_of__isnull=False))
SUMS = (PAIRS, MONTHS, STATES)
Row = tuple[Any, ...]
Place = tuple[int, str]


def _kept(sums: Sums, ids: Iterable[int] | None) -> list[Row]:
    """The kept rows (members, key, values) touching these organizations (all: None)."""
    rows = sums.kept.objects.filter(sums.only)  # type: ignore[attr-defined]
    if ids is not None:
        ids = list(ids)
        touching = Q()
        for member in sums.members:
            touching |= Q(**{f"{member}__in": ids})
        rows = rows.filter(touching)
    if "organizations" in sums.values:
        rows = rows.annotate(organizations=Value(1, IntegerField()))
    return list(rows.values_list(*sums.members, *sums.key, *sums.values))


def _places(ids: Iterable[int] | None = None) -> dict[int, Place]:
    """(municipality, sector) of these organizations (all: None), as they are now."""
    organizations = Organization.objects.all()
    if ids is not None:
        organizations = organizations.filter(pk__in=list(ids))
    return {pk: (municipality, sector) for pk, municipality, sector
            in organizations.values_list("pk", "municipality_id", "sector")}


def _members(rows: Iterable[Row], sums: Sums) -> set[int]:
    return {pk for row in rows for pk in row[:len(sums.members)]}


def summed(sums: Sums, rows: Iterable[Row], place: dict[int, Place]
           ) -> dict[Row, list[int]]:
    """The sums of these kept rows by their organizations' places: what ``model`` holds
    for them (a key whose every value is 0 is not kept)."""
    n, k = len(sums.members), len(sums.key)
    result: dict[Row, list[int]] = {}
    for row in rows:
        if any(pk not in place for pk in row[:n]):
            continue
        key = (*(part for pk in row[:n] for part in place[pk]), *row[n:n + k])
        acc = result.setdefault(key, [0] * len(sums.values))
        for i, value in enumerate(row[n + k:]):
            acc[i] += value
    return {key: values for key, values in result.items() if any(values)}


def _municipalities(sums: Sums, key: Row) -> set[int]:
    return {key[i] for i in range(0, len(sums.places), 2)}


def _insert(sums: Sums, rows: dict[Row, list[int]]) -> None:
    copy_rows(sums.model, (*sums.places, *sums.key, *sums.values),
              [(*key, *values) for key, values in sorted(rows.items(), key=str)])


def _summed_in_db(sums: Sums, members: QuerySet[Any]) -> list[Row]:
    """:func:`summed` by the database — one grouped statement over the kept rows touching
    these organizations, joined to their organizations for the places (as migration 0007
    fills them) — as (*places, *key, *values) rows, read whole (the connection runs no
    query inside a ``COPY``). :func:`stale` keeps the Python sum: the check's own."""
    touching = Q()
    for member in sums.members:
        touching |= Q(**{f"{member}__in": members})
    rows = sums.kept.objects.filter(sums.only, touching)  # type: ignore[attr-defined]
    places: dict[str, F] = {}
    for member, municipality, sector in zip(sums.members, sums.places[::2],
                                            sums.places[1::2], strict=True):
        organization = member.removesuffix("_id")
        places[f"p_{municipality}"] = F(f"{organization}__municipality_id")
        places[f"p_{sector}"] = F(f"{organization}__sector")
    totals = {f"s_{name}": Count("pk") if name == "organizations" else Sum(name)
              for name in sums.values}
    # A key whose every value is 0 is not kept (as summed()).
    return list(rows.values(*sums.key, **places).order_by().annotate(**totals)
                .exclude(**dict.fromkeys(totals, 0))
                .values_list(*places, *sums.key, *totals))


def _resum(municipality_ids: set[int], *, empty: bool = False) -> None:
    """These municipalities' sums added up again whole from the kept rows of their
    organizations (as they are now): every sum with a side in one of them. The caller
    holds their regions. ``empty``: they hold no organization — the sums only removed."""
    if not municipality_ids:
        return
    # A subquery, not a list of ids: a municipality may hold more organizations than a
    # statement may carry parameters (SQLite: 32,766).
    members = Organization.objects.filter(municipality_id__in=municipality_ids).values("pk")
    for sums in SUMS:
        sides = Q()
        for i in range(0, len(sums.places), 2):
            sides |= Q(**{f"{sums.places[i]}__in": municipality_ids})
        sums.model.objects.filter(sides).delete()  # type: ignore[attr-defined]
        if not empty:
            copy_rows(sums.model, (*sums.places, *sums.key, *sums.values),
                      _summed_in_db(sums, members))


def _hold_regions(municipality_ids: Iterable[int | None]) -> None:
    """The regions of these municipalities locked, in id order: every writer of the
    municipalities' sums holds the regions of the sums it writes, so two rebuilds that
    change one sum queue (a pair's two organizations are in one region)."""
    list(Region.objects.select_for_update(no_key=True).filter(
        pk__in=Municipality.objects.filter(pk__in={m for m in municipality_ids if m})
        .values("region_id")).order_by("pk").values_list("pk", flat=True))


def _sum_up(place: dict[int, Place], whole: set[int], before: dict[Sums, list[Row]],
            after: dict[Sums, list[Row]]) -> None:
    """The municipalities' sums after a rebuild of organizations: ``whole`` (where an
    organization left or went, every one of a full rebuild) added up again whole, the
    rest changed by the difference of the organizations' kept rows (``before`` out,
    ``after`` in), each under the places the organizations have now (``place``: the
    rebuilt organizations'; their partners' are read here)."""
    place = place | _places({pk for sums in SUMS for rows in (before[sums], after[sums])
                             for pk in _members(rows, sums)} - set(place))
    whole = set(whole)
    _hold_regions({m for m, _s in place.values()} | whole)
    _resum(whole)
    for sums in SUMS:
        def apart(rows: list[Row], sums: Sums = sums, whole: set[int] = whole) -> list[Row]:
            return [row for row in rows if not any(
                place.get(pk, (None, ""))[0] in whole for pk in row[:len(sums.members)])]

        delta = summed(sums, apart(after[sums]), place)
        for key, values in summed(sums, apart(before[sums]), place).items():
            acc = delta.setdefault(key, [0] * len(sums.values))
            for i, value in enumerate(values):
                acc[i] -= value
        # A municipality added up again whole by _add (every table) takes no later
        # table's difference: that would count it twice (review of 2026-12-05).
        whole |= _add(sums, {key: values for key, values in delta.items() if any(values)})


def _add(sums: Sums, delta: dict[Row, list[int]]) -> set[int]:
    """The sums changed by ``delta``: those of the keys that changed rewritten, none left
    at zero; a municipality whose sum would go below zero is added up again whole, in
    every table — returned, so the caller applies no other difference to it. It happens
    when writers marked: a pair partner moved to another municipality and still waits
    for its rebuild while this organization is rebuilt in another transaction."""
    if not delta:
        return set()
    width = len(sums.places) + len(sums.key)
    stored: dict[Row, tuple[int, list[int]]] = {}
    for pk, *rest in sums.model.objects.filter(  # type: ignore[attr-defined]
            **{f"{sums.places[0]}__in": {key[0] for key in delta}}).values_list(
            "pk", *sums.places, *sums.key, *sums.values):
        stored[tuple(rest[:width])] = (pk, list(rest[width:]))
    changed = {key: [a + b for a, b in zip(stored.get(key, (0, [0] * len(values)))[1],
                                            values, strict=True)]
               for key, values in delta.items()}
    short = {m for key, values in changed.items() if min(values) < 0
             for m in _municipalities(sums, key)}
    if short:
        _resum(short)
        changed = {key: values for key, values in changed.items()
                   if not _municipalities(sums, key) & short}
    sums.model.objects.filter(pk__in=[  # type: ignore[attr-defined]
        stored[key][0] for key in changed if key in stored] or [0]).delete()
    _insert(sums, {key: values for key, values in changed.items() if any(values)})
    return short


def _gone() -> int:
    """Marks of organizations deleted since: their municipalities (named by a deletion's
    mark) added up again whole, the marks removed. Returns how many marks."""
    marks = list(PairTallyMark.objects.exclude(
        organization_id__in=Organization.objects.values("pk"))
        .values_list("pk", "municipality_id"))
    if not marks:
        return 0
    with transaction.atomic():
        municipalities = {m for _pk, m in marks if m is not None}
        _hold_regions(municipalities)
        _resum(municipalities)
        delete_in_pieces(PairTallyMark, [pk for pk, _m in marks])
    return len(marks)


def _resum_empty() -> None:
    """The sums of municipalities without an organization removed (the last step of a
    full rebuild, whose batches sum every other municipality again whole): a sum left
    there by no writer's mark."""
    with transaction.atomic():
        empty = set(Municipality.objects.filter(organizations__isnull=True)
                    .values_list("pk", flat=True))
        _hold_regions(empty)
        _resum(empty, empty=True)


# -- reading ------------------------------------------------------------------------------
def summary(organizations: QuerySet[Organization], filters: Filters,
            day: dt.date) -> dict[str, int] | None:
    """The unit's pair and people counts from the kept figures (one statement), or None
    when they cannot stand for the live computation: a period is chosen, or some
    organization of the unit is marked, never built, or built for another day."""
    dated = dated_summary(organizations, filters, day, older=False)
    return None if dated is None else dated[0]


def dated_summary(organizations: QuerySet[Organization], filters: Filters, day: dt.date,
                  *, older: bool = True, now: dt.datetime | None = None,
                  ) -> tuple[dict[str, int], dt.date | None] | None:
    """:func:`summary` and the day its figures describe where it is not their unit's
    today (None: they are of it). ``older`` (the dashboard): each organization is
    counted for its own region's today (at ``now``), not ``day`` (the viewer's: a
    federal operator's is the installation's) — the figures current in its region are
    current, whoever looks — and figures built for an earlier day stand too (a region's
    new day before its rebuild, :func:`enqueue_new_day`): the oldest such day is
    returned, for the page to say so; a mark, an organization never built, a row of a
    later day than every region of the unit is on still do not."""
    if filters.date_from is not None or filters.date_to is not None:
        return None
    moment = now or timezone.now()
    # Grouped by the regions' zones (the few of the unit): each group's today is known
    # only here, so its figures' days are compared in Python, not in the statement.
    unmarked = Q(pair_tally_state__isnull=False) & ~Q(Exists(
        PairTallyMark.objects.filter(organization_id=OuterRef("pk"))))
    zones_read = (organizations.values(zone=F("municipality__region__time_zone")).order_by()
                  .annotate(n=Count("pk"), built=Count("pk", filter=unmarked),
                            first=Min("pair_tally_state__as_of"),
                            last=Max("pair_tally_state__as_of"),
                            active=Sum("pair_tally_state__participants_active"),
                            in_pairs=Sum("pair_tally_state__participants_in_pairs"))
                  # A count first: never NULL in a group's row (web.together.beside).
                  .values_list("n", "zone", "built", "first", "last", "active", "in_pairs"))
    ids = organizations.values("pk")
    # The pairs' sums beside the zones, in one statement (one round trip, not two); the
    # sums' shape is built once per process (_pair_sums), only the unit's filter here.
    pair_row, zones = beside(_pair_sums().filter(
        Q(organization_a_id__in=ids) | Q(organization_b_id__in=ids)), zones_read)
    behind: list[dt.date] = []
    todays: list[dt.date] = []
    for n, zone, built, first, last, *_people in zones:
        today = moment.astimezone(zone_named(zone)).date() if older else day
        todays.append(today)
        first, last = _day(first), _day(last)
        if built != n or (n and (first is None or last is None or last > today
                                 or (not older and first != today))):
            return None
        if n and first is not None and first < today:
            behind.append(first)
    first, last, partner_marked, *pair_sums = pair_row
    first, last = _day(first), _day(last)
    # Shared with an organization of another time zone, or waiting for a rebuild.
    if partner_marked or (last is not None and (
            last > max(todays, default=day) or (not older and first != day))):
        return None
    if first is not None and first < min(todays, default=day):
        behind.append(first)
    return ({"participants_active": sum(int(z[5] or 0) for z in zones),
             "participants_in_pairs": sum(int(z[6] or 0) for z in zones),
             **{name: int(value or 0) for name, value in zip(PAIR_FIELDS, pair_sums,
                                                             strict=True)}},
            min(behind, default=None))


@once
def _pair_sums() -> QuerySet[Any]:
    """The kept pairs' figures summed into one row — the first and last day they were
    built for, how many are shared with a marked organization (a pair shared with an
    organization outside the unit: that one's marks count too — an answer or a move
    marks only its own organization) and :data:`PAIR_FIELDS` — without a filter: the
    queryset's shape built once per process (:func:`dated_summary` adds the unit's
    organizations; a filter on the table's own columns goes to ``WHERE``). Never
    evaluated itself."""
    def marked(side: str) -> Q:
        return Q(Exists(PairTallyMark.objects.filter(organization_id=OuterRef(side))))

    return (PairTally.objects.order_by().annotate(one=Value(1)).values("one").annotate(
        first=Min("as_of"), last=Max("as_of"),
        partner_marked=Count("pk", filter=marked("organization_a_id")
                             | marked("organization_b_id")),
        **{name: Sum(name) for name in PAIR_FIELDS})
        .values_list("first", "last", "partner_marked", *PAIR_FIELDS))


@dataclass(frozen=True)
class Regional:
    """A region's or the country's standard view from the municipalities' sums: the
    unit's counts (as :func:`summary`), its «pairs by month» groups (as
    :func:`month_groups`) and the active people per unit compared (a municipality, or a
    region for the country's view)."""

    counts: dict[str, int]
    months: list[dict[str, Any]]
    people: dict[int, int]
    # The oldest day of the sums read that is earlier than their unit's today (a region's
    # new day before its rebuild; ``regional(older=True)``), None: all are current.
    behind: dt.date | None = None


def regional(*, region_ids: Iterable[int] | None, sector: str | None, by_region: bool,
             organizations: QuerySet[Organization], day: dt.date,
             unit_days: dict[int, dt.date] | None = None,
             older: bool = False) -> Regional | None:
    """The figures of whole regions (``region_ids``; every region: None) and one sector
    (or all) from the municipalities' sums — two small statements, none over the
    organizations' rows — or None when they cannot stand for the organizations' ones:
    some organization of those regions is not counted for ``day`` (new, never built,
    built for another day), or an organization of a municipality they sum waits for a
    rebuild (marked, or moved out of it). ``organizations``: the same organizations (the
    dashboard's filter), counted. The caller then reads the organizations' rows.
    ``unit_days`` (the dashboard): each unit's own today — a region's (``by_region``),
    else a municipality's, its region's — what its organizations are to be counted for
    instead of ``day`` (the viewer's: a federal operator's is the installation's), a pair
    shared by two regions for the later of their days, as the rebuild writes it
    (:func:`_by_day`). A municipality summed that is no unit (a partner's elsewhere) is
    counted for its own region's today, read apart."""
    regions = None if region_ids is None else sorted(set(region_ids))

    def side(municipality: str, sector_field: str) -> Q:
        q = Q()
        if regions is not None:
            q &= Q(**{f"{municipality}__region_id__in": regions})
        if sector:
            q &= Q(**{sector_field: sector})
        return q

    unit = "municipality__region_id" if by_region else "municipality_id"
    either = side("municipality_a", "sector_a") | side("municipality_b", "sector_b")
    months = [{"m0": m0, "m1": m1, "status": status, "n": n} for status, m0, m1, n in (
        PairMonthMunicipalityTally.objects.filter(either)
        .values("status", "start_month", "end_month").order_by().annotate(n=Sum("pairs"))
        .values_list("status", "start_month", "end_month", "n"))]
    # The states, the sums, where the waiting marks are (the municipality an
    # organization is in now, and the one a move's mark names: few rows, the marks not
    # yet rebuilt) and how many organizations are counted, in one statement: their
    # columns agree place by place — ids, a day, numbers (web/together.py).
    read = together(
        states=PairMunicipalityState.objects.filter(side("municipality", "sector"))
        .values_list("municipality_id", unit, "as_of", "organizations",
                     "participants_active", "participants_in_pairs"),
        pairs=PairMunicipalityTally.objects.filter(either).values_list(
            "municipality_a_id", "municipality_b_id", "as_of", *PAIR_FIELDS),
        marks=PairTallyMark.objects.values_list("municipality_id", Subquery(
            Organization.objects.filter(pk=OuterRef("organization_id"))
            .values("municipality_id"))),
        counted=organizations.order_by().annotate(one=Value(1)).values("one")
        .annotate(n=Count("pk")).values_list("n"))
    states = [(m, u, _day(d), *(int(v) for v in rest[:3])) for m, u, d, *rest in read["states"]]
    pairs = [(a, b, _day(d), *(int(v) for v in rest)) for a, b, d, *rest in read["pairs"]]
    waiting: set[int] = set()
    for named, now, *_pad in read["marks"]:
        waiting |= {named, now} - {None}
    counted = sum(int(n) for n, *_pad in read["counted"])
    summed_here = ({m for m, *_rest in states}
                   | {m for row in pairs for m in row[:2]})
    behind: list[dt.date] = []

    def current(kept: dt.date | None, expected: dt.date | None) -> bool:
        if kept is None or expected is None:
            return False
        if kept < expected and older:
            behind.append(kept)
            return True
        return kept == expected

    if unit_days is None:
        states_current = all([current(day_, day) for _m, _u, day_, *_rest in states])
        pairs_current = all([current(row[2], day) for row in pairs])
    else:
        # A municipality's day: its unit's (the region, or itself); a pair's other
        # municipality without a state in the chosen sector (a school's partner in a
        # college elsewhere, of a region that is no unit of the page), by its region's
        # zone read apart — few rows, only when there are such (review of h/countrypages
        # and of h/midnight: such a row sent the country to the live path).
        day_of = {m: unit_days[u] for m, u, *_rest in states if u in unit_days}
        apart = ({m for row in pairs for m in row[:2] if m is not None}
                 | {m for m, *_rest in states}) - day_of.keys()
        if apart:
            moment = timezone.now()
            day_of |= {m: moment.astimezone(zone_named(zone)).date()
                       for m, zone in Municipality.objects.filter(pk__in=apart)
                       .values_list("pk", "region__time_zone")}
        states_current = all([current(day_, day_of.get(m)) for m, _u, day_, *_rest in states])

        def later(a: int | None, b: int | None) -> dt.date | None:
            days = [day_of.get(m) for m in (a, b) if m is not None]
            known = [d for d in days if d is not None]
            return max(known) if days and len(known) == len(days) else None

        pairs_current = all([current(row[2], later(row[0], row[1])) for row in pairs])
    if (not states_current or not pairs_current
            or sum(n for *_k, n, _a, _p in states) != counted or waiting & summed_here):
        return None
    people: dict[int, int] = defaultdict(int)
    for _m, unit_id, _d, _n, active, _p in states:
        people[unit_id] += active
    counts = {"participants_active": sum(active for *_k, active, _p in states),
              "participants_in_pairs": sum(in_pairs for *_k, in_pairs in states)}
    for i, name in enumerate(PAIR_FIELDS, start=3):
        counts[name] = sum(row[i] for row in pairs)
    return Regional(counts=counts, months=months, people=dict(people),
                    behind=min(behind, default=None))


def _day(value: dt.date | str | None) -> dt.date | None:
    """A date read by a raw statement: SQLite hands its text."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def month_groups(organizations: QuerySet[Organization]) -> list[dict[str, Any]]:
    """The unit's formed pairs by start month (``m0``), end month (``m1``) and status —
    the rows of the live ``pairs by month`` query — from the kept figures (one query over
    the rows either of whose organizations the unit holds). Only where :func:`summary`
    found the unit's figures current (and no period chosen). The rows whose A the unit
    holds plus those whose B it holds, less those whose both it holds (counted twice):
    summed apart in one statement, each by an organization's index, and added here.
    ``A in … OR B in …`` read the whole table (92,106 rows on a country of 1.5 million)
    for a curator's one school and a coordinator's municipality alike (``tandem bench
    plans``, issue #16)."""
    ids = organizations.values("pk")
    grouped = _month_sums()  # the shape, built once per process; each part's filter here
    read = together(
        a=grouped.filter(organization_a_id__in=ids),
        b=grouped.filter(organization_b_id__in=ids),
        both=grouped.filter(organization_a_id__in=ids, organization_b_id__in=ids))
    sums: dict[tuple[Any, ...], int] = defaultdict(int)
    for part, sign in (("a", 1), ("b", 1), ("both", -1)):
        for m0, m1, status, n in read[part]:
            sums[(m0, m1, status)] += sign * int(n)
    return [{"m0": m0, "m1": m1, "status": status, "n": n}
            for (m0, m1, status), n in sums.items() if n]


@once
def _month_sums() -> QuerySet[Any]:
    """The kept pairs by month summed by start month, end month and status, without a
    filter: :func:`month_groups` adds each part's (a filter on the table's own columns
    goes to ``WHERE``). Built once per process, never evaluated itself."""
    return (PairMonthTally.objects.values("start_month", "end_month", "status").order_by()
            .annotate(n=Sum("pairs")).values_list("start_month", "end_month", "status", "n"))


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
        # The municipalities' sums: as stored (a multiset — they have a unique key, but a
        # row stored twice must not hide) and as the live figures above add up.
        sums_stored: Counter[tuple[object, ...]] = Counter()
        for sums in SUMS:
            sums_stored.update((sums.model.__name__, *row) for row in
                               sums.model.objects.values_list(  # type: ignore[attr-defined]
                                   *sums.places, *sums.key, *sums.values))
        place = _places()
        live_rows = {sums: [row[1:] for row in fresh if row[0] == sums.kept.__name__]
                     for sums in SUMS}
        live_rows[STATES] = [(pk, day, 1, active, in_pairs)
                             for pk, day, active, in_pairs in live_rows[STATES]]
        sums_fresh: Counter[tuple[object, ...]] = Counter(
            (sums.model.__name__, *key, *values) for sums in SUMS
            for key, values in summed(sums, live_rows[sums], place).items())
    return sorted(stored ^ fresh | waiting
                  | set((sums_stored - sums_fresh) + (sums_fresh - sums_stored)), key=str)


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
    """A row of a pair's map (a training map has no pair: nothing to count). Its pair's
    organizations once per map in a transaction: a pair deleted with its map's rows, or
    many rows saved, read them once (``first_in_savepoint``), not once a row."""
    map_id = instance.__dict__.get("map_id")
    if first_in_savepoint(CHILDREN, ("map", map_id)):
        touch_pairs(Pair.objects.filter(map__pk=map_id))


def meeting_changed(sender: type, instance: Any, **kwargs: object) -> None:
    """A meeting: its pair's organizations, once per pair in a transaction (as a row)."""
    pair_id = instance.__dict__.get("pair_id")
    if first_in_savepoint(CHILDREN, ("pair", pair_id)):
        touch_pairs(Pair.objects.filter(pk=pair_id))


def _campaign_changed(campaign: Any, before: tuple[Any, ...],
                      after: tuple[Any, ...]) -> None:
    """A round's dates or kind decide which answers close a row: its people's
    organizations (a new round has no answers yet)."""
    touch(Participant.objects.filter(responses__campaign=campaign.pk)
          .values_list("organization_id", flat=True).distinct())


def _mark_moved(organization_id: Any, municipality_id: Any) -> None:
    """The organization's figures left the sums of ``municipality_id`` (a move, a change
    of sector, a deletion): a mark naming that municipality, which the rebuild adds up
    again whole (with the one the organization is in now). Once per organization until
    the next rebuild (:data:`MOVED`): the first mark names where the sums still hold it."""
    if organization_id is None or municipality_id is None:
        return
    mark_once(MOVED, {organization_id},
              insert=lambda ids: PairTallyMark.objects.bulk_create(
                  [PairTallyMark(organization_id=pk, municipality_id=municipality_id)
                   for pk in ids]),
              enqueue=enqueue_refresh)


def _organization_moved(organization: Any, before: tuple[Any, ...],
                        after: tuple[Any, ...]) -> None:
    """An organization moved to another municipality or changed its sector."""
    _mark_moved(organization.pk, before[0])


def organization_deleted(sender: type, instance: Any, **kwargs: object) -> None:
    """(``pre_delete``) Its kept rows cascade, so the difference cannot take them out of
    its municipality's sums: a mark naming the municipality as stored."""
    stored = as_stored(instance, ("municipality_id",), using=kwargs.get("using"))
    _mark_moved(instance.pk, stored[0] if stored else None)


TRACKED = (
    Tracked(Organization, "pair_tallies_organization", ("municipality_id", "sector"),
            _organization_moved),
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
