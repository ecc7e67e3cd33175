"""The one mechanism that decides what a user may see and change.

Every selector filters through a :class:`Scope`; no view re-implements the rule.

- superuser: everything;
- region operator: every organization of their region(s);
- municipal coordinator: every organization of their municipality(ies);
- curator: their organization(s);
- teacher (a login linked to a participant record): their own record only;
- federal operator: the shared competency framework (areas, competencies, published
  versions) and nothing of any region's people;
- a region operator adds their region's own competencies to it (:meth:`Scope.competency_q`).

Staff roles (the first four) may also change participants inside their scope; region
operators and municipal coordinators appoint curators; region operators read the audit
trail of their region.
"""

import datetime as dt
import hashlib
import json
import zoneinfo
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from tandem.access.models import RightsRecord, Role, RoleAssignment
from tandem.accounts.models import User
from tandem.people.models import Participant
from tandem.territory import zones
from tandem.territory.models import (
    COUNTRY_Q,
    Municipality,
    Organization,
    Region,
    layout_version,
)

_CACHE_ATTR = "_tandem_scope"

# What a selector's ``<thing>_get(scope=…, pk=…, for_=…)`` fetches an object for: to read
# it, or to change it. Either way an object outside that right is a 404 (docs/architecture.md).
Access = Literal["view", "manage"]

# The rights to an action with no object (create, publish, open a staff page): properties of
# :class:`Scope`, demanded by :meth:`Scope.require`, which refuses with 403.
Right = Literal["is_staff", "is_teacher", "is_in_programme", "is_region_operator",
                "can_assign_curators", "organizes_events", "can_view_audit", "can_edit_framework",
                "can_read_framework", "can_add_competencies"]


@dataclass(frozen=True)
class Units:
    """Sets of region, municipality and organization ids (see :meth:`Scope.home_units`)."""
    region_ids: frozenset[int] = field(default_factory=frozenset)
    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    organization_ids: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    everything: bool = False
    region_ids: frozenset[int] = field(default_factory=frozenset)
    municipality_ids: frozenset[int] = field(default_factory=frozenset)
    organization_ids: frozenset[int] = field(default_factory=frozenset)
    own_participant_id: int | None = None
    # The organization of the signed-in teacher's own record (None for staff-only logins).
    own_organization_id: int | None = None
    federal: bool = False
    # The IANA zone of the user's region, read with the roles (None: the installation's).
    time_zone: str | None = None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The zone the user sees times in (``tandem.territory.zones``)."""
        return zones.zone_named(self.time_zone)

    @cached_property
    def fingerprint(self) -> "Rights":
        """What this scope may see and do, as a short digest (:class:`Rights`, a string):
        the same roles (and own record) at the same layout of the territory
        (``LayoutVersion``, one small query; not for a superuser or a user without staff
        roles, whose rights no layout changes) give the same string. A file made in the
        background keeps the one it was made under and is handed out only while its
        owner's rights cover it (:meth:`Rights.covers`, tandem/web/exports.py). The time
        zone is no right and stays out."""
        layout = layout_version() if self.is_staff and not self.everything else None
        return Rights(self, layout)

    @cached_property
    def units(self) -> "Scope":
        """The user's staff roles alone: their units (or everything) and their time zone —
        no login, no own record, no federal flag. A page kept for everyone of the same
        units is computed in it (the overview's staff part, ``home.selectors.
        staff_overview``; a monitoring dashboard, ``monitoring.selectors.dashboard_data``),
        so that it reads nothing its cache key leaves out (:attr:`units_key`, with the
        zone, the day, the filters and the version): two users of the same units share the
        entry whatever else they are — a federal operator, a teacher elsewhere — and the
        warm-up, a scope of no user, computes the very entry their pages read."""
        return Scope(user_id=None, everything=self.everything, region_ids=self.region_ids,
                     municipality_ids=self.municipality_ids,
                     organization_ids=self.organization_ids, time_zone=self.time_zone)

    @property
    def units_key(self) -> str:
        """:attr:`units` in a cache key: everything, or the regions, municipalities and
        organizations of the roles (the zone is the key's own part where it counts)."""
        return "|".join(["all" if self.everything else "",
                         ",".join(map(str, sorted(self.region_ids))),
                         ",".join(map(str, sorted(self.municipality_ids))),
                         ",".join(map(str, sorted(self.organization_ids)))])

    # -- what kind of user this is -------------------------------------------------
    @property
    def is_staff(self) -> bool:
        """Holds a role over some territory (and so may manage participants there)."""
        return self.everything or bool(
            self.region_ids or self.municipality_ids or self.organization_ids)

    @property
    def is_region_operator(self) -> bool:
        return self.everything or bool(self.region_ids)

    @property
    def is_teacher(self) -> bool:
        return self.own_participant_id is not None

    @property
    def is_in_programme(self) -> bool:
        """Someone of a region's programme: a staff member or a teacher (not the federal
        operator, who owns the framework and sees nobody's data)."""
        return self.is_staff or self.is_teacher

    @property
    def can_assign_curators(self) -> bool:
        return self.everything or bool(self.region_ids or self.municipality_ids)

    @property
    def organizes_events(self) -> bool:
        """Region operators and municipal coordinators run the school of mentors' events
        and train their case teams."""
        return self.can_assign_curators

    @property
    def can_view_audit(self) -> bool:
        return self.is_region_operator

    @property
    def is_federal_operator(self) -> bool:
        """Owns the framework every region shares (the superuser too)."""
        return self.everything or self.federal

    @property
    def can_edit_framework(self) -> bool:
        """Changes the federal competencies and areas and publishes framework versions; a
        region operator reads them and adds their region's own (:meth:`competency_q`)."""
        return self.is_federal_operator

    @property
    def can_read_framework(self) -> bool:
        return self.is_staff or self.is_federal_operator

    @property
    def can_add_competencies(self) -> bool:
        """Adds federal competencies (the federal operator) or their region's own (a
        region operator)."""
        return self.can_edit_framework or self.is_region_operator

    def competency_q(self, *, manage: bool = False) -> Q:
        """Competencies the user reads: the federal ones and those of their home regions
        (a region's own competencies are nobody else's business); with ``manage``, those
        they change: the federal ones for the federal operator, their regions' own for a
        region operator — never another region's."""
        if self.everything:
            return Q()
        if manage:
            q = Q(pk__in=[])
            if self.federal:
                q |= Q(region__isnull=True)
            if self.region_ids:
                q |= Q(region_id__in=self.region_ids)
            return q
        return Q(region__isnull=True) | Q(region_id__in=self.home_units.region_ids)

    def require(self, right: Right) -> None:
        """Refuses (403) an action with no object unless the user holds ``right`` — one of
        the properties above. Views call this instead of raising ``PermissionDenied`` on
        checks of their own; a right to one object is its selector's (``<thing>_get``)."""
        if not getattr(self, right):
            raise PermissionDenied

    # -- the units a user works in, and those above and below them --------------------
    @cached_property
    def home_units(self) -> Units:
        """The units the user works in — their roles' units and, for a teacher, their own
        organization — together with every unit above them (an organization's
        municipality and region, a municipality's region). Rows anchored to one of these
        are "anchored to my units": the regional catalogue is the curator's too."""
        return self._units_above(with_own=True)

    @cached_property
    def staff_home_units(self) -> Units:
        """Like :attr:`home_units`, for the units of the user's roles only."""
        return self._units_above(with_own=False)

    def _units_above(self, *, with_own: bool) -> Units:
        if self.everything:
            return Units()
        orgs = set(self.organization_ids)
        if with_own and self.own_organization_id is not None:
            orgs.add(self.own_organization_id)
        municipalities = set(self.municipality_ids)
        regions = set(self.region_ids)
        if orgs:
            for municipality_id, region_id in Organization.objects.filter(
                    pk__in=orgs).values_list("municipality_id", "municipality__region_id"):
                municipalities.add(municipality_id)
                regions.add(region_id)
        if self.municipality_ids:
            regions |= set(Municipality.objects.filter(pk__in=self.municipality_ids)
                           .values_list("region_id", flat=True))
        return Units(frozenset(regions), frozenset(municipalities), frozenset(orgs))

    def anchored_q(self, *, below: bool = True) -> Q:
        """A filter for models anchored to a unit (fields ``region``, ``municipality``,
        ``organization``): rows of the user's home units and the units above them and,
        with ``below``, every row inside the territory the user holds a role over."""
        if self.everything:
            return Q()
        home = self.home_units
        # The country is above every unit: rows anchored to none (the federal catalogue)
        # are everyone's.
        q = (COUNTRY_Q | Q(region_id__in=home.region_ids)
             | Q(municipality_id__in=home.municipality_ids)
             | Q(organization_id__in=home.organization_ids))
        if below:
            q |= (Q(municipality__region_id__in=self.region_ids)
                  | Q(organization__municipality__region_id__in=self.region_ids)
                  | Q(organization__municipality_id__in=self.municipality_ids))
        return q

    def kept_q(self) -> Q:
        """Rows anchored exactly to a unit the user holds a role over (the rows they keep);
        the federal operator keeps the country's rows, anchored to none."""
        if self.everything:
            return Q()
        q = (Q(region_id__in=self.region_ids) | Q(municipality_id__in=self.municipality_ids)
             | Q(organization_id__in=self.organization_ids))
        return q | COUNTRY_Q if self.federal else q

    # -- who organizes events ----------------------------------------------------------
    def organizer_q(self) -> Q:
        """Events, cases and other things anchored to a region or a municipality that the
        user organizes: those of their region (as its operator) or their municipality
        (as its coordinator)."""
        if self.everything:
            return Q()
        return Q(region_id__in=self.region_ids) | Q(municipality_id__in=self.municipality_ids)

    def organizes(self, thing: object) -> bool:
        """The same rule as :meth:`organizer_q` for one loaded object."""
        return (self.everything or getattr(thing, "region_id", None) in self.region_ids
                or getattr(thing, "municipality_id", None) in self.municipality_ids)

    # -- filters -------------------------------------------------------------------
    def _organization_q(self) -> Q:
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        if self.region_ids:
            q |= Q(municipality__region_id__in=self.region_ids)
        if self.municipality_ids:
            q |= Q(municipality_id__in=self.municipality_ids)
        if self.organization_ids:
            q |= Q(pk__in=self.organization_ids)
        return q

    def organizations(self, qs: QuerySet[Organization] | None = None) -> QuerySet[Organization]:
        """Organizations whose people this user may manage (staff roles only)."""
        qs = Organization.objects.all() if qs is None else qs
        if not self.is_staff:
            return qs.none()
        return qs.filter(self._organization_q())

    def municipalities(self, qs: QuerySet[Municipality] | None = None) -> QuerySet[Municipality]:
        qs = Municipality.objects.all() if qs is None else qs
        if self.everything:
            return qs
        if not self.is_staff:
            return qs.none()
        return qs.filter(
            Q(region_id__in=self.region_ids)
            | Q(pk__in=self.municipality_ids)
            | Q(organizations__in=self.organization_ids)
        ).distinct()

    def organization_municipalities(self) -> QuerySet[Municipality]:
        """The municipalities of :meth:`organizations`: those with an organization in
        scope (unlike :meth:`municipalities`, a region's empty ones are not among them) —
        the territory page, the filters, the programmes overview."""
        return Municipality.objects.filter(
            pk__in=self.organizations().values("municipality_id"))

    def coordinated_municipalities(
        self, qs: QuerySet[Municipality] | None = None
    ) -> QuerySet[Municipality]:
        """Municipalities the user coordinates as a whole: their own as a municipal
        coordinator, every one of their region as its operator (not a curator's)."""
        qs = Municipality.objects.all() if qs is None else qs
        if self.everything:
            return qs
        return qs.filter(Q(pk__in=self.municipality_ids) | Q(region_id__in=self.region_ids))

    def regions(self, qs: QuerySet[Region] | None = None) -> QuerySet[Region]:
        qs = Region.objects.all() if qs is None else qs
        if self.everything:
            return qs
        if not self.is_staff:
            return qs.none()
        return qs.filter(
            Q(pk__in=self.region_ids)
            | Q(municipalities__in=self.municipality_ids)
            | Q(municipalities__organizations__in=self.organization_ids)
        ).distinct()

    def participants(self, qs: QuerySet[Participant] | None = None) -> QuerySet[Participant]:
        """Participants this user may see: those of their organizations, or themselves."""
        qs = Participant.objects.all() if qs is None else qs
        return qs if self.everything else qs.filter(self.participant_q())

    def manageable_participants(
        self, qs: QuerySet[Participant] | None = None
    ) -> QuerySet[Participant]:
        """Participants this user may create, edit and deactivate."""
        qs = Participant.objects.all() if qs is None else qs
        if not self.is_staff:
            return qs.none()
        return qs.filter(self.participant_q(manage=True))

    def participant_q(self, *, manage: bool = False, by_organization: bool = False) -> Q:
        """The rule of :meth:`participants` (with ``manage``, of
        :meth:`manageable_participants`) as a filter on participants. A coordinator's and
        an operator's people by the place kept on the person (``Participant.municipality``,
        ``Participant.region``: their organization's now, tandem/people/places.py), not
        through the organizations: the list's index then holds a region's or a
        municipality's people in name order, and a deep page of the participants' list is
        one range of it (through the organizations PostgreSQL walked the whole country's
        names: 635 ms for a region's 400th page, issue #16; docs/performance.md).
        ``by_organization``: the same people through their organizations
        (:meth:`organization_q`), for a query that walks an index ordered by organization
        and stops at the first of the scope's (``directory.selectors.
        participant_positions``: by the kept place, the walk read the table row by row up
        to the scope's first organization — 380 against 37 ms for the last municipality of
        t300k)."""
        if self.everything:
            return Q()
        if by_organization:
            q = self.organization_q("organization")
            if not manage and self.own_participant_id is not None:
                q |= Q(pk=self.own_participant_id)
            return q
        q = Q(pk__in=[])
        if self.region_ids:
            q |= Q(region_id__in=sorted(self.region_ids))
        if self.municipality_ids:
            q |= Q(municipality_id__in=sorted(self.municipality_ids))
        if self.organization_ids:
            q |= Q(organization_id__in=self.organization_ids)
        if not manage and self.own_participant_id is not None:
            q |= Q(pk=self.own_participant_id)
        return q

    def person_q(self, field: str, *, manage: bool = False, by_key: bool = False) -> Q:
        """Rows of another model whose participant ``field`` (``"participant"``, ``"a"``
        of a pair, ``"pair__b"`` of a map) is someone this user may see (``manage``:
        may manage). The teacher's own record is matched by its key (an index).

        Two shapes of the one rule, for PostgreSQL's sake (docs/performance.md).
        ``by_key``, when the query keeps few rows — one object picked by id, the first few
        in an index's order (the overview's reminders): a correlated ``EXISTS`` on the
        row's own key, a few lookups by primary key; ``field__in=<the people in scope>``
        would hash every participant of the region even for one pair (261 ms at 100,000,
        issue #16). Otherwise, for lists: ``field__in=<the people in scope>``, read once
        (a curator's through the organization index); for a whole list the planner
        misjudges how many rows ``EXISTS … OR EXISTS …`` keeps and then joins the list's
        people by hashing all of them (a curator's pairs page: 99 ms against 428 ms)."""
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        if self.is_staff:
            staff = Participant.objects.filter(self.participant_q(manage=True))
            q |= (Q(Exists(staff.filter(pk=OuterRef(field)))) if by_key
                  else Q(**{f"{field}__in": staff}))
        if not manage and self.own_participant_id is not None:
            q |= Q(**{field: self.own_participant_id})
        return q

    def organization_q(self, field: str, *, correlated: bool = False) -> Q:
        """Rows of another model whose organization ``field`` (``"a_organization"`` of a
        pair: a member's organization kept on the pair) is one whose people this user
        manages (:meth:`organizations`, by the staff roles only; the teacher's own record
        is :meth:`person_q`'s). A filter on the row's own column that never reads the
        people: the curator's organizations by their ids (the column's index), a
        coordinator's or an operator's through the organizations of their municipalities
        and regions (a few hundred rows, hashed once). ``correlated``: the latter as an
        ``EXISTS`` on the organization by its key for each row instead — for a query that
        walks a few rows in an index's order and stops (the overview's overdue tasks:
        with ``IN`` PostgreSQL read and joined every pair of the region, 350–500 ms on
        ``t300k``, against 11–21 ms; issue #16)."""
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        if self.organization_ids:
            q |= Q(**{f"{field}__in": sorted(self.organization_ids)})
        if self.region_ids or self.municipality_ids:
            units = Q(pk__in=[])
            if self.region_ids:
                units |= Q(municipality__region_id__in=self.region_ids)
            if self.municipality_ids:
                units |= Q(municipality_id__in=self.municipality_ids)
            organizations = Organization.objects.filter(units)
            if correlated:
                q |= Q(Exists(organizations.filter(pk=OuterRef(field))))
            else:
                q |= Q(**{f"{field}__in": organizations.values("pk")})
        return q

    def curator_assignable(
        self, qs: QuerySet[Organization] | None = None
    ) -> QuerySet[Organization]:
        """Organizations in which this user may appoint curators."""
        qs = Organization.objects.all() if qs is None else qs
        if self.everything:
            return qs
        if not self.can_assign_curators:
            return qs.none()
        return qs.filter(Q(municipality__region_id__in=self.region_ids)
                         | Q(municipality_id__in=self.municipality_ids))


# A record unused this long is deleted when another is made: a file job lives a day at
# most (tandem/web/exports.py, ``KEPT``).
RECORDS_KEPT = dt.timedelta(days=2)
# How long one answer of :meth:`Rights.covers` is remembered (it never changes: both
# fingerprints fix their roles and layouts; the cache only bounds the memory).
COVERS_SECONDS = 24 * 3600


def _ranges(ids: list[int]) -> str:
    """Sorted ids as ranges: ``[1, 2, 3, 7]`` → ``"1-3,7"``."""
    parts: list[str] = []
    start = previous = None
    for n in ids:
        if previous is not None and n == previous + 1:
            previous = n
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = n
    if start is not None:
        parts.append(str(start) if start == previous else f"{start}-{previous}")
    return ",".join(parts)


def _ids(ranges: str) -> set[int]:
    """The inverse of :func:`_ranges`."""
    ids: set[int] = set()
    for part in filter(None, ranges.split(",")):
        first, _dash, last = part.partition("-")
        ids.update(range(int(first), int(last or first) + 1))
    return ids


def _roles_cover(now: dict[str, object], then: dict[str, object]) -> bool:
    """Roles ``now`` include every role of ``then`` (and the same own record, if it had
    one): what ``then`` covered at a layout, ``now`` covers at the same layout."""
    if now["all"]:
        return True
    if then["all"] or (then["federal"] and not now["federal"]):
        return False
    units = ("regions", "municipalities", "organizations")
    return (all(set(then[unit]) <= set(now[unit]) for unit in units)  # type: ignore[call-overload]
            and then["own"] in (None, now["own"])
            and then["own_organization"] in (None, now["own_organization"]))


class Rights(str):
    """:attr:`Scope.fingerprint`: a 32-character digest of the scope's roles, own record
    and — for staff below the superuser — the territory's layout version, stored by a
    file job (``FileJob.rights``), with the scope it was taken from.

    :meth:`covers` is the rule a file job's owner is held to: the file is handed out while
    the rights now cover those it was made under — the same string (nothing changed: no
    query), or wider roles at the same layout, or, the layout having changed since, every
    organization the file's rights covered (kept by :meth:`record`) still covered now.
    Rights that grew keep the file; rights that shrank (a role gone, an organization moved
    out, deleted) or changed otherwise (another own record) do not."""

    scope: "Scope"
    # The layout version read (``territory.layout_version``: never 0); None — not read, for
    # rights no layout changes (a superuser, a user without staff roles).
    layout: int | None

    def __new__(cls, scope: "Scope", layout: int | None) -> "Rights":
        digest = hashlib.sha256(
            f"{json.dumps(_roles_of(scope), sort_keys=True)}|{layout or 0}".encode()
        ).hexdigest()
        rights = super().__new__(cls, digest[:32])
        rights.scope, rights.layout = scope, layout
        return rights

    def __reduce__(self) -> tuple[type[str], tuple[str]]:
        """Pickled or deep-copied (a model instance holding it): the plain digest — the
        scope stays with the request that read it."""
        return str, (str(self),)

    @property
    def roles(self) -> dict[str, object]:
        return _roles_of(self.scope)

    def _covered(self) -> list[int]:
        scope = self.scope
        if not scope.is_staff or scope.everything:
            return []
        return list(scope.organizations().order_by("pk").values_list("pk", flat=True))

    def record(self) -> bool:
        """Keeps what these rights cover now (:class:`RightsRecord`, one row per
        fingerprint), for :meth:`covers` after the layout changes. False — nothing kept —
        when the layout changed since the fingerprint was taken: the organizations read
        now are another layout's (checked whenever the fingerprint read one, whatever its
        number). Records unused for ``RECORDS_KEPT`` are deleted.

        A record already there is only marked used (one write, no organizations read): the
        same fingerprint covers the same organizations. Written as update-then-create, so a
        concurrent purge or a concurrent record of the same fingerprint (another job made
        at once) never fails it."""
        if self.scope.user_id is None:
            return False
        key, now = str(self), timezone.now()
        # A plain write of a bookkeeping row (not audited): marks it used, or finds none.
        if RightsRecord.objects.filter(key=key).update(used_at=now):
            return True
        covered = _ranges(self._covered())
        if self.layout is not None and layout_version() != self.layout:
            return False
        RightsRecord.objects.filter(used_at__lt=now - RECORDS_KEPT).delete()
        try:
            with transaction.atomic():
                RightsRecord.objects.create(key=key, layout=self.layout or 0,
                                            roles=self.roles, organizations=covered)
        except IntegrityError:  # made meanwhile by another job under the same rights
            RightsRecord.objects.filter(key=key).update(used_at=now)
        return True

    def covers(self, stored: str) -> bool:
        """These rights (now) include the rights ``stored`` (a fingerprint kept by a
        job): exactly, when nothing was recorded for ``stored`` only if it is the same
        string. The organizations are compared only when the layout changed between the
        two (one query, the answer cached under the pair of fingerprints)."""
        if stored == str(self):
            return True
        if not stored or self.scope.user_id is None:
            return False
        record = RightsRecord.objects.filter(key=stored).first()
        if record is None or not _roles_cover(self.roles, record.roles):
            return False
        if self.scope.everything or record.layout == (self.layout or 0):
            return True
        key = f"tandem:rights-cover:{stored}:{self}"
        verdict = cache.get(key)
        if verdict is None:
            verdict = _ids(record.organizations) <= set(self._covered())
            if layout_version() == self.layout:  # the answer is this layout's
                cache.set(key, verdict, COVERS_SECONDS)
        return bool(verdict)


def _roles_of(scope: "Scope") -> dict[str, object]:
    return {"all": scope.everything, "federal": scope.federal,
            "regions": sorted(scope.region_ids),
            "municipalities": sorted(scope.municipality_ids),
            "organizations": sorted(scope.organization_ids),
            "own": scope.own_participant_id, "own_organization": scope.own_organization_id}


def scope_for(user: object) -> Scope:
    """The scope of ``user``, computed once per request object (two small queries)."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    if getattr(user, "is_authenticated", False):
        setattr(user, _CACHE_ATTR, scope)
    return scope


def fingerprint_now(user_id: int | None) -> Rights:
    """:attr:`Scope.fingerprint` of the user's rights as they are now, read afresh (no
    cached scope, no stale user object): a background job's check, long after the
    request. A login deleted or closed has the rights of nobody."""
    user = User.objects.filter(pk=user_id).first() if user_id is not None else None
    return _compute_scope(user).fingerprint


def _compute_scope(user: object) -> Scope:
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return Scope(user_id=None)
    user_id = user.pk  # type: ignore[attr-defined]
    if getattr(user, "is_superuser", False):
        return Scope(user_id=user_id, everything=True)
    regions: set[int] = set()
    municipalities: set[int] = set()
    organizations: set[int] = set()
    federal = False
    # The zone comes with the rows read anyway (no query of its own): the region of a role
    # (the first by id when roles span several), else of the teacher's own organization.
    role_zones: dict[int, str] = {}
    for role, region_id, municipality_id, organization_id, zone_region, zone_name in (
        RoleAssignment.objects.filter(user_id=user_id)
        .annotate(zone_region=Coalesce("region_id", "municipality__region_id",
                                       "organization__municipality__region_id"),
                  zone_name=Coalesce("region__time_zone", "municipality__region__time_zone",
                                     "organization__municipality__region__time_zone"))
        .values_list("role", "region_id", "municipality_id", "organization_id",
                     "zone_region", "zone_name")
    ):
        if zone_region is not None:
            role_zones[zone_region] = zone_name
        if role == Role.REGION_OPERATOR:
            regions.add(region_id)
        elif role == Role.MUNICIPAL_COORDINATOR:
            municipalities.add(municipality_id)
        elif role == Role.CURATOR:
            organizations.add(organization_id)
        elif role == Role.FEDERAL_OPERATOR:
            federal = True
    own, own_org, own_zone = (
        Participant.objects.filter(user_id=user_id, is_active=True)
        .values_list("pk", "organization_id", "organization__municipality__region__time_zone")
        .first() or (None, None, None))
    return Scope(
        user_id=user_id,
        region_ids=frozenset(regions),
        municipality_ids=frozenset(municipalities),
        organization_ids=frozenset(organizations),
        own_participant_id=own,
        own_organization_id=own_org,
        federal=federal,
        time_zone=role_zones[min(role_zones)] if role_zones else own_zone,
    )


def forget_scope(user: object) -> None:
    """Drops the cached scope after the user's roles changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
