"""The query homes of the rules about pairs (docs/rules.md): which pairs run, overlap a
period, belong to a unit, need their curator; what "done", "overdue" and "held" mean in SQL.

Each is the twin of a pure rule in the core (``tandem.core.attention``,
``tandem.core.effectiveness``, ``tandem.core.periods``); tests check that the two agree.
Maps, rows and meetings sit above pairs, so they are reached here through the pair's
relations (``map``, ``map__rows``, ``meetings``), never imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import router, transaction
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Greatest, TruncDate
from django.db.models.lookups import Exact

from tandem.access.filters import overlapping_q
from tandem.core import attention
from tandem.web.signals import figures_changed
from tandem.web.transactions import ids_at_commit

if TYPE_CHECKING:
    from tandem.territory.models import Municipality, Organization, Region

MEMBER = "member"  # a pair belongs to the unit of either member (unit totals)
OWNER = "owner"  # a pair belongs to Pair.organization only (breakdowns that add up)
DECLINED = "declined"  # tandem.pairs.models.Pair.Status.DECLINED (a test keeps them equal)
# The statuses of pairs that formed: every figure counts these (a declined pair never did).
FORMED = ("approved", "active", "completed", "ended_early")
MAP_DRAFT = "draft"  # tandem.maps.models.Map.Status.DRAFT (a test keeps them equal)
APPROVED = "approved"  # tandem.pairs.models.Pair.Status.APPROVED (a test keeps them equal)


def map_agree_days() -> int:
    return int(getattr(settings, "TANDEM_MAP_AGREE_DAYS", attention.MAP_AGREE_DAYS))


def no_meeting_weeks() -> int:
    return int(getattr(settings, "TANDEM_NO_MEETING_WEEKS", attention.NO_MEETING_WEEKS))


# -- done, overdue, held: the query twins of tandem.core.effectiveness ----------------------
def confirmation_missing_q(participant_id: int, prefix: str = "") -> Q:
    """«My confirmation is missing»: the pair was approved and waits for this member's
    confirmation (the partner's may be in or not). The one rule of the teacher's
    «Подтвердить участие» on her overview and her step «ответьте на пару»."""
    return Q(**{f"{prefix}status": APPROVED}) & (
        Q(**{f"{prefix}a_id": participant_id, f"{prefix}a_confirmed_at__isnull": True})
        | Q(**{f"{prefix}b_id": participant_id, f"{prefix}b_confirmed_at__isnull": True}))


def task_done_q(as_of: dt.date, prefix: str = "") -> Q:
    """Map rows done by ``as_of`` (:func:`tandem.core.effectiveness.task_done`)."""
    return Q(**{f"{prefix}done_at__isnull": False, f"{prefix}done_at__lte": as_of})


def task_overdue_q(as_of: dt.date, prefix: str = "") -> Q:
    """Rows overdue on ``as_of`` (:func:`tandem.core.effectiveness.task_overdue`)."""
    return ~task_done_q(as_of, prefix) & Q(**{f"{prefix}deadline__lt": as_of})


def task_overdue_parts(as_of: dt.date, prefix: str = "") -> tuple[Q, Q]:
    """:func:`task_overdue_q` as two disjoint parts whose union it is: rows not done at
    all, and rows done only after ``as_of``. A list of overdue rows in deadline order (the
    overview's reminders) reads each part by its own index and stops at its few: the
    first by the partial index of open rows ``row_open_deadline`` (deadline, id), walked
    from the earliest deadline and joined by key to the row's map and pair; the second
    (a done date ahead of the day: none on a day's own reminders, some in a report for a
    past day) by ``row_deadline_done``. Said as one condition, ``done_at IS NULL OR
    done_at > as_of`` fits neither index, so every overdue row of the region was read and
    sorted to show ten (issue #16)."""
    past = Q(**{f"{prefix}deadline__lt": as_of})
    return (past & Q(**{f"{prefix}done_at__isnull": True}),
            past & Q(**{f"{prefix}done_at__gt": as_of}))


def meeting_held_q(as_of: dt.date, prefix: str = "") -> Q:
    """Meetings held by ``as_of`` (:func:`tandem.core.effectiveness.meeting_held`)."""
    return Q(**{f"{prefix}planned": False, f"{prefix}date__lte": as_of})


def meeting_held_after_q(day: dt.date, prefix: str = "") -> Q:
    """Meetings logged as held with a date after ``day``: held by a later day
    (:func:`meeting_held_q`), not by ``day``."""
    return Q(**{f"{prefix}planned": False, f"{prefix}date__gt": day})


# The start of the quiet stretch kept on a pair (:func:`tandem.core.attention.quiet_since`
# with the kept last meeting): the expression of the index ``pair_quiet``.
QUIET_FROM = Coalesce(F("held_until"), F("starts_on"), output_field=DateField())


def held_kept_q(as_of: dt.date) -> Q:
    """The pairs whose kept meeting dates hold on ``as_of``: ``held_until`` (none, or on
    or before it) and ``held_next`` (none, or after it) are consecutive held meetings, so
    no meeting was held between them and ``held_until`` is the last one held by
    ``as_of`` (:attr:`tandem.pairs.models.Pair.held_until`)."""
    return ((Q(held_until__isnull=True) | Q(held_until__lte=as_of))
            & (Q(held_next__isnull=True) | Q(held_next__gt=as_of)))


class UTCDate(Func):
    """A moment's date in UTC, written with the database's own functions — on SQLite
    ``date()``, not Django's registered ``django_datetime_cast_date`` (what ``TruncDate``
    compiles to there): an index on an expression with a function only Django registers
    makes the table unwritable from any other SQLite client (the ``sqlite3`` shell, a
    backup tool). Django keeps aware moments in SQLite as UTC text, so ``date()`` of it is
    the UTC date; PostgreSQL: the ``timestamptz`` at UTC, cast to a date — what
    ``TruncDate(tzinfo=UTC)`` writes there."""

    output_field = DateField()
    template = "((%(expressions)s) AT TIME ZONE 'UTC')::date"

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="date(%(expressions)s)", **extra)


def _began_on(tzinfo: dt.tzinfo | None = None, *, utc: bool = False) -> Case:
    if utc:
        confirmed = Greatest(UTCDate("a_confirmed_at"), UTCDate("b_confirmed_at"))
    else:
        confirmed = Greatest(TruncDate("a_confirmed_at", tzinfo=tzinfo),
                             TruncDate("b_confirmed_at", tzinfo=tzinfo))
    return Case(When(a_confirmed_at__isnull=False, b_confirmed_at__isnull=False,
                     then=Greatest(F("starts_on"), confirmed)),
                default=F("starts_on"), output_field=DateField())


# The day a pair began working (:func:`tandem.core.attention.work_began_on`) with the
# confirmation's date read in UTC — ``began_on`` (:meth:`PairQuerySet.with_began_on`) reads
# it in the active zone, the user's or the region's, which no index can: the expression of
# the index ``pair_began``. A moment's date in any zone (UTC−12 … UTC+14) is its UTC date,
# the day before or the day after, and ``greatest`` moves by no more than its arguments,
# so ``began_on`` and this differ by a day at most (:meth:`PairQuerySet.first_began`).
BEGAN_NEAR = _began_on(utc=True)
BEGAN_MARGIN = dt.timedelta(days=1)


def _regions(region_of: dict[int, int], a_organization: Any, b_organization: Any
             ) -> tuple[Any, Any]:
    """(``Pair.region``, ``Pair.b_region``) of members of these organizations."""
    a, b = region_of.get(a_organization), region_of.get(b_organization)
    return a, (None if b == a else b)


class PairQuerySet(QuerySet[Any]):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        """As ``QuerySet.bulk_create``, with the members' organizations of the pairs that
        do not carry them yet (``Pair.save`` does it one by one), their regions and their
        search names (``Pair.names``), read in one query."""
        objs = list(objs)
        # Every member: their search names (``Pair.names``) are read from their rows with
        # their organizations, in the same query.
        members = {getattr(p, f"{side}_id") for p in objs for side in "ab"}
        region_of: dict[int, int] = {}
        organization_of: dict[int, int] = {}
        name_of: dict[int, str] = {}
        if members:
            for pk, organization, region, name in (
                    self.model._meta.get_field("a").related_model.objects
                    .filter(pk__in=members)
                    .values_list("pk", "organization_id",
                                 "organization__municipality__region_id", "search_name")):
                organization_of[pk] = organization
                region_of[organization] = region
                name_of[pk] = name
            for p in objs:
                p.names = names_joined(name_of.get(p.a_id, ""), name_of.get(p.b_id, ""))
            for p in objs:
                for side in "ab":
                    if getattr(p, f"{side}_organization_id") is None:
                        setattr(p, f"{side}_organization_id",
                                organization_of.get(getattr(p, f"{side}_id")))
        # Their regions (Pair.region, Pair.b_region): with the members' organizations, or
        # in one query of the organizations given.
        organizations = {getattr(p, f"{side}_organization_id") for p in objs
                         if p.region_id is None for side in "ab"}
        if organizations:
            if organizations - set(region_of):
                region_of |= self._region_of(organizations - set(region_of))
            for p in objs:
                if p.region_id is None:
                    p.region_id, p.b_region_id = _regions(
                        region_of, p.a_organization_id, p.b_organization_id)
        created = super().bulk_create(objs, *args, **kwargs)
        pks = [p.pk for p in created if p.pk is not None]
        if pks:  # as Pair.save: a move (a rename) not committed yet
            self.keep_at_commit_of(pks=pks)
        return created

    def names_of(self, a_id: Any, b_id: Any) -> Concat:
        """The search names a pair of members ``a_id`` and ``b_id`` keeps (``Pair.names``),
        as an expression read from their rows by the statement that writes it (an
        ``INSERT`` or an ``UPDATE`` of the pair)."""
        return self._names_of(Value(a_id), Value(b_id))

    def keep_names(self) -> int:
        """Writes the search names of these pairs' members as they are now
        (``Pair.names``) on the pairs where they differ: after a member's name changed
        (a rename, an anonymisation: tandem/pairs/members.py). Derived, left out of the
        pair's audit trail (the rename is in it, on the participant), so a plain
        ``UPDATE``: one statement that touches only the pairs whose kept names are not the
        ones now. Returns how many pairs changed."""
        return self.model.objects.filter(pk__in=self.stale_names().values("pk")).update(
            names=self._names_now())

    def stale_names(self) -> PairQuerySet:
        """Those of these pairs whose kept names (``Pair.names``) are not their members'
        search names now: none after every rename (:meth:`keep_names`) — a check."""
        return (self.model.objects.filter(pk__in=self.values("pk"))
                .alias(names_now=self._names_now()).exclude(names=F("names_now")))

    def _names_now(self) -> Concat:
        """The names of an updated pair's own members now (correlated on its row)."""
        return self._names_of(OuterRef("a"), OuterRef("b"))

    def _names_of(self, a: Any, b: Any) -> Concat:
        """:func:`names_joined` in SQL, of the members whose keys are the expressions
        ``a`` and ``b``, read from their rows."""
        participant = self.model._meta.get_field("a").related_model

        def name(pk: Any) -> Subquery:
            return Subquery(participant.objects.filter(pk=pk).values("search_name")[:1])

        return Concat(name(a), Value(NAMES_SEPARATOR), name(b), output_field=TextField())

    def keep_organizations(self, *, member: Any = None) -> int:
        """Writes the organizations of these pairs' members as their rows have them now
        (``Pair.a_organization``, ``Pair.b_organization``) on the pairs where they differ:
        after a member moved (tandem/pairs/members.py) or a pair was created from a copy
        of a member loaded before a move. The only writer of those columns but a new
        pair's save and the demo seed. Derived, left out of the pair's audit trail (the
        move is in it, on the participant), so a plain ``UPDATE`` that touches only the
        pairs whose kept organizations are not the members' now (the regions are
        :meth:`keep_regions`'s): one query that finds none, usually; when it finds some,
        the ``UPDATE`` and a read of what it wrote, and the organizations they left and
        joined marked for the figures kept by them (``figures_changed``). Returns how many
        pairs changed.

        ``member``: only that person's side of each of these pairs, one statement a side
        (a person's save, in its transaction: the other side is the partner's, who may be
        moving in another transaction — a statement that waited for that one's lock on
        the pair would write the partner's organization it read before waiting back)."""
        if member is not None:
            now: Any = Subquery(self.model._meta.get_field("a").related_model.objects
                                .filter(pk=member).order_by().values("organization_id")[:1])
            n = self.filter(a_id=member).exclude(a_organization_id=now).update(
                a_organization_id=now)
            return n + self.filter(b_id=member).exclude(b_organization_id=now).update(
                b_organization_id=now)
        stale = list(self.stale_organizations().order_by().values_list(
            "pk", "organization_id", "a_organization_id", "b_organization_id"))
        if not stale:
            return 0
        pks = [row[0] for row in stale]
        a_now, b_now = self._organizations_now()
        n = self.model.objects.filter(pk__in=pks).update(
            a_organization_id=a_now, b_organization_id=b_now)
        # The figures kept by the members' organizations (monitoring's pairs, the maps'
        # technologies) of the organizations left and joined, and of the pairs': no save
        # told their keepers (a move does, in its transaction — not of a pair it did not see).
        left = {pk for row in stale for pk in row[1:]}
        joined = {pk for row in self.model.objects.filter(pk__in=pks)
                  .values_list("a_organization_id", "b_organization_id") for pk in row}
        figures_changed.send(sender=self.model, organization_ids=left | joined)
        return n

    def stale_organizations(self) -> PairQuerySet:
        """Those of these pairs whose kept organizations are not their members' now: none
        after every move (:meth:`keep_organizations`) — a check."""
        a_now, b_now = self._organizations_now()
        return (self.model.objects.filter(pk__in=self.values("pk"))
                .alias(a_now=a_now, b_now=b_now)
                .filter(~Q(a_organization_id=F("a_now")) | ~Q(b_organization_id=F("b_now"))))

    def _organizations_now(self) -> tuple[Subquery, Subquery]:
        participant = self.model._meta.get_field("a").related_model

        def organization(side: str) -> Subquery:
            return Subquery(participant.objects.filter(pk=OuterRef(side)).order_by()
                            .values("organization_id")[:1])

        return organization("a"), organization("b")

    def keep_organizations_then_regions(self) -> int:
        """:meth:`keep_organizations`, and :meth:`keep_regions` when it changed some: what
        runs after the commit of a move or of a new pair (:meth:`keep_at_commit_of`). A
        pair created while a member is moving reads the old organization, and the move's
        own ``UPDATE`` does not see the new pair; whichever commits last writes the
        organizations as they are then (as :meth:`keep_regions_at_commit`). Usually one
        statement that changes nothing."""
        changed = self.keep_organizations()
        if changed:
            self.keep_regions()
        return changed

    def _region_of(self, organizations: Any) -> dict[int, int]:
        organization = self.model._meta.get_field("a_organization").related_model
        return dict(organization.objects.filter(pk__in=[o for o in organizations if o])
                    .values_list("pk", "municipality__region_id"))

    def regions_of(self, a_organization: Any, b_organization: Any) -> tuple[Any, Any]:
        """The regions a new pair of members of these organizations keeps
        (``Pair.region``: A's organization's; ``Pair.b_region``: B's when it is another,
        else none). One query."""
        return _regions(self._region_of({a_organization, b_organization}),
                        a_organization, b_organization)

    def keep_regions(self) -> int:
        """Writes the regions of these pairs' members' organizations as they are now
        (``Pair.region``, ``Pair.b_region``) on the pairs where they differ: after a
        member, an organization or a municipality moved (tandem/pairs/members.py,
        tandem/pairs/regions.py). Derived columns, left out of the pair's audit trail
        (the move itself is in it, on the moved row), so a plain ``UPDATE``: one
        statement that touches only the pairs whose kept regions are not the ones now.
        Returns how many pairs changed."""
        a_now, b_other = self._regions_now()
        return self.model.objects.filter(pk__in=self.stale_regions().values("pk")).update(
            region_id=a_now, b_region_id=b_other)

    def stale_regions(self) -> PairQuerySet:
        """Those of these pairs whose kept regions (``Pair.region``, ``Pair.b_region``)
        are not those of their members' organizations now: none after every move
        (:meth:`keep_regions`) — a check."""
        a_now, b_other = self._regions_now()
        return (self.model.objects.filter(pk__in=self.values("pk"))
                .alias(a_now=a_now, b_other=b_other)
                .filter(~Q(region_id=F("a_now"))
                        | Q(b_region__isnull=True, b_other__isnull=False)
                        | Q(b_region__isnull=False, b_other__isnull=True)
                        # Both set and different: ``IS DISTINCT FROM``. Alone, the
                        # negation would hold for every pair without ``b_region``
                        # (Django's exclude lets NULLs through).
                        | (Q(b_region__isnull=False, b_other__isnull=False)
                           & ~Q(b_region_id=F("b_other")))))

    def _regions_now(self) -> tuple[Subquery, Case]:
        organization = self.model._meta.get_field("a_organization").related_model

        def region(side: str) -> Subquery:
            return Subquery(organization.objects.filter(pk=OuterRef(f"{side}_organization"))
                            .values("municipality__region_id")[:1])

        a_now, b_now = region("a"), region("b")
        # B's region when it is not A's, else none: what ``b_region`` should hold.
        return a_now, Case(When(Exact(b_now, a_now), then=Value(None)), default=b_now)

    def keep_regions_at_commit(self) -> None:
        """:meth:`keep_regions` again on the same pairs right after the transaction
        commits (at once outside one). Each writer of a pair's regions reads them from
        what it sees, and a concurrent move or a new pair is not seen until it commits:
        a pair created while its organization moves region, a member moving into an
        organization that moves. Each side runs this, so whichever commits last sees
        both and writes the regions as they are then."""
        again = self.all()
        # The primary's commit, even inside ``reading_from_replica()``.
        transaction.on_commit(again.keep_regions, using=router.db_for_write(self.model))

    def keep_at_commit_of(self, *, pks: Iterable[int] = (), members: Iterable[int] = (),
                          organizations: bool = True, names: bool = True,
                          regions: bool = True) -> None:
        """:meth:`keep_organizations_then_regions` (``organizations``), :meth:`keep_names`
        (``names``) and :meth:`keep_regions` (``regions``) right after the transaction
        commits, of the pairs ``pks`` and of the pairs of the participants ``members``
        (not of this queryset's filter: call it on ``Pair.objects``), collected over the
        whole transaction: one run after its commit over every pair and member given in
        it, a thousand a statement (``web/transactions.py: ids_at_commit``) — not one
        callback a pair created or a person renamed or moved (a roster import, issue #16)."""
        # The primary's commit, even inside ``reading_from_replica()``.
        using = router.db_for_write(self.model)
        pks, members = list(pks), list(members)
        for wanted, keep in ((organizations, "keep_organizations_then_regions"),
                             (names, "keep_names"), (regions, "keep_regions")):
            if wanted and pks:
                ids_at_commit(f"pairs.{keep}", pks, _ByPk(self.model, keep), using=using)
            if wanted and members:
                ids_at_commit(f"pairs.{keep}.members", members, _ByMember(self.model, keep),
                              using=using)

    def formed(self) -> PairQuerySet:
        """Pairs that formed: all but those a member declined before they began."""
        return self.filter(status__in=FORMED)

    def running(self) -> PairQuerySet:
        """Approved or active pairs (:data:`tandem.core.attention.RUNNING`)."""
        return self.filter(status__in=attention.RUNNING)

    def awaiting_confirmation_of(self, participant_id: int) -> PairQuerySet:
        """Pairs that wait for this member's confirmation (:func:`confirmation_missing_q`)."""
        return self.filter(confirmation_missing_q(participant_id))

    def overlapping(self, period: Any = None, date_to: dt.date | None = None) -> PairQuerySet:
        """Pairs whose term overlaps the period: ``period`` is anything with ``date_from``
        and ``date_to`` (the monitoring Filters), or the start date with ``date_to``."""
        if period is not None and hasattr(period, "date_from"):
            return self.filter(overlapping_q(period.date_from, period.date_to))
        return self.filter(overlapping_q(period, date_to))

    def of_unit(self, unit: QuerySet[Organization] | Organization | Municipality | Region
                | list[int], *, by: str = MEMBER) -> PairQuerySet:
        """The pairs of a unit. ``by=MEMBER`` (unit totals, lists, the pairs' pages): either
        member works in one of its organizations, so a municipal-pool pair counts in both
        members' organizations. ``by=OWNER`` (breakdowns by organization): only the pair's
        own organization (participant A's), so a breakdown's lines add up to the total of
        the unit above them (docs/effectiveness.md). ``unit`` may be the organizations'
        ids (``Filters.organization_ids``: a curator's few), then compared as values: the
        planner estimates them by the columns' statistics, where an OR of two subqueries
        is taken for half the pairs and joined to all people (issue #16)."""
        from tandem.territory.models import Municipality, Organization, Region

        if isinstance(unit, list):
            organizations: Any = unit
        elif isinstance(unit, Organization):
            organizations = [unit.pk]
        elif isinstance(unit, Municipality):
            organizations = Organization.objects.filter(municipality=unit)
        elif isinstance(unit, Region):
            organizations = Organization.objects.filter(municipality__region=unit)
        else:
            organizations = unit
        if by == OWNER:
            return self.filter(organization__in=organizations)
        if by != MEMBER:
            raise ValueError(f"by must be {MEMBER!r} or {OWNER!r}, not {by!r}")
        # The members' organizations kept on the pair (Pair.a_organization): the people
        # are not read (docs/architecture.md, «Пары подразделения»).
        return self.filter(Q(a_organization__in=organizations)
                           | Q(b_organization__in=organizations))

    # -- needs the curator (tandem.core.attention) --------------------------------------
    def with_began_on(self) -> PairQuerySet:
        """``began_on``: :func:`tandem.core.attention.work_began_on` (the start, or the
        second confirmation when later and both are recorded)."""
        return self.annotate(began_on=_began_on())

    def map_not_agreed(self, as_of: dt.date, days: int | None = None) -> PairQuerySet:
        """Running pairs without an agreed map — none yet (it is drafted when first
        opened) or a draft — more than ``days`` (the setting ``TANDEM_MAP_AGREE_DAYS``) days
        after they began working (:func:`tandem.core.attention.map_not_agreed`). Also
        said of :data:`BEGAN_NEAR` (``began_near``), which the rule implies — a day at
        most from ``began_on`` before the cut-off, so on or before it — for the index
        ``pair_began`` (:meth:`first_began`)."""
        days = map_agree_days() if days is None else days
        cutoff = as_of - dt.timedelta(days=days)
        return (self.running().filter(Q(map__isnull=True) | Q(map__status=MAP_DRAFT))
                .with_began_on().alias(began_near=BEGAN_NEAR)
                .filter(began_on__lt=cutoff, began_near__lte=cutoff))

    def first_began(self, limit: int) -> PairQuerySet:
        """The first ``limit`` of these pairs in the order (``began_on``, pk) — exactly
        ``order_by("began_on", "pk")[:limit]`` — for pairs with ``began_on`` and
        ``began_near`` (:meth:`map_not_agreed`). ``began_on`` is a date in the active zone
        and no index holds it, so the whole list was read and sorted to show its first few
        (issue #16). Two queries instead: the ``limit``-th pair in the order of
        ``began_near`` (the index ``pair_began`` walked from the earliest, stopping at
        ``limit``), then the pairs whose ``began_near`` is at most two days after it,
        sorted by ``began_on``. The first ``limit`` by ``began_near`` began on or before a
        day after it, so the first ``limit`` by ``began_on`` did too, and each of them has
        ``began_near`` within a day after its ``began_on``: none is left out."""
        if limit <= 0:
            return self.none()
        nth = list(self.order_by("began_near", "pk")
                   .annotate(near=F("began_near")).values_list("near", flat=True)
                   [limit - 1:limit])
        first = self.order_by("began_on", "pk")
        if nth:
            first = first.filter(began_near__lte=nth[0] + 2 * BEGAN_MARGIN)
        # The first ``limit`` picked by key from what the index holds, before the pairs'
        # wide rows and their people are read: for those ``limit`` only.
        return self.filter(pk__in=first.values("pk")[:limit]).order_by("began_on", "pk")

    def keep_held(self, day: dt.date) -> int:
        """Writes the kept meeting dates of these pairs as of ``day``: ``held_until``, the
        last meeting held by it, and ``held_next``, the first one held after it (a meeting
        logged ahead of its date). One ``UPDATE`` with two indexed subqueries per pair.
        Derived from the meetings and left out of the pair's trail (the meetings' own
        changes are in it); the one writer of the two columns."""
        meeting = self.model._meta.get_field("meetings").related_model
        held = meeting.objects.filter(pair=OuterRef("pk")).order_by().values("pair")
        until = held.filter(meeting_held_q(day)).annotate(d=Max("date")).values("d")[:1]
        after = held.filter(meeting_held_after_q(day)).annotate(d=Min("date")).values("d")[:1]
        with transaction.atomic():
            # The pairs' rows locked first, in a statement of their own: the UPDATE then
            # starts after another transaction writing a meeting of the same pair has
            # committed, and its subqueries see that meeting (PostgreSQL's READ COMMITTED
            # re-reads only the locked row, not the subqueries, when an UPDATE waits; a
            # concurrent meeting would be missed and the dates stay wrong — review finding).
            # FOR NO KEY UPDATE, as the UPDATE itself takes: meetings' key checks go on.
            locked = list(self.order_by("pk").select_for_update(no_key=True)
                          .values_list("pk", flat=True))
            return self.filter(pk__in=locked).order_by().update(
                held_until=Subquery(until, output_field=DateField()),
                held_next=Subquery(after, output_field=DateField()))

    def roll_held(self, day: dt.date) -> int:
        """The day's roll-over of the running pairs whose kept meeting dates no longer hold
        on ``day`` (a meeting logged ahead of its date has come): found by the partial
        indexes ``pair_held_next`` and ``pair_held_until``, kept again as of ``day``. Not
        needed for correctness — the quiet rule reads the meetings of such pairs — only
        so that they stay few (the hourly run)."""
        return self.running().exclude(held_kept_q(day)).keep_held(day)

    def _last_held(self, as_of: dt.date) -> Subquery:
        meeting = self.model._meta.get_field("meetings").related_model
        last = (meeting.objects.filter(meeting_held_q(as_of), pair=OuterRef("pk"))
                .order_by().values("pair").annotate(m=Max("date")).values("m")[:1])
        return Subquery(last, output_field=DateField())

    def with_quiet_since(self, as_of: dt.date) -> PairQuerySet:
        """``quiet_since``: the last meeting held by ``as_of``, else the start
        (:func:`tandem.core.attention.quiet_since`) — from the dates kept on the pair
        where they hold on ``as_of`` (:func:`held_kept_q`), else from the meetings."""
        return self.annotate(quiet_since=Case(
            When(held_kept_q(as_of), then=QUIET_FROM),
            default=Coalesce(self._last_held(as_of), F("starts_on")), output_field=DateField()))

    def quiet_parts(self, as_of: dt.date, weeks: int | None = None
                    ) -> tuple[PairQuerySet, PairQuerySet]:
        """:meth:`quiet` as two disjoint parts whose union it is, each with
        ``quiet_since``: the pairs whose kept meeting dates hold on ``as_of``
        (:func:`held_kept_q`) — the start of their quiet stretch is kept, and a list of
        them in that order is read by the index ``pair_quiet`` from the earliest and cut
        at its limit — and the others, whose meetings are read (after the hourly
        roll-over, none on the day's own lists; some in a report for a past day).
        Said as one condition, the two fit no one index (issue #16)."""
        kept, read = self._quiet_q(as_of, weeks)
        base = self.running().filter(starts_on__lte=as_of).alias(quiet_from=QUIET_FROM)
        return (base.filter(kept).annotate(quiet_since=QUIET_FROM),
                base.filter(read).annotate(quiet_since=Coalesce(
                    self._last_held(as_of), F("starts_on"), output_field=DateField())))

    def _quiet_q(self, as_of: dt.date, weeks: int | None) -> tuple[Q, Q]:
        weeks = no_meeting_weeks() if weeks is None else weeks
        cutoff = as_of - dt.timedelta(weeks=weeks)
        # Kept: ``held_until`` (on or before the cutoff, so before ``as_of``) is the last
        # meeting held by ``as_of`` when none is held after it by then.
        kept = Q(quiet_from__lte=cutoff) & (Q(held_next__isnull=True) | Q(held_next__gt=as_of))
        # Read: ``quiet_since <= cutoff``, said without the last meeting of every pair: no
        # meeting held in (cutoff, as_of], and a start by the cutoff or a meeting held by
        # it (a meeting logged before the start counts, as in quiet_since).
        held = self.model._meta.get_field("meetings").related_model.objects.filter(
            meeting_held_q(as_of), pair=OuterRef("pk"))
        read = (~held_kept_q(as_of) & ~Exists(held.filter(date__gt=cutoff))
                & (Q(starts_on__lte=cutoff) | Exists(held.filter(date__lte=cutoff))))
        return kept, read

    def quiet(self, as_of: dt.date, weeks: int | None = None) -> PairQuerySet:
        """Running pairs with no meeting held for ``weeks`` (the setting
        ``TANDEM_NO_MEETING_WEEKS``) weeks or more (:func:`tandem.core.attention.quiet`),
        with ``quiet_since``: the union of :meth:`quiet_parts` in one query."""
        kept, read = self._quiet_q(as_of, weeks)
        return (self.running().filter(starts_on__lte=as_of).alias(quiet_from=QUIET_FROM)
                .filter(kept | read).with_quiet_since(as_of))

    # -- figures of each pair ----------------------------------------------------------
    def with_progress(self, as_of: dt.date,
                      date_from: dt.date | None = None) -> PairQuerySet:
        """Per pair, by subqueries (no join multiplies another): ``ab_total``, ``ab_done``,
        ``ab_overdue``, ``ba_…`` the same for the other direction, ``meetings_held`` and
        ``meetings_missed`` (scheduled, date come by ``as_of``, nothing held that day) —
        the inputs of :class:`tandem.core.effectiveness.MeetingFigures` over the window of
        :func:`tandem.core.effectiveness.window` (the term up to ``as_of``, from
        ``date_from`` when later).

        The expressions are built once a day and window (:func:`_progress_annotations`):
        eight subqueries cost 7 ms of CPU to build, more than the API's page of pairs
        takes to read (issue #16); ``annotate`` resolves copies of them, never these."""
        return self.annotate(**_progress_annotations(self.model, as_of, date_from))


# (pair model, as_of, date_from) -> the annotations of PairQuerySet.with_progress.
_PROGRESS: dict[tuple[Any, dt.date, dt.date | None], dict[str, Any]] = {}


class _ByPk:
    """``keep`` (a :class:`PairQuerySet` method's name) on the pairs of these ids."""

    def __init__(self, model: Any, keep: str) -> None:
        self.model, self.keep = model, keep

    def pairs(self, ids: list[int]) -> PairQuerySet:
        return self.model.objects.filter(pk__in=ids)

    def __call__(self, ids: list[int]) -> int:
        kept: int = getattr(self.pairs(ids), self.keep)()
        return kept


class _ByMember(_ByPk):
    """``keep`` on the pairs of these participants (as A or as B)."""

    def pairs(self, ids: list[int]) -> PairQuerySet:
        return self.model.objects.filter(Q(a_id__in=ids) | Q(b_id__in=ids))


def _progress_annotations(model: Any, as_of: dt.date,
                          date_from: dt.date | None) -> dict[str, Any]:
    key = (model, as_of, date_from)
    built = _PROGRESS.get(key)
    if built is None:  # another thread may clear the dictionary at any time: keep ours
        built = _build_progress_annotations(model, as_of, date_from)
        if len(_PROGRESS) >= 32:  # a few days and report windows at a time
            _PROGRESS.clear()
        _PROGRESS[key] = built
    return built


def _build_progress_annotations(model: Any, as_of: dt.date,
                                date_from: dt.date | None) -> dict[str, Any]:
    """The annotations of :meth:`PairQuerySet.with_progress`."""
    row = model._meta.get_field("map").related_model._meta.get_field(
        "rows").related_model
    meeting = model._meta.get_field("meetings").related_model

    def rows(direction: str, condition: Q | None = None) -> Coalesce:
        qs = (row.objects.filter(condition or Q(), map__pair=OuterRef("pk"),
                                 direction=direction)
              .order_by().values("map__pair").annotate(n=Count("pk")).values("n")[:1])
        return Coalesce(Subquery(qs), 0)

    def meetings(condition: Q) -> Coalesce:
        qs = (meeting.objects.filter(condition, pair=OuterRef("pk"),
                                     date__gte=OuterRef("starts_on"),
                                     date__lte=OuterRef("ends_on"))
              .filter(Q(date__gte=date_from) if date_from else Q())
              .order_by().values("pair").annotate(n=Count("pk")).values("n")[:1])
        return Coalesce(Subquery(qs), 0)

    held_same_day = meeting.objects.filter(meeting_held_q(as_of), pair=OuterRef("pair"),
                                           date=OuterRef("date"))
    missed = Q(planned=True, date__lte=as_of) & ~Q(Exists(held_same_day))
    annotations: dict[str, Any] = {}
    for prefix, direction in (("ab", "ab"), ("ba", "ba")):
        annotations[f"{prefix}_total"] = rows(direction)
        annotations[f"{prefix}_done"] = rows(direction, task_done_q(as_of))
        annotations[f"{prefix}_overdue"] = rows(direction, task_overdue_q(as_of))
    annotations["meetings_held"] = meetings(meeting_held_q(as_of))
    annotations["meetings_missed"] = meetings(missed)
    return annotations


# What separates A's search name from B's in ``Pair.names``: a space, which no word of a
# search has (the query is split at spaces, a search name's are folded to one), so a word
# is in ``names`` exactly when it is in one of the two names.
NAMES_SEPARATOR = " "


def names_joined(a: str, b: str) -> str:
    """``Pair.names`` of members whose search names are ``a`` and ``b`` (in Python)."""
    return f"{a}{NAMES_SEPARATOR}{b}"


