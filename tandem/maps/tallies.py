"""The technologies the pairs named on their map rows, kept current per pair's organization:
what the dashboard's «технологии» table (:func:`tandem.maps.selectors.technologies_used`)
sums instead of reading every map row of the visible pairs (188,000 rows at 300,000
teachers: 1.2 s per computation).

What is kept (:class:`tandem.maps.models.TechnologyTally`): rows with a technology, counted
per pair's own organization (``Pair.organization``), the organizations its two members
work in now, the row's competency and technology, and the pair's term. Those are exactly
the keys the table's filters select on — the pair's organization among the filtered ones,
either member among the user's people (``pairs_visible``), the term overlapping the
period — so a sum of the kept rows is the live count, for any period and any unit. The
competency's area is looked up when the table is read (a competency moved to another area
moves at once); an organization moved to another municipality or sector moves at once too
(the read joins the organizations as they are now).

A region's or the country's standard view (no period, whole regions: the region operator,
the federal operator) reads their sums per municipality and sector
(:class:`~tandem.maps.models.TechnologyMunicipalityTally`: competency and technology over
every term — 17,816 rows at 300,000 teachers instead of 180,585; the members' organizations
kept only for a pair with neither member in its own organization, so "either member among
the user's people" stays exact). The rebuild of an organization redoes its municipality's
sums under the municipality's row; an organization that moves or changes its sector is
marked with the municipality it leaves (``TechnologyTallyMark.municipality_id``), which the
rebuild sums again, and while such a mark waits every such table is counted live.
The country's view (every pair visible) reads their sums per region
(:class:`~tandem.maps.models.TechnologyRegionTally`, the members' organizations folded
in: a row per region instead of the municipalities' sums whole, issue #16), changed by
the same difference in the same transaction under the region's advisory lock, taken last
(:func:`_to_regions`, :func:`_hold_region_sums`).

How they stay current, as the other kept figures (tandem/monitoring/tallies.py): a write of
a map row (its competency, technology or map), of a pair (its organization, members or
term; deleted), of a person who moves to another organization, or a bulk write that sends
:data:`tandem.web.signals.figures_changed`, marks the pair's organization inside its
transaction (a :class:`~tandem.maps.models.TechnologyTallyMark`, an insert:
:func:`tandem.web.transactions.mark_once`); once it commits, one job
(:func:`tandem.maps.tasks.refresh_technology_tallies`) rebuilds the marked organizations. A
table asked for while one of its organizations is marked is computed live
(:func:`technologies_counts_live`), so it never differs from the live one, only its cost
does. ``tandem tallies --check / --refresh / --rebuild`` cover them.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, When

from tandem.maps.models import (
    Row,
    TechnologyMunicipalityTally,
    TechnologyRegionTally,
    TechnologyTally,
    TechnologyTallyMark,
)
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization, Region
from tandem.web.bulk import copy_rows
from tandem.web.tracking import Tracked
from tandem.web.tracking import stored as as_stored
from tandem.web.transactions import (
    delete_in_pieces,
    first_in_savepoint,
    forget_transaction_memory,
    hold_keys,
    in_batches,
    mark_once,
    organizations_per_batch,
    read_only_snapshot,
)

MEMORY = "technology-tallies"  # the organizations a transaction has marked
# The organizations a transaction has marked as moved (with the municipality they were
# summed into): one memory for all of them, forgotten by a rebuild with MEMORY.
MOVED = "technology-tallies-moved"
KEY = ("organization_id", "a_organization_id", "b_organization_id", "competency",
       "technology", "starts_on", "ends_on")
# The municipalities' sums (TechnologyMunicipalityTally), their key and the rows.
SUM_KEY = ("municipality_id", "sector", "competency", "technology", "a_organization_id",
           "b_organization_id")
# The regions' sums (TechnologyRegionTally): the municipalities' without the members'
# organizations, by region; what a municipality's sums change by, per these four keys.
REGION_KEY = ("region_id", "sector", "competency", "technology")
# The key space of the regions' sums' advisory locks (web.transactions.hold_keys): one of
# its own, apart from diagnostics' (0x5253).
REGION_SUMS_LOCK = 0x5254
Progress = Callable[[int, int], None]
Delta = dict[tuple[Any, ...], int]  # (municipality, sector, competency, technology): rows


# -- marking ------------------------------------------------------------------------------
def touch(organization_ids: Iterable[int | None]) -> None:
    """These organizations' pairs (by ``Pair.organization``) changed their rows, members or
    terms: mark them in this transaction; one job rebuilds them after it commits."""
    mark_once(MEMORY, {pk for pk in organization_ids if pk is not None},
              insert=lambda ids: TechnologyTallyMark.objects.bulk_create(
                  [TechnologyTallyMark(organization_id=pk) for pk in ids]),
              enqueue=enqueue_refresh)


def touch_pairs(pairs: QuerySet[Pair]) -> None:
    """:func:`touch` for these pairs' own organizations."""
    touch(set(pairs.values_list("organization_id", flat=True)))


def enqueue_refresh() -> None:
    from tandem.maps.tasks import refresh_technology_tallies

    refresh_technology_tallies.enqueue()


# -- rebuilding ---------------------------------------------------------------------------
def refresh(*, progress: Progress | None = None) -> int:
    """Rebuilds every marked organization; returns how many."""
    marked = set(TechnologyTallyMark.objects.values_list("organization_id", flat=True))
    return rebuild(sorted(marked), progress=progress)


def rebuild(organization_ids: Iterable[int] | None = None, *,
            progress: Progress | None = None) -> int:
    """The tallies of these organizations (all: None) from their pairs' map rows. A full
    rebuild (None) also sums every municipality again from its organizations' tallies
    (``tandem tallies --rebuild`` repairs the sums too); otherwise the municipalities'
    sums change by the organizations' difference (:func:`_rebuild_locked`)."""
    full = organization_ids is None
    ids = sorted(organization_ids if organization_ids is not None else
                 Organization.objects.values_list("pk", flat=True))
    done = in_batches(list(ids), organizations_per_batch(),
                      lambda batch: _rebuild_locked(batch, full=full), progress)
    if full:  # the regions' sums redone whole too: what repairs them
        with transaction.atomic():
            _resum_regions(Region.objects.values_list("pk", flat=True))
    return done


def _rebuild_locked(ids: list[int], *, full: bool = False) -> None:
    """Holds the rows of the organizations' municipalities — now and as summed before a
    move (the marks') — then of the organizations (``FOR NO KEY UPDATE``, each in id
    order: two rebuilds of one organization or one municipality's sums queue; a writer
    inserting a row that references them does not wait — nor does one moving an
    organization, whose check of the new municipality is ``FOR KEY SHARE``, so every
    lock on a municipality must be ``NO KEY``: diagnostics' is too), reads the marks it
    answers before the data, replaces the tallies and updates the municipalities' sums,
    removes those marks. A mark written after that read is left for the next rebuild,
    and so are the marks of an organization that moved to a municipality not held here.

    The organizations' rows are held, not only their municipalities': a move locks no
    municipality (its key check does not conflict), so without them a move committed
    during the rebuild would take the organization out of the municipality summed here
    into one that is not, and its mark would be removed unseen.

    The sums hold one row per key (their unique constraints): the municipalities' rows
    held here are what keeps two rebuilds from both inserting a key; were a writer ever
    to write unheld, the database refuses its duplicate (``test_technology_sum_race``).

    The sums change by difference — each organization's stored tallies out, the new ones
    in, where the organization is now (the municipality's few hundred sums read, not
    its organizations' tallies: 3 ms instead of 40–60 ms under the lock at 300,000
    teachers, docs/performance.md). A municipality an organization left or changed its
    sector in (a mark naming it), or holds now after such a move, and every municipality
    of a full rebuild, is summed again whole (:func:`_roll_up`)."""
    marks = TechnologyTallyMark.objects.filter(organization_id__in=ids)
    municipalities: list[int] = sorted(
        set(Organization.objects.filter(pk__in=ids).values_list("municipality_id", flat=True))
        | {pk for pk in marks.values_list("municipality_id", flat=True) if pk is not None})
    list(Municipality.objects.select_for_update(no_key=True).filter(pk__in=municipalities)
         .order_by("pk").values_list("pk", flat=True))
    place = {pk: (municipality, sector) for pk, municipality, sector in
             Organization.objects.select_for_update(no_key=True).filter(pk__in=ids)
             .order_by("pk").values_list("pk", "municipality_id", "sector")}
    moved_elsewhere = [pk for pk, (municipality, _s) in place.items()
                       if municipality not in municipalities]
    seen = list(marks.filter(Q(municipality_id=None) | Q(municipality_id__in=municipalities))
                .exclude(organization_id__in=moved_elsewhere)
                .values_list("pk", "organization_id", "municipality_id"))
    if full or moved_elsewhere:
        whole = set(municipalities)
    else:
        left = {organization for _pk, organization, municipality in seen
                if municipality is not None}
        whole = ({municipality for _pk, _o, municipality in seen if municipality is not None}
                 | {place[pk][0] for pk in left if pk in place})
    # An organization that moved to a municipality not held here (after the first read)
    # is left out of the sums: none of its municipalities is written unheld; its move's
    # mark stays (not in ``seen``), and the next rebuild sums both whole.
    by_difference = [pk for pk, (municipality, _s) in place.items()
                     if municipality not in whole and pk not in moved_elsewhere]
    before = list(TechnologyTally.objects.filter(organization_id__in=by_difference)
                  .values_list(*KEY, "rows"))
    computed = _computed(ids)
    TechnologyTally.objects.filter(organization_id__in=ids).delete()
    # A derived figure, as bulk_create's, without a model instance per tally: COPY on
    # PostgreSQL (180,000 tallies after a 300,000 seed), executemany elsewhere.
    copy_rows(TechnologyTally, (*KEY, "rows"), computed)
    delta = _roll_up(sorted(whole))
    difference = set(by_difference)
    _merge(delta, _add(place, before, computed=[t for t in computed if t[0] in difference]))
    # Last, after every row lock of the batch: the regions' sums by the same difference.
    _to_regions(delta)
    delete_in_pieces(TechnologyTallyMark, [pk for pk, _o, _m in seen])
    # A write after this, even in the same transaction, must mark again — a move too.
    forget_transaction_memory(MEMORY)
    forget_transaction_memory(MOVED)
    forget_transaction_memory(ROWS_HEARD)


def _sum_key(place: tuple[Any, Any], tally: tuple[Any, ...]) -> tuple[Any, ...]:
    """The :data:`SUM_KEY` a tally ((*:data:`KEY`, rows)) of an organization placed at
    ``place`` (municipality, sector) is summed under: the members' organizations only
    when neither is the pair's."""
    organization, a, b, competency, technology = tally[:5]
    members = (a, b) if organization not in (a, b) else (None, None)
    return (*place, competency, technology, *members)


def _merge(total: Delta, more: Delta) -> Delta:
    for key, n in more.items():
        total[key] = total.get(key, 0) + n
    return total


def _add(place: dict[int, tuple[Any, Any]], before: list[tuple[Any, ...]], *,
         computed: list[tuple[Any, ...]]) -> Delta:
    """The municipalities' sums changed by the difference of these organizations'
    tallies (``before`` out, ``computed`` in, both where the organizations are now): the
    sums of the keys that changed rewritten, none left at zero. Returns what they changed
    by, without the members' organizations (:data:`Delta`: for the regions' sums)."""
    delta: dict[tuple[Any, ...], int] = {}
    for sign, tallies in ((-1, before), (1, computed)):
        for tally in tallies:
            key = _sum_key(place[tally[0]], tally)
            delta[key] = delta.get(key, 0) + sign * tally[-1]
    delta = {key: n for key, n in delta.items() if n}
    if not delta:
        return {}
    stored = {tuple(key): (pk, n) for pk, *key, n in TechnologyMunicipalityTally.objects.filter(
        municipality_id__in={key[0] for key in delta}).values_list("pk", *SUM_KEY, "rows")}
    changed = {key: stored.get(key, (None, 0))[1] + n for key, n in delta.items()}
    short = {key[0] for key, n in changed.items() if n < 0}
    moved: Delta = {}
    if short:  # never so if every writer marked: then these are summed again whole
        moved = _roll_up(sorted(short))
        changed = {key: n for key, n in changed.items() if key[0] not in short}
    for key, n in delta.items():
        if key[0] not in short:
            _merge(moved, {key[:4]: n})
    # One statement even when none was stored (0: no row's id), as many as ever per batch.
    TechnologyMunicipalityTally.objects.filter(pk__in=[
        stored[key][0] for key in changed if key in stored] or [0]).delete()
    copy_rows(TechnologyMunicipalityTally, (*SUM_KEY, "rows"),
              [(*key, n) for key, n in sorted(changed.items(), key=str) if n > 0])
    return moved


def _computed(ids: list[int]) -> list[tuple[Any, ...]]:
    """The organizations' tallies from their pairs' rows, (*:data:`KEY`, rows) each: what
    a rebuild writes and what :func:`stale` compares with the stored ones (one grouped
    read of the batch's rows)."""
    pair = "map__pair__"
    return list(
        Row.objects.filter(**{f"{pair}organization_id__in": ids}).exclude(technology="")
        .values("competency", "technology", organization_id=F(f"{pair}organization_id"),
                a_organization_id=F(f"{pair}a_organization_id"),
                b_organization_id=F(f"{pair}b_organization_id"),
                starts_on=F(f"{pair}starts_on"), ends_on=F(f"{pair}ends_on"))
        .order_by().annotate(rows=Count("pk")).values_list(*KEY, "rows"))


def _roll_up(municipality_ids: list[int]) -> Delta:
    """The municipalities' sums from their organizations' tallies (as the organizations
    are now), one grouped read of those organizations' tallies only — by their ids, on
    the tallies' organization index: the join on the organizations' municipality read
    the whole table (180,000 tallies at 300,000 teachers, 120–150 ms under the
    municipality's lock; docs/performance.md). The caller holds the municipalities' rows.
    Returns what they changed by, without the members' organizations (:data:`Delta`: the
    sums before, one grouped read, out; the new ones in)."""
    if not municipality_ids:
        return {}
    delta: Delta = {tuple(key): -int(n) for *key, n in TechnologyMunicipalityTally.objects
                    .filter(municipality_id__in=municipality_ids)
                    .values_list("municipality_id", "sector", "competency", "technology")
                    .order_by().annotate(n=Sum("rows"))}
    TechnologyMunicipalityTally.objects.filter(municipality_id__in=municipality_ids).delete()
    members = list(Organization.objects.filter(municipality_id__in=municipality_ids)
                   .values_list("pk", flat=True))
    if not members:
        return delta
    elsewhere = ~Q(a_organization_id=F("organization_id")) & ~Q(
        b_organization_id=F("organization_id"))
    # Read whole before the COPY starts: the connection cannot run a query inside one.
    # Only where the organization still is a held municipality's: one that moved out
    # since the read above is not summed into where it went (not held here; its move's
    # mark sums that one again).
    sums = list(TechnologyTally.objects.filter(
        organization_id__in=members,
        organization__municipality_id__in=municipality_ids).values(
        "competency", "technology", municipality_id=F("organization__municipality_id"),
        sector=F("organization__sector"),
        a_member=Case(When(elsewhere, then=F("a_organization_id")), default=None,
                      output_field=IntegerField()),
        b_member=Case(When(elsewhere, then=F("b_organization_id")), default=None,
                      output_field=IntegerField()))
        .order_by().annotate(n=Sum("rows")).values_list(
        "municipality_id", "sector", "competency", "technology", "a_member", "b_member", "n"))
    copy_rows(TechnologyMunicipalityTally, (*SUM_KEY, "rows"), sums)
    for row in sums:
        _merge(delta, {row[:4]: row[-1]})
    return delta


def _hold_region_sums(regions: Iterable[int]) -> None:
    """Hold the right to write these regions' sums (:class:`TechnologyRegionTally`) until
    the transaction ends — an advisory lock per region, in id order, as diagnostics'
    regions' sums (:func:`tandem.diagnostics.tallies._hold_region_sums`; its own key
    space). Taken once a transaction, last: after the municipalities' and the
    organizations' rows (:func:`_rebuild_locked`), after the municipality's row a
    rezoning or a deletion holds — the order municipalities → organizations → regions'
    sums in every writer, so no cycle closes. Two rebuilds in different municipalities
    of one region queue here for the end of their transactions; the second reads the
    region's sums after the first committed (READ COMMITTED: a snapshot a statement)."""
    hold_keys(REGION_SUMS_LOCK, sorted(set(regions)))


def _to_regions(delta: Delta) -> None:
    """The regions' sums changed by what their municipalities' changed by (``delta``, the
    municipalities held by the caller, so none moves region meanwhile): the keys that
    changed rewritten, none left at zero; a region whose sum would go below zero (never,
    if every writer kept them) is summed again whole (:func:`_resum_regions`)."""
    municipalities = {key[0] for key, n in delta.items() if n}
    if not municipalities:
        return
    region_of = dict(Municipality.objects.filter(pk__in=municipalities)
                     .values_list("pk", "region_id"))
    change: dict[tuple[Any, ...], int] = {}
    for (municipality, *rest), n in delta.items():
        if n and municipality in region_of:  # gone: its deletion redid its region
            key = (region_of[municipality], *rest)
            change[key] = change.get(key, 0) + n
    change = {key: n for key, n in change.items() if n}
    if not change:
        return
    regions = sorted({key[0] for key in change})
    _hold_region_sums(regions)
    stored = {tuple(key): (pk, n) for pk, *key, n in TechnologyRegionTally.objects.filter(
        region_id__in=regions).values_list("pk", *REGION_KEY, "rows")}
    changed = {key: stored.get(key, (None, 0))[1] + n for key, n in change.items()}
    short = sorted({key[0] for key, n in changed.items() if n < 0})
    if short:
        _resum_regions(short)
        changed = {key: n for key, n in changed.items() if key[0] not in short}
    TechnologyRegionTally.objects.filter(pk__in=[
        stored[key][0] for key in changed if key in stored] or [0]).delete()
    copy_rows(TechnologyRegionTally, (*REGION_KEY, "rows"),
              [(*key, n) for key, n in sorted(changed.items(), key=str) if n > 0])


def _resum_regions(region_ids: Iterable[int | None]) -> None:
    """These regions' sums redone whole from their municipalities' sums (one grouped
    read of them by the municipalities' index), under the regions' locks: a full
    rebuild, a municipality moved to another region or deleted, a sum found short."""
    regions = sorted({pk for pk in region_ids if pk is not None})
    if not regions:
        return
    _hold_region_sums(regions)
    TechnologyRegionTally.objects.filter(region_id__in=regions).delete()
    copy_rows(TechnologyRegionTally, (*REGION_KEY, "rows"), list(
        TechnologyMunicipalityTally.objects.filter(municipality__region_id__in=regions)
        .values_list("municipality__region_id", "sector", "competency", "technology")
        .order_by().annotate(n=Sum("rows"))))


def summed(tallies: Iterable[tuple[Any, ...]]) -> dict[tuple[Any, ...], int]:
    """What ``_roll_up`` stores for every municipality (the :data:`SUM_KEY` and the rows),
    computed in Python from tallies ((*:data:`KEY`, rows) each) — the check's own sum."""
    place = {pk: (municipality, sector) for pk, municipality, sector
             in Organization.objects.values_list("pk", "municipality_id", "sector")}
    sums: dict[tuple[Any, ...], int] = {}
    for tally in tallies:
        if tally[0] not in place:
            continue
        key = _sum_key(place[tally[0]], tally)
        sums[key] = sums.get(key, 0) + tally[-1]
    return sums


def by_region(sums: dict[tuple[Any, ...], int]) -> dict[tuple[Any, ...], int]:
    """What the regions' sums hold (the :data:`REGION_KEY` and the rows) for these
    municipalities' sums (:data:`SUM_KEY` and rows each, as :func:`summed` gives them):
    the check's own sum."""
    region_of = dict(Municipality.objects.values_list("pk", "region_id"))
    regions: dict[tuple[Any, ...], int] = {}
    for (municipality, *rest), n in sums.items():
        key = (region_of[municipality], *rest[:3])
        regions[key] = regions.get(key, 0) + n
    return {key: n for key, n in regions.items() if n}


def stale() -> list[tuple[object, ...]]:
    """What the kept tallies hold and a rebuild would not (or the other way round), and the
    organizations that wait: empty when every writer marked what it changed. Reads only
    (one REPEATABLE READ snapshot on PostgreSQL)."""
    with read_only_snapshot():
        # Multisets, not sets: a row stored twice (what two unlocked writers of one
        # municipality left before the sums' unique key, migration 0012) doubles the
        # table while a set saw nothing (review, 2026-12-04).
        stored = Counter(("TechnologyTally", *row) for row in
                         TechnologyTally.objects.values_list(*KEY, "rows"))
        ids = sorted(Organization.objects.values_list("pk", flat=True))
        stored.update(("TechnologyMunicipalityTally", *row) for row in
                      TechnologyMunicipalityTally.objects.values_list(*SUM_KEY, "rows"))
        stored.update(("TechnologyRegionTally", *row) for row in
                      TechnologyRegionTally.objects.values_list(*REGION_KEY, "rows"))
        computed: list[tuple[Any, ...]] = []
        size = organizations_per_batch()
        for start in range(0, len(ids), size):
            computed += _computed(ids[start:start + size])
        fresh = Counter(("TechnologyTally", *t) for t in computed)
        municipalities = summed(computed)
        fresh.update(("TechnologyMunicipalityTally", *key, n)
                     for key, n in municipalities.items())
        fresh.update(("TechnologyRegionTally", *key, n)
                     for key, n in by_region(municipalities).items())
        waiting = {("waiting", pk) for pk in TechnologyTallyMark.objects.values_list(
            "organization_id", flat=True)}
    return sorted(set((stored - fresh) + (fresh - stored)) | waiting, key=str)


def hourly(sender: object, **kwargs: object) -> None:
    """The hourly run (:data:`tandem.web.signals.hourly`): marks whose job was lost (a
    worker down, a failed rebuild) are rebuilt within the hour, as the other kept
    figures'."""
    refresh()


# -- model signals (connected in apps.py) -------------------------------------------------
# What the tallies depend on, per model, as stored just before a save
# (:mod:`tandem.web.tracking`: an out-of-date copy saved back changes them too): a save
# that changes none of it marks nothing (a row's deadline or done date, a pair's status, a
# person's e-mail).
def _row_changed(row: Any, before: tuple[Any, ...], after: tuple[Any, ...]) -> None:
    """A row added, or its map, competency or technology changed: the pairs of the maps
    it was and is on."""
    maps = {before[0], after[0]}
    touch_pairs(Pair.objects.filter(map__pk__in=[pk for pk in maps if pk is not None]))


def row_deleted(sender: type, instance: Any, **kwargs: object) -> None:
    """The row's pair's organization, once per map in a transaction: a pair deleted with
    its map's rows reads it once (``first_in_savepoint``), not once a row."""
    map_id = instance.__dict__.get("map_id")
    if first_in_savepoint(ROWS_HEARD, map_id):
        touch_pairs(Pair.objects.filter(map__pk=map_id))


def _pair_changed(pair: Any, before: tuple[Any, ...], after: tuple[Any, ...]) -> None:
    """Its organization, members or term changed (a new pair has no rows yet)."""
    touch([before[0], after[0]])


ROWS_HEARD = "technology-tallies-rows"  # the maps whose deleted rows a transaction heard
DELETING = "_technology_tallies_deleting"  # instance.__dict__: the row as stored


def deleting(sender: type, instance: Any, **kwargs: object) -> None:
    """(``pre_delete`` of a pair or an organization) What the row holds, for the handler
    after the delete: the copy deleted may be out of date."""
    fields = ("municipality_id",) if sender is Organization else ("organization_id",)
    instance.__dict__[DELETING] = as_stored(instance, fields, using=kwargs.get("using"))


def _as_stored_before(instance: Any) -> Any:
    before = instance.__dict__.pop(DELETING, None)
    return before[0] if before else None


def pair_deleted(sender: type, instance: Any, **kwargs: object) -> None:
    touch([_as_stored_before(instance)])


def _participant_moved(person: Any, before: tuple[Any, ...], after: tuple[Any, ...]) -> None:
    """A person's organization written other than stored: their pairs' member
    organizations (``pairs/members.py`` has rewritten them)."""
    touch_pairs(Pair.objects.filter(a_id=person.pk) | Pair.objects.filter(b_id=person.pk))


def _mark_moved(organization_id: Any, municipality_id: Any) -> None:
    """The organization's tallies left the sums of ``municipality_id`` (a move, a change of
    sector; an organization with pairs cannot be deleted): a mark naming that
    municipality, so the rebuild sums it again as well. Once per organization until the
    next rebuild: a second move in the same transaction leaves sums that still hold it
    where the first mark says (one memory, :data:`MOVED`, which every rebuild forgets —
    a memory per municipality was not, and a later move back lost its mark)."""
    if organization_id is None or municipality_id is None:
        return
    mark_once(MOVED, {organization_id},
              insert=lambda ids: TechnologyTallyMark.objects.bulk_create(
                  [TechnologyTallyMark(organization_id=pk, municipality_id=municipality_id)
                   for pk in ids]),
              enqueue=enqueue_refresh)


def _organization_moved(organization: Any, before: tuple[Any, ...],
                        after: tuple[Any, ...]) -> None:
    """An organization moved to another municipality or changed its sector: its tallies
    move in the municipalities' sums."""
    _mark_moved(organization.pk, before[0])


def organization_deleted(sender: type, instance: Any, **kwargs: object) -> None:
    """An organization went (its pairs went before it): its tallies cascade, so the
    difference cannot take them out of its municipality's sums — a mark naming that
    municipality sums it again whole."""
    _mark_moved(instance.pk, _as_stored_before(instance))


def _municipality_rezoned(municipality: Any, before: tuple[Any, ...],
                          after: tuple[Any, ...]) -> None:
    """A municipality moved to another region: its sums move with it — both regions' sums
    redone whole in the saving transaction, after the municipality's row (the save's own
    ``UPDATE`` holds it: the lock order of :func:`_hold_region_sums`)."""
    with transaction.atomic():
        _resum_regions([*before, *after])


def municipality_deleted(sender: type, instance: Any, **kwargs: object) -> None:
    """(``post_delete``) A municipality deleted (none of its organizations left; its sums
    cascaded — an organization deleted or moved out before the job summed it again left
    its rows there): its region's sums redone without them in the deleting transaction."""
    region = getattr(instance, "region_id", None)
    if region is not None:
        with transaction.atomic():
            _resum_regions([region])


TRACKED = (
    Tracked(Row, "technology_tallies_row", ("map_id", "competency", "technology"),
            _row_changed, on_create=True),
    Tracked(Pair, "technology_tallies_pair",
            ("organization_id", "a_id", "b_id", "starts_on", "ends_on"), _pair_changed),
    Tracked(Participant, "technology_tallies_participant", ("organization_id",),
            _participant_moved),
    Tracked(Organization, "technology_tallies_organization", ("municipality_id", "sector"),
            _organization_moved),
    # Locked: the region before the move read holding the row (two moves of one
    # municipality at once would both read the first region; review of h/fedtech).
    Tracked(Municipality, "technology_tallies_region", ("region_id",), _municipality_rezoned,
            locked=True),
)


def figures_changed(sender: object, organization_ids: Iterable[int | None] = (),
                    **kwargs: object) -> None:
    """A bulk write (the demo seeding) marks these organizations. Not one of answers (they
    change no technology), of map rows (``maps/services.py`` marks their pairs'
    organizations itself; the signal names the members' ones) or of new people (a
    roster import: new people have no pairs yet): their marks were useless, each a
    rebuild and a table counted live meanwhile."""
    if getattr(sender, "__name__", "") not in ("Answer", "Row", "Participant"):
        touch(organization_ids)
