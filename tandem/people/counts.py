"""People counts kept per organization (:class:`tandem.people.models.PeopleCount`): active
people, those of them with both consents, those with a login.

How they stay current — the marking pattern of the other kept figures
(:func:`tandem.web.transactions.mark_once`):

- a person saved (joined, left, moved, consented, given or losing a login) or deleted
  (model signals, connected in apps.py), a login deleted (its people lose it without a
  signal of theirs), a bulk write of people (``bulk_create``, ``COPY``: the roster's
  import, the demo — they send :data:`tandem.web.signals.figures_changed`) marks the
  organizations concerned inside the writer's transaction (a :class:`PeopleCountMark`
  insert: no lock, a crash loses nothing);
- once the transaction commits, one job (:func:`tandem.people.tasks.refresh_people_counts`)
  recounts them (:func:`refresh`); the hourly ``tandem send-reminders`` picks up marks
  whose job was lost.

Readers (:func:`annotate`, :func:`totals`, :func:`active_sum`) take the kept row of an
organization with no mark and count a marked one's people live: a figure never differs
from the live count, only its cost does. ``tandem tallies --check`` compares them with a
live count (:func:`stale`), ``--refresh`` recounts the marked ones, ``--rebuild`` all.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from tandem.people.models import Participant, PeopleCount, PeopleCountMark, consent_q
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

FIELDS = ("active", "with_consent", "with_login")
RULES = {"active": Q(), "with_consent": consent_q(), "with_login": Q(user__isnull=False)}
MEMORY = "people-counts"  # the organizations a transaction has marked
Vector = tuple[int, int, int]
Progress = Callable[[int, int], None]


# -- marking ------------------------------------------------------------------------------
def touch(organization_ids: Iterable[int | None]) -> None:
    """These organizations' people changed: mark them in this transaction; one job
    recounts them after it commits."""
    mark_once(MEMORY, {pk for pk in organization_ids if pk is not None},
              insert=lambda ids: PeopleCountMark.objects.bulk_create(
                  [PeopleCountMark(organization_id=pk) for pk in ids]),
              enqueue=enqueue_refresh)


def enqueue_refresh() -> None:
    from tandem.people.tasks import refresh_people_counts

    refresh_people_counts.enqueue()


# -- counting -----------------------------------------------------------------------------
def live(organization_ids: Iterable[int] | None = None) -> dict[int, Vector]:
    """The counts from the people themselves (one grouped query): the rule the kept
    rows must equal."""
    people = Participant.objects.filter(is_active=True)
    if organization_ids is not None:
        people = people.filter(organization_id__in=list(organization_ids))
    return {pk: (active, consent, login) for pk, active, consent, login in (
        people.values("organization_id").order_by().annotate(
            **{name: Count("pk", filter=rule) for name, rule in RULES.items()})
        .values_list("organization_id", *FIELDS))}


def _recount(ids: list[int]) -> None:
    """Recounts these organizations in one transaction: their rows locked first (two
    recounts of one organization queue), then the marks they answer read, then the
    people counted — a write committed after that keeps its mark for the next recount."""
    with transaction.atomic():  # also when called alone
        PeopleCount.objects.bulk_create([PeopleCount(organization_id=pk) for pk in ids],
                                        ignore_conflicts=True)
        list(PeopleCount.objects.select_for_update().filter(organization_id__in=ids)
             .order_by("pk").values_list("pk", flat=True))
        seen = list(PeopleCountMark.objects.filter(organization_id__in=ids)
                    .values_list("pk", flat=True))
        counts = live(ids)
        # One upsert for the batch (its rows exist and are held: it only ever updates),
        # not a CASE over every id per column.
        PeopleCount.objects.bulk_create(
            [PeopleCount(organization_id=pk,
                         **dict(zip(FIELDS, counts.get(pk, (0, 0, 0)), strict=True)))
             for pk in ids], update_conflicts=True, unique_fields=["organization"],
            update_fields=list(FIELDS), batch_size=ROWS_PER_STATEMENT)
        delete_in_pieces(PeopleCountMark, seen)
    # A write after this, even in the same transaction, must mark again.
    forget_transaction_memory(MEMORY)


def refresh(*, progress: Progress | None = None) -> int:
    """Recounts every marked organization; returns how many."""
    ids = sorted(set(PeopleCountMark.objects.values_list("organization_id", flat=True)))
    return in_batches(ids, organizations_per_batch(), _recount, progress)


def rebuild(organization_ids: Iterable[int] | None = None, *,
            progress: Progress | None = None) -> int:
    """Recounts these organizations (all: ``None``) — to repair, or after an upgrade;
    returns how many."""
    from tandem.territory.models import Organization

    ids = (sorted(set(organization_ids)) if organization_ids is not None
           else list(Organization.objects.order_by("pk").values_list("pk", flat=True)))
    return in_batches(ids, organizations_per_batch(), _recount, progress)


def stale() -> list[tuple[object, ...]]:
    """(organization, kept, live) wherever the two differ, and the organizations that
    wait for a recount: empty when every writer marked what it changed. Reads one moment
    of the database and writes nothing."""
    with read_only_snapshot():
        kept = {pk: (a, c, lg) for pk, a, c, lg in PeopleCount.objects.values_list(
            "organization_id", *FIELDS)}
        now = live()
        waiting = sorted(set(PeopleCountMark.objects.values_list("organization_id",
                                                                 flat=True)))
    return ([(pk, kept.get(pk, (0, 0, 0)), now.get(pk, (0, 0, 0)))
             for pk in sorted(set(kept) | set(now))
             if kept.get(pk, (0, 0, 0)) != now.get(pk, (0, 0, 0))]
            + [("ждёт пересчёта", pk) for pk in waiting])


def hourly(sender: object, **kwargs: object) -> None:
    refresh()


# -- reading ------------------------------------------------------------------------------
def expression(name: str, organization: str = "pk") -> Case:
    """``name`` (one of :data:`FIELDS`) of the organization ``organization`` names in an
    Organization query: its kept figure, or — while it waits for a recount — a live count
    of its people. «Waits» is asked as ``IN (the marked organizations)``, not as a
    correlated ``EXISTS``: PostgreSQL reads the few marks once and hashes them, where the
    ``EXISTS`` probed the marks' index for every organization and every figure — three
    times 5,456 probes, 75 ms of the region's overview (issue #16; docs/performance.md)."""
    marked = Q(**{f"{organization}__in": PeopleCountMark.objects.values("organization_id")})
    people = (Participant.objects.filter(RULES[name], is_active=True,
                                         organization_id=OuterRef(organization))
              .order_by().values("organization_id").annotate(n=Count("pk")).values("n"))
    return Case(When(marked, then=Coalesce(Subquery(people), Value(0))),
                default=Coalesce(F(f"people_count__{name}"), Value(0)),
                output_field=IntegerField())


def annotate(organizations: QuerySet[Any]) -> QuerySet[Any]:
    """Organizations with ``participant_count``, ``consent_count`` and ``login_count``."""
    return organizations.annotate(participant_count=expression("active"),
                                  consent_count=expression("with_consent"),
                                  login_count=expression("with_login"))


def active_sum() -> Sum:
    """The active people of the organizations of a grouped Organization query
    (``orgs.values(unit).annotate(n=active_sum())``)."""
    return Sum(expression("active"))


def totals(organizations: QuerySet[Any]) -> dict[str, int]:
    """The sums over these organizations (one query)."""
    sums = organizations.order_by().aggregate(
        **{name: Coalesce(Sum(expression(name)), Value(0)) for name in FIELDS})
    return {name: int(sums[name]) for name in FIELDS}


# -- model signals (connected in apps.py) -------------------------------------------------
# What a person counts for is read from the database just before a save
# (tandem/web/tracking.py, the one read shared by every kept figure's tracker of a
# person) or deletion (one indexed query), not remembered from when the object was
# loaded: a save from an out-of-date copy (a roster import that loaded the person before a
# move on the web) puts back values the loaded copy never saw change, and must mark the
# organization it leaves.
WATCHED = ("organization_id", "is_active", "mentoring_consent_date",
           "personal_data_consent_date", "user_id")
BEFORE = "_people_count_before"


def _changed(person: Any, before: tuple[Any, ...], after: tuple[Any, ...]) -> None:
    """A person joined (new), left, moved, consented, got or lost a login."""
    touch([before[0], after[0]])


TRACKED = Tracked(Participant, "people_counts", WATCHED, _changed, on_create=True)


def deleting(sender: type, instance: Any, **kwargs: object) -> None:
    instance.__dict__[BEFORE] = as_stored(instance, WATCHED, using=kwargs.get("using"))


def deleted(sender: type, instance: Any, **kwargs: object) -> None:
    before = instance.__dict__.pop(BEFORE, None)
    touch([before[0] if before else None, instance.__dict__.get("organization_id")])


def login_deleting(sender: type, instance: Any, **kwargs: object) -> None:
    """A login about to be deleted: its people lose it by ``SET NULL``, without a signal
    of theirs."""
    touch(Participant.objects.filter(user_id=instance.pk)
          .values_list("organization_id", flat=True))


def figures_changed(sender: object, organization_ids: Iterable[int | None] = (),
                    **kwargs: object) -> None:
    """People written in bulk (answers and map rows send this signal too: not ours)."""
    if sender is Participant or sender is None:
        touch(organization_ids)
