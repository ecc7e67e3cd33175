"""Reads of the resource catalogue, scoped by the user's territory."""

from dataclasses import dataclass

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tandem.access.scope import Access, Scope
from tandem.accounts.models import User
from tandem.core.text import normalize_name
from tandem.diagnostics.models import Competency
from tandem.resources import imports
from tandem.resources.models import (
    OWNER_LEVELS,
    Federal,
    Owner,
    Resource,
    ResourceImport,
    owner_fields,
)
from tandem.territory.models import Municipality, Region


def resources_visible(*, scope: Scope) -> QuerySet[Resource]:
    qs = Resource.objects.prefetch_related("competencies").select_related(
        "organization", "municipality", "region")
    if scope.everything:
        return qs
    return qs.filter(scope.anchored_q(below=True))


def resources_manageable(*, scope: Scope) -> QuerySet[Resource]:
    """Each level keeps its own: the region operator regional and federal ones, the
    municipal coordinator municipal ones, the curator the organization's."""
    qs = Resource.objects.all()
    return qs.filter(scope.kept_q())


def resources_without_competency(*, scope: Scope) -> QuerySet[Resource]:
    """Active resources this user keeps (``resources_manageable``) that name no competency:
    a map row's picker can never offer them first (docs/maps.md), so their owner is told."""
    return resources_manageable(scope=scope).filter(is_active=True, competencies__isnull=True)


@dataclass(frozen=True)
class ResourceFilters:
    text: str = ""
    competency: str = ""
    level: str = ""
    kind: str = ""
    format: str = ""
    organization_id: int | None = None  # the resources it keeps


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
    if filters.organization_id is not None:
        qs = qs.filter(organization_id=filters.organization_id)
    if filters.text:
        # Titles are few and short: filter in Python with the same folding as names
        # (SQLite cannot fold Cyrillic case), then keep the queryset shape.
        wanted = normalize_name(filters.text)
        ids = [pk for pk, title in qs.values_list("pk", "title")
               if wanted in normalize_name(title)]
        qs = qs.filter(pk__in=ids)
    return qs.distinct().order_by("title", "pk")


def resource_get(*, scope: Scope, pk: int, for_: Access = "view") -> Resource:
    """The resource to read, or (``for_="manage"``) to change; otherwise 404."""
    qs = resources_visible(scope=scope) if for_ == "view" else resources_manageable(scope=scope)
    return get_object_or_404(qs, pk=pk)


def resource_can_manage(*, scope: Scope, resource: Resource) -> bool:
    return resources_manageable(scope=scope).filter(pk=resource.pk).exists()


# -- import --------------------------------------------------------------------------
def resource_imports_pending(*, scope: Scope, user: User) -> QuerySet[ResourceImport]:
    """The user's uploads not yet committed, for units they still keep."""
    qs = ResourceImport.objects.filter(uploaded_by=user, committed_at__isnull=True)
    return qs.filter(scope.kept_q()).select_related("region", "municipality",
                                                    "organization__municipality")


def resource_import_get(*, scope: Scope, user: User, pk: int) -> ResourceImport:
    """One of the user's pending uploads (:func:`resource_imports_pending`); otherwise 404."""
    return get_object_or_404(resource_imports_pending(scope=scope, user=user), pk=pk)


def competencies_active(*, scope: Scope) -> list[tuple[str, str]]:
    """(code, name) of the competencies the user's resources may be tagged with, in
    framework order: the federal ones and their home regions' own."""
    return list(Competency.objects.filter(scope.competency_q(), is_active=True)
                .values_list("code", "name"))


def owner_region_id(owner: Owner) -> int | None:
    """The region of a resource's owner: its competencies are federal or that region's
    (None: the federal catalogue, federal competencies only)."""
    if isinstance(owner, Federal):
        return None
    if isinstance(owner, Region):
        return owner.pk
    if isinstance(owner, Municipality):
        return owner.region_id
    return owner.municipality.region_id


def import_catalogue(*, owner: Owner, titles: set[str]) -> imports.Catalogue:
    """What a file for ``owner`` is checked against, in four queries whatever its size.
    Another region's own competencies are unknown codes here."""
    codes: dict[str, int] = {}
    retired: set[str] = set()
    region_id = owner_region_id(owner)
    for pk, code, active in Competency.objects.of_regions(
            [] if region_id is None else [region_id]).values_list(
            "pk", "code", "is_active"):
        if active:
            codes[code] = pk
        else:
            retired.add(code)
    owned = Resource.objects.filter(**owner_fields(owner))
    # Titles fold in Python: SQLite cannot fold Cyrillic case.
    wanted = [pk for pk, title in owned.values_list("pk", "title")
              if normalize_name(title) in titles]
    existing: dict[str, list[Resource]] = {}
    for resource in owned.filter(pk__in=wanted).prefetch_related("competencies"):
        existing.setdefault(normalize_name(resource.title), []).append(resource)
    return imports.Catalogue(levels=OWNER_LEVELS[type(owner)], competencies=codes,
                             retired=frozenset(retired), existing=existing)


def resource_import_preview(*, upload: ResourceImport) -> imports.Preview:
    """What committing ``upload`` would do, row by row, against the catalogue as it is."""
    try:
        table = imports.read(bytes(upload.content), upload.filename)
    except imports.FileRefused as error:
        return imports.Preview([], [str(error)])
    catalogue = import_catalogue(owner=upload.owner, titles=imports.folded_titles(table))
    return imports.check(table, catalogue)
