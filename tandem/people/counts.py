"""People counts kept per organization (:class:`tandem.people.models.PeopleCount`): active
people, those of them with both consents, those with a login.

How they stay current, inside the writer's transaction (no job, no «as of» time):

- one person saved or deleted (model signals, connected in apps.py): the difference
  between what the person counted for when loaded and what they count for now is added
  to the organizations concerned (``UPDATE … SET active = active + d``: two writers of one
  organization queue on its row, neither loses the other's step);
- a write that sends no model signal (``bulk_create``, ``COPY``: the roster's import, the
  demo) sends :data:`tandem.web.signals.figures_changed`, and those organizations are
  recounted (:func:`_recount`), as is an organization whose row is missing. A person
  loaded without the counted fields (``.only(…)``) is read once before the save.

``tandem tallies --check`` compares them with a live count (:func:`stale`), ``--rebuild``
recounts every organization (the migration that made them counted everyone once).
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce

from tandem.people.models import Participant, PeopleCount, consent_q

FIELDS = ("active", "with_consent", "with_login")
Vector = tuple[int, int, int]


def live(organization_ids: Iterable[int] | None = None) -> dict[int, Vector]:
    """The counts from the people themselves (one grouped query): the rule the kept
    rows must equal."""
    people = Participant.objects.filter(is_active=True)
    if organization_ids is not None:
        people = people.filter(organization_id__in=list(organization_ids))
    return {pk: (active, consent, login) for pk, active, consent, login in (
        people.values("organization_id").order_by().annotate(
            active=Count("pk"), consent=Count("pk", filter=consent_q()),
            login=Count("pk", filter=Q(user__isnull=False)))
        .values_list("organization_id", "active", "consent", "login"))}


def _recount(organization_ids: Iterable[int | None]) -> None:
    """Recounts these organizations. Their rows are locked first, so a writer's step
    committed meanwhile is either waited for and counted, or comes after and adds to the
    recount."""
    ids = sorted({pk for pk in organization_ids if pk is not None})
    if not ids:
        return
    with transaction.atomic():
        PeopleCount.objects.bulk_create([PeopleCount(organization_id=pk) for pk in ids],
                                        ignore_conflicts=True)
        list(PeopleCount.objects.select_for_update().filter(organization_id__in=ids)
             .order_by("pk").values_list("pk", flat=True))
        counts = live(ids)
        rows = [PeopleCount(organization_id=pk, **dict(zip(FIELDS, counts.get(pk, (0, 0, 0)),
                                                        strict=True)))
                for pk in ids]
        PeopleCount.objects.bulk_update(rows, FIELDS, batch_size=1000)


def stale() -> list[tuple[int, Vector, Vector]]:
    """(organization, kept, live) wherever the two differ: empty when every writer kept
    the counts. Read-only."""
    kept = {pk: (a, c, lg) for pk, a, c, lg in PeopleCount.objects.values_list(
        "organization_id", *FIELDS)}
    now = live()
    return [(pk, kept.get(pk, (0, 0, 0)), now.get(pk, (0, 0, 0)))
            for pk in sorted(set(kept) | set(now))
            if kept.get(pk, (0, 0, 0)) != now.get(pk, (0, 0, 0))]


def rebuild(organization_ids: Iterable[int] | None = None, *,
            progress: Callable[[int, int], None] | None = None, batch: int = 500) -> int:
    """Recounts these organizations (all: ``None``) — to repair, or after a restore;
    returns how many."""
    from tandem.territory.models import Organization

    ids = (sorted(set(organization_ids)) if organization_ids is not None
           else list(Organization.objects.order_by("pk").values_list("pk", flat=True)))
    for start in range(0, len(ids), batch):
        _recount(ids[start:start + batch])
        if progress is not None:
            progress(min(start + batch, len(ids)), len(ids))
    return len(ids)


def refresh(*, progress: Callable[[int, int], None] | None = None) -> int:
    """Nothing waits: every writer keeps the counts in its own transaction (the
    ``tandem tallies`` interface of the other kept figures)."""
    return 0


# -- reading ------------------------------------------------------------------------------
def annotate(organizations: QuerySet[Any]) -> QuerySet[Any]:
    """Organizations with ``participant_count``, ``consent_count`` and ``login_count``
    from the kept rows (an organization that has never had anyone has no row: 0)."""
    return organizations.annotate(
        participant_count=Coalesce(F("people_count__active"), 0),
        consent_count=Coalesce(F("people_count__with_consent"), 0),
        login_count=Coalesce(F("people_count__with_login"), 0))


def totals(organizations: QuerySet[Any]) -> dict[str, int]:
    """The sums over these organizations (one query)."""
    from django.db.models import Sum

    sums = PeopleCount.objects.filter(organization__in=organizations.values("pk")).aggregate(
        **{name: Coalesce(Sum(name), 0) for name in FIELDS})
    return {name: int(sums[name]) for name in FIELDS}


# -- model signals (connected in apps.py) -------------------------------------------------
SNAPSHOT = "_people_count_loaded"


def _vector(instance: Any) -> tuple[int | None, Vector]:
    d = instance.__dict__
    if not d.get("is_active"):
        return d.get("organization_id"), (0, 0, 0)
    consent = bool(d.get("mentoring_consent_date") and d.get("personal_data_consent_date"))
    return d.get("organization_id"), (1, int(consent), int(d.get("user_id") is not None))


WATCHED = ("organization_id", "is_active", "mentoring_consent_date",
           "personal_data_consent_date", "user_id")


def loaded(sender: type, instance: Any, **kwargs: object) -> None:
    """Remembers what a person loaded from the database counts for (nothing for a new
    one, or one loaded without some of the watched fields)."""
    d = instance.__dict__
    whole = instance.pk is not None and all(name in d for name in WATCHED)
    d[SNAPSHOT] = _vector(instance) if whole else None


def _add(organization_id: int | None, step: Vector, sign: int) -> None:
    if organization_id is None or step == (0, 0, 0):
        return
    done = PeopleCount.objects.filter(organization_id=organization_id).update(
        **{name: F(name) + sign * n for name, n in zip(FIELDS, step, strict=True) if n})
    if not done:  # no row yet: count from the people (this change included)
        _recount([organization_id])


def saving(sender: type, instance: Any, raw: bool = False, **kwargs: object) -> None:
    """A person loaded without some of the watched fields (``.only(…)``): what they
    count for now is read from the database before the save changes it (one query)."""
    d = instance.__dict__
    if raw or instance._state.adding or d.get(SNAPSHOT) is not None:
        return
    row = Participant.objects.filter(pk=instance.pk).values(*WATCHED).first()
    d[SNAPSHOT] = _vector(_Row(row)) if row is not None else None


class _Row:
    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def saved(sender: type, instance: Any, created: bool = False, raw: bool = False,
          **kwargs: object) -> None:
    if raw:  # loaddata: ``tandem tallies --rebuild`` recounts
        return
    d = instance.__dict__
    before = None if created else d.get(SNAPSHOT)
    after = _vector(instance) if all(name in d for name in WATCHED) else None
    d[SNAPSHOT] = after
    if after is None:  # saved with some watched field still deferred: recount where it is
        row = Participant.objects.filter(pk=instance.pk).values(*WATCHED).first()
        after = _vector(_Row(row)) if row is not None else None
    if before == after:
        return
    if before is not None:
        _add(before[0], before[1], -1)
    if after is not None:
        _add(after[0], after[1], +1)


def deleted(sender: type, instance: Any, **kwargs: object) -> None:
    """After the row is gone: what it counted for when loaded (else as it is now)."""
    organization_id, step = instance.__dict__.get(SNAPSHOT) or _vector(instance)
    _add(organization_id, step, -1)


def figures_changed(sender: object, organization_ids: Iterable[int | None] = (),
                    **kwargs: object) -> None:
    _recount(organization_ids)
