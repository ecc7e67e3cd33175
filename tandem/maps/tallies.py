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

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Count, F, QuerySet

from tandem.maps.models import Row, TechnologyTally, TechnologyTallyMark
from tandem.pairs.models import Pair
from tandem.territory.models import Organization
from tandem.web.bulk import copy_rows
from tandem.web.transactions import (
    delete_in_pieces,
    forget_transaction_memory,
    in_batches,
    mark_once,
    organizations_per_batch,
    read_only_snapshot,
)

MEMORY = "technology-tallies"  # the organizations a transaction has marked
KEY = ("organization_id", "a_organization_id", "b_organization_id", "competency",
       "technology", "starts_on", "ends_on")
Progress = Callable[[int, int], None]


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
    """The tallies of these organizations (all: None) from their pairs' map rows."""
    ids = sorted(organization_ids if organization_ids is not None else
                 Organization.objects.values_list("pk", flat=True))
    return in_batches(list(ids), organizations_per_batch(), _rebuild_locked, progress)


def _rebuild_locked(ids: list[int]) -> None:
    """Holds the organizations' rows (``FOR NO KEY UPDATE``, in id order: two rebuilds of
    one organization queue; a writer inserting a row that references it does not wait),
    reads the marks it answers before the data, replaces the tallies, removes those marks.
    A mark written after that read is left for the next rebuild."""
    list(Organization.objects.select_for_update(no_key=True).filter(pk__in=ids)
         .order_by("pk").values_list("pk", flat=True))
    seen = list(TechnologyTallyMark.objects.filter(organization_id__in=ids)
                .values_list("pk", flat=True))
    TechnologyTally.objects.filter(organization_id__in=ids).delete()
    # A derived figure, as bulk_create's, without a model instance per tally: COPY on
    # PostgreSQL (180,000 tallies after a 300,000 seed), executemany elsewhere.
    copy_rows(TechnologyTally, (*KEY, "rows"), _computed(ids))
    delete_in_pieces(TechnologyTallyMark, seen)
    # A write after this, even in the same transaction, must mark again.
    forget_transaction_memory(MEMORY)


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


def stale() -> list[tuple[object, ...]]:
    """What the kept tallies hold and a rebuild would not (or the other way round), and the
    organizations that wait: empty when every writer marked what it changed. Reads only
    (one REPEATABLE READ snapshot on PostgreSQL)."""
    with read_only_snapshot():
        stored = {("TechnologyTally", *row) for row in
                  TechnologyTally.objects.values_list(*KEY, "rows")}
        ids = sorted(Organization.objects.values_list("pk", flat=True))
        fresh: set[tuple[object, ...]] = set()
        size = organizations_per_batch()
        for start in range(0, len(ids), size):
            fresh |= {("TechnologyTally", *t) for t in _computed(ids[start:start + size])}
        waiting = {("waiting", pk) for pk in TechnologyTallyMark.objects.values_list(
            "organization_id", flat=True)}
    return sorted(stored ^ fresh | waiting, key=str)


# -- model signals (connected in apps.py) -------------------------------------------------
# What the tallies depend on, per model: a save that changes none of it marks nothing (a
# row's deadline or done date, a pair's status, a person's e-mail).
WATCHED = {"Row": ("map_id", "competency", "technology"),
           "Pair": ("organization_id", "a_id", "b_id", "starts_on", "ends_on"),
           "Participant": ("organization_id",)}
_LOADED = "_technology_tally_loaded"


def _values(instance: Any) -> tuple[Any, ...]:
    return tuple(instance.__dict__.get(name) for name in WATCHED[type(instance).__name__])


def loaded(sender: type, instance: Any, **kwargs: object) -> None:
    instance.__dict__[_LOADED] = _values(instance)


def _before(instance: Any, created: bool) -> tuple[Any, ...] | None:
    """The watched values it had when loaded if one of them changed since (an empty
    tuple: new, or not loaded through the ORM); None if none did."""
    before = instance.__dict__.get(_LOADED)
    after = _values(instance)
    instance.__dict__[_LOADED] = after
    if created or before is None:
        return ()
    return before if before != after else None


def row_saved(sender: type, instance: Any, created: bool = False, **kwargs: object) -> None:
    before = _before(instance, created)
    if before is not None:
        maps = {before[0] if before else None, instance.__dict__.get("map_id")}
        touch_pairs(Pair.objects.filter(map__pk__in=[pk for pk in maps if pk is not None]))


def row_deleted(sender: type, instance: Any, **kwargs: object) -> None:
    touch_pairs(Pair.objects.filter(map__pk=instance.__dict__.get("map_id")))


def pair_saved(sender: type, instance: Any, created: bool = False, **kwargs: object) -> None:
    """Its organization, members or term changed (a new pair has no rows yet)."""
    before = _before(instance, created)
    if before:
        touch([before[0], instance.__dict__.get("organization_id")])


def pair_deleted(sender: type, instance: Any, **kwargs: object) -> None:
    touch([instance.__dict__.get("organization_id")])


def participant_saved(sender: type, instance: Any, created: bool = False,
                      **kwargs: object) -> None:
    """A person moved to another organization: their pairs' member organizations."""
    if _before(instance, created):
        touch_pairs(Pair.objects.filter(a_id=instance.pk) | Pair.objects.filter(b_id=instance.pk))


def figures_changed(sender: object, organization_ids: Iterable[int | None] = (),
                    **kwargs: object) -> None:
    """A bulk write (the demo seeding, a roster import); answers change no technology."""
    if getattr(sender, "__name__", "") != "Answer":
        touch(organization_ids)
