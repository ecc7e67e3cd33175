"""Reads of the resource catalogue, scoped by the user's territory."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from tandem.access.scope import Scope
from tandem.core.text import normalize_name
from tandem.people.models import Participant
from tandem.resources.models import Resource
from tandem.territory.models import Organization


def _home(scope: Scope) -> tuple[set[int], set[int], set[int]]:
    """(regions, municipalities, organizations) whose resources the user may see."""
    orgs = set(scope.organizations().values_list("pk", flat=True))
    if scope.own_participant_id:
        own = (Participant.objects.filter(pk=scope.own_participant_id)
               .values_list("organization_id", flat=True).first())
        if own:
            orgs.add(own)
    units = Organization.objects.filter(pk__in=orgs).values_list("municipality_id",
                                                                 "municipality__region_id")
    municipalities = set(scope.municipality_ids) | {m for m, _r in units}
    regions = set(scope.region_ids) | {r for _m, r in units}
    return regions, municipalities, orgs


def resources_visible(*, scope: Scope) -> QuerySet[Resource]:
    qs = Resource.objects.prefetch_related("competencies").select_related(
        "organization", "municipality", "region")
    if scope.everything:
        return qs
    regions, municipalities, orgs = _home(scope)
    return qs.filter(Q(region_id__in=regions) | Q(municipality_id__in=municipalities)
                     | Q(municipality__region_id__in=scope.region_ids)
                     | Q(organization_id__in=orgs)
                     | Q(organization__municipality__region_id__in=scope.region_ids))


def resources_manageable(*, scope: Scope) -> QuerySet[Resource]:
    """Each level keeps its own: the region operator regional and federal ones, the
    municipal coordinator municipal ones, the curator the organization's."""
    qs = Resource.objects.all()
    if scope.everything:
        return qs
    return qs.filter(Q(region_id__in=scope.region_ids)
                     | Q(municipality_id__in=scope.municipality_ids)
                     | Q(organization_id__in=scope.organization_ids))


@dataclass(frozen=True)
class ResourceFilters:
    text: str = ""
    competency: str = ""
    level: str = ""
    kind: str = ""
    format: str = ""


def resource_search(*, scope: Scope, filters: ResourceFilters) -> QuerySet[Resource]:
    qs = resources_visible(scope=scope).filter(is_active=True)
    if filters.competency:
        qs = qs.filter(competencies__code=filters.competency)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.format:
        qs = qs.filter(format=filters.format)
    if filters.text:
        # Titles are few and short: filter in Python with the same folding as names
        # (SQLite cannot fold Cyrillic case), then keep the queryset shape.
        wanted = normalize_name(filters.text)
        ids = [pk for pk, title in qs.values_list("pk", "title")
               if wanted in normalize_name(title)]
        qs = qs.filter(pk__in=ids)
    return qs.distinct().order_by("title", "pk")


def resource_get(*, scope: Scope, pk: int) -> Resource:
    return get_object_or_404(resources_visible(scope=scope), pk=pk)
