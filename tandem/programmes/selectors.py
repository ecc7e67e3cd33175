"""Reads of programmes, through the user's scope.

Who sees what (docs/programmes.md): staff of the organization's territory (curator,
municipal coordinator, region operator) see every version; a teacher sees the adopted
programme of their own organization (it is the document they work under), never a draft.
Only a curator of the organization (or a superuser) changes it.
"""

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from tandem.access.filters import Filters
from tandem.access.scope import Access, Scope
from tandem.core import programmes as core
from tandem.core.maps import LEVEL_ORDER
from tandem.core.periods import academic_year_bounds
from tandem.directory.selectors import municipality_choices
from tandem.programmes.models import Indicator, Programme, RoadmapRow
from tandem.resources.models import Level, Resource
from tandem.territory.models import Organization
from tandem.web.order import GroupedCollation


def current_year(today: dt.date | None = None) -> int:
    return core.academic_year(today or timezone.localdate())


def own_organization_id(scope: Scope) -> int | None:
    """Kept for callers: the teacher's organization is ``Scope.own_organization_id``."""
    return scope.own_organization_id


def programmes_visible(*, scope: Scope) -> QuerySet[Programme]:
    qs = Programme.objects.select_related("organization__municipality__region", "adopted_by")
    if scope.everything:
        return qs
    q = Q(organization__in=scope.organizations())
    own = own_organization_id(scope)
    if own is not None:
        q |= Q(organization_id=own, status=Programme.Status.ADOPTED)
    return qs.filter(q)


def programme_get(*, scope: Scope, pk: int, for_: Access = "view") -> Programme:
    """A programme the user may read; ``for_="manage"`` only for the curator of its
    organization (:func:`can_edit`). 404 outside the right."""
    programme = get_object_or_404(programmes_visible(scope=scope), pk=pk)
    if for_ == "manage" and not can_edit(scope=scope, organization_id=programme.organization_id):
        raise Http404
    return programme


def roadmap_row_get(*, scope: Scope, pk: int, for_: Access = "manage") -> RoadmapRow:
    """A roadmap row of a programme the user may read (``for_="manage"``: write)."""
    row = get_object_or_404(RoadmapRow.objects.select_related("programme"), pk=pk)
    programme_get(scope=scope, pk=row.programme_id, for_=for_)
    return row


def indicator_get(*, scope: Scope, pk: int, for_: Access = "manage") -> Indicator:
    """An indicator of a programme the user may read (``for_="manage"``: write)."""
    indicator = get_object_or_404(Indicator.objects.select_related("programme"), pk=pk)
    programme_get(scope=scope, pk=indicator.programme_id, for_=for_)
    return indicator


def own_organization(*, scope: Scope) -> Organization:
    """The signed-in teacher's organization; 404 for a login without a participant card."""
    return get_object_or_404(Organization, pk=scope.own_organization_id)


def programmes_mine(*, scope: Scope) -> QuerySet[Programme]:
    """The adopted programmes of the teacher's own organization, newest first."""
    if scope.own_organization_id is None:
        return Programme.objects.none()
    return (programmes_visible(scope=scope).filter(organization_id=scope.own_organization_id)
            .order_by("-year", "-version"))


def organization_for_programme(*, scope: Scope, pk: int | None) -> Organization:
    """An organization whose programme the user writes (its curator); 404 otherwise."""
    return get_object_or_404(editable_organizations(scope=scope), pk=pk)


def can_edit(*, scope: Scope, organization_id: int) -> bool:
    """Only the organization's curator writes its programme; coordinators and the region
    operator read it (they approve nothing here: the head's order adopts it)."""
    return scope.everything or organization_id in scope.organization_ids


def editable_organizations(*, scope: Scope) -> QuerySet[Organization]:
    qs = Organization.objects.all()
    return qs if scope.everything else qs.filter(pk__in=scope.organization_ids)


def adopted(*, organization_id: int, year: int) -> Programme | None:
    return (Programme.objects.filter(organization_id=organization_id, year=year,
                                     status=Programme.Status.ADOPTED).first())


def matching_rules(*, organization_id: int, year: int | None = None
                   ) -> tuple[core.MatchingRules, Programme | None]:
    """The pair-formation defaults of an organization: its programme adopted for the year
    (the current academic year by default), or the platform's defaults."""
    programme = adopted(organization_id=organization_id, year=year or current_year())
    return (programme.rules if programme else core.MatchingRules()), programme


def matching_rules_for(*, organization_ids: Iterable[int], year: int | None = None
                       ) -> dict[int, core.MatchingRules]:
    """Adopted rules of several organizations at once (one query); those without an
    adopted programme are absent."""
    return {p.organization_id: p.rules for p in Programme.objects.filter(
        organization_id__in=list(organization_ids), year=year or current_year(),
        status=Programme.Status.ADOPTED)}


def resources_for_organization(organization: Organization) -> QuerySet[Resource]:
    """The catalogue an organization may rely on (``Resource.objects.reachable``): the
    federal one, its region's, its municipality's and its own active resources."""
    return Resource.objects.reachable(
        region_ids=[organization.municipality.region_id],
        municipality_ids=[organization.municipality_id],
        organization_ids=[organization.pk]).order_by("title", "pk")


def suggested_resources(organization: Organization, *, per_level: int = 2) -> list[Resource]:
    """A first choice of resources for a programme: up to ``per_level`` of each level the
    catalogue has, the organization's own first, then the municipality's, the region's,
    federal ones (``LEVEL_ORDER``). Ordering the catalogue by its ``level`` column would
    sort the codes alphabetically — federal, municipality, organization, region — and a
    short list cut from it never reached a regional resource."""
    chosen: list[Resource] = []
    catalogue = list(resources_for_organization(organization).order_by("pk")[:1000])
    for level in sorted(Level, key=lambda level: LEVEL_ORDER[level]):
        chosen += [r for r in catalogue if r.level == level][:per_level]
    return chosen


def resources_by_level(programme: Programme) -> list[tuple[str, str, list[Resource]]]:
    """The organization's catalogue grouped federal → regional → municipal → organization:
    (level, label, resources)."""
    groups: dict[str, list[Resource]] = {}
    for resource in resources_for_organization(programme.organization)[:1000]:
        groups.setdefault(resource.level, []).append(resource)
    levels = sorted(Level, key=lambda level: -LEVEL_ORDER[level])
    return [(level.value, str(level.label), groups.get(level.value, [])) for level in levels]


def chosen_resources_by_level(programme: Programme) -> list[tuple[str, list[Resource]]]:
    chosen = list(programme.resources.all())
    levels = sorted(Level, key=lambda level: -LEVEL_ORDER[level])
    return [(str(level.label), [r for r in chosen if r.level == level]) for level in levels
            if any(r.level == level for r in chosen)]


@dataclass
class OverviewRow:
    organization: Organization
    current: Programme | None  # the adopted one if any, else the newest
    draft: Programme | None


OVERVIEW_PER_PAGE = 50
# An organization's programme state for a year, as conditions on organizations annotated
# by :func:`_with_state` (the three add up to all of them).
ADOPTED, DRAFT, NONE = "adopted", "draft", "none"
STATE_Q = {ADOPTED: Q(has_adopted=True), DRAFT: Q(has_adopted=False, has_draft=True),
           NONE: Q(has_adopted=False, has_draft=False)}


def state_of(*, has_adopted: bool, has_draft: bool) -> str:
    """The state of one organization annotated by :func:`_with_state`, the Python twin of
    ``STATE_Q`` (the overview's counts; a test keeps the two equal)."""
    return ADOPTED if has_adopted else DRAFT if has_draft else NONE


@dataclass
class Overview:
    year: int
    rows: list[OverviewRow] = field(default_factory=list)  # the page shown
    counts: Counter[str] = field(default_factory=Counter)  # of every organization in scope
    page: Page[int] | None = None  # the ids of the organizations listed, a page of them

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _with_state(organizations: QuerySet[Organization], year: int) -> QuerySet[Organization]:
    """Organizations annotated whether they have an adopted programme and a draft for
    the year: ``id IN (the year's programmes of that status)``, which PostgreSQL reads
    once and hashes (an ``EXISTS`` per organization probed the programmes' index three
    times for each of a region's 5,456 organizations, 44–64 ms; issue #16)."""
    def of(status: str) -> ExpressionWrapper:
        return ExpressionWrapper(Q(pk__in=Programme.objects.filter(
            year=year, status=status).values("organization_id")),
            output_field=BooleanField())
    return organizations.annotate(has_adopted=of(Programme.Status.ADOPTED),
                                  has_draft=of(Programme.Status.DRAFT))


def overview_municipalities(*, scope: Scope) -> list[tuple[int, str]]:
    """(id, name) of the municipalities with organizations in the scope, in Russian order:
    the overview's filter."""
    return municipality_choices(scope=scope)


def overview(*, scope: Scope, year: int, municipality_id: int | None = None,
             state: str = "", page: int | str | None = 1) -> Overview:
    """Which organizations of the user's territory have a programme for the year: the
    counts of every organization in the scope summed by the database, and one page of the
    organizations (of a municipality, in a state) with their programmes — four queries,
    whatever the number of organizations."""
    organizations = _with_state(scope.organizations(), year)
    # How many organizations of each municipality are in each state, one query: their
    # sums are the page's figures, and the listed municipalities' sizes let a page sort
    # only its own organizations. Grouped by the two flags, each computed once a row.
    by_municipality = (organizations.order_by()
                       .values_list("municipality_id", "municipality__name",  # type: ignore[misc]
                                    "has_adopted", "has_draft")  # (_with_state's flags)
                       .annotate(n=Count("pk")))
    result = Overview(year=year)
    sizes: Counter[str] = Counter()
    for unit, name, has_adopted, has_draft, n in by_municipality:
        of_state = state_of(has_adopted=has_adopted, has_draft=has_draft)
        result.counts[of_state] += n
        listed_here = municipality_id is None or unit == municipality_id
        if listed_here and (state not in STATE_Q or state == of_state):
            sizes[name] += n
    listed = organizations
    if municipality_id is not None:
        listed = listed.filter(municipality_id=municipality_id)
    if state in STATE_Q:
        listed = listed.filter(STATE_Q[state])
    # by municipality, then short name, in Russian order (web.order.collated), sorting
    # only the municipalities the page spans (web.order.GroupedCollation)
    result.page = Paginator(GroupedCollation(listed, group="municipality__name",
                                             name="short_name", sizes=sizes),
                            OVERVIEW_PER_PAGE).get_page(page)
    ids: list[int] = list(result.page.object_list)
    found = {o.pk: o for o in Organization.objects.filter(pk__in=ids)
             .select_related("municipality")}
    by_org: dict[int, list[Programme]] = {}
    for p in (Programme.objects.filter(organization_id__in=ids, year=year)
              .only("pk", "organization_id", "year", "version", "status", "order_number",
                    "order_date")
              .order_by("organization_id", "-version")):
        by_org.setdefault(p.organization_id, []).append(p)
    for pk in ids:
        if pk not in found:
            continue
        versions = by_org.get(pk, [])
        adopted_one = next((p for p in versions if p.status == Programme.Status.ADOPTED), None)
        draft = next((p for p in versions if p.status == Programme.Status.DRAFT), None)
        current = adopted_one or (versions[0] if versions else None)
        result.rows.append(OverviewRow(organization=found[pk], current=current, draft=draft))
    return result


# -- what the organization's pairs used (docs/programmes.md) --------------------------
# Maps sit above programmes: the maps app registers its ``technologies_used`` here.
TechnologiesUsed = Callable[[Scope, Filters], list[Any]]
_technologies_used: list[TechnologiesUsed] = []


def register_technologies_used(reader: TechnologiesUsed) -> None:
    _technologies_used[:] = [reader]


def technologies_of_pairs(organization_id: int, year: int) -> list[tuple[str, int]]:
    """The technologies the organization's pairs of academic ``year`` named on their map
    rows: (technology as a person reads it, number of rows), most used first. Counts
    only, nobody named: the programme shows it to whoever may read the programme."""
    if not _technologies_used:
        return []
    counts: Counter[str] = Counter()
    everything = Scope(user_id=None, everything=True)
    start, end = academic_year_bounds(year)
    for use in _technologies_used[0](everything, Filters(
            date_from=start, date_to=end, organization_id=organization_id)):
        counts[use.technology] += use.rows
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
