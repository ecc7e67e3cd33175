"""Scoped reads of the territory and of participants: every query goes through the
user's Scope, so a forged id in a URL gives 404."""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import Access, Scope
from tandem.core.text import sort_key
from tandem.people import counts
from tandem.people.models import Participant, ParticipantQuerySet, consent_q
from tandem.territory.models import Municipality, Organization, Region
from tandem.web.order import by_keys


def organizations_with_counts(*, scope: Scope) -> QuerySet[Organization]:
    """Organizations in scope, each with ``participant_count`` and ``consent_count`` (the
    counts kept per organization, tandem/people/counts.py)."""
    return (
        counts.annotate(scope.organizations(
            Organization.objects.select_related("municipality__region")))
        .order_by("municipality__region__name", "municipality__name", "short_name")
    )


@dataclass
class MunicipalityNode:
    """A municipality of the territory page with its figures summed in the database."""
    municipality: Municipality
    organization_count: int = 0
    participant_count: int = 0
    consent_count: int = 0
    login_count: int = 0


@dataclass
class RegionNode:
    region: Region
    municipalities: list[MunicipalityNode] = field(default_factory=list)

    @property
    def organization_count(self) -> int:
        return sum(m.organization_count for m in self.municipalities)

    @property
    def participant_count(self) -> int:
        return sum(m.participant_count for m in self.municipalities)

    @property
    def consent_count(self) -> int:
        return sum(m.consent_count for m in self.municipalities)


def organization_tree(*, scope: Scope) -> list[RegionNode]:
    """Region → municipality, each municipality with its organizations, active people,
    consents and logins summed by the database from the kept counts
    (tandem/people/counts.py; the overview's totals are their sums,
    ``home.selectors.dashboard_totals``): two queries and one row a municipality, however
    many organizations there are (a region
    of 300,000 people has thousands; they are listed a municipality and a page at a time,
    :func:`organizations_page`)."""
    sums = {row["municipality_id"]: row for row in (
        scope.organizations().values("municipality_id").order_by()
        .annotate(n=Count("pk"), people=Sum(counts.expression("active")),
                  consent=Sum(counts.expression("with_consent")),
                  login=Sum(counts.expression("with_login"))))}
    regions: dict[int, RegionNode] = {}
    for mun in Municipality.objects.filter(pk__in=list(sums)).select_related("region"):
        region_node = regions.get(mun.region_id)
        if region_node is None:
            region_node = regions[mun.region_id] = RegionNode(mun.region)
        row = sums[mun.pk]
        region_node.municipalities.append(MunicipalityNode(
            mun, organization_count=row["n"], participant_count=row["people"] or 0,
            consent_count=row["consent"] or 0, login_count=row["login"] or 0))
    # Russian order, not the database's: «город Заречинск» before «Сосновский район».
    for region_node in regions.values():
        region_node.municipalities.sort(key=lambda m: (sort_key(m.municipality.name),
                                                       m.municipality.pk))
    return sorted(regions.values(), key=lambda r: (sort_key(r.region.name), r.region.pk))


ORGANIZATIONS_PER_PAGE = 50


def organizations_listed(*, scope: Scope, municipality_id: int | None = None,
                         text: str = "") -> list[int]:
    """The ids of the organizations in scope (of one municipality; whose names or code
    hold every word of ``text``, any case, ё = е: :meth:`OrganizationQuerySet.search`),
    in Russian alphabetical order of the short name, sorted by the database
    (:meth:`OrganizationQuerySet.in_russian_order`): ids only, the page's rows are read by
    :func:`organizations_page`."""
    qs = scope.organizations()
    if municipality_id is not None:
        qs = qs.filter(municipality_id=municipality_id)
    if text:
        qs = qs.search(text)  # type: ignore[attr-defined]
    return list(qs.in_russian_order().values_list("pk", flat=True))  # type: ignore[attr-defined]


def organizations_page(*, scope: Scope, ids: list[int]) -> list[Organization]:
    """The organizations ``ids`` (one page) with their counts, in that order: the counts
    are read for these rows only (one query)."""
    return by_keys(ids, organizations_with_counts(scope=scope).filter(pk__in=ids))


def municipality_choices(*, scope: Scope) -> list[tuple[int, str]]:
    """(id, name) of the municipalities with organizations in the scope, in Russian order:
    the municipality filter of the lists that go by organization (programmes overview,
    diagnostics campaigns)."""
    return sorted(scope.organization_municipalities().values_list("pk", "name"),
                  key=lambda m: (sort_key(m[1]), m[0]))


def municipality_in_scope(*, scope: Scope, pk: int | None) -> Municipality:
    """A municipality with organizations in the user's scope (404 otherwise)."""
    return get_object_or_404(scope.organization_municipalities().select_related("region"),
                             pk=pk)


def organization_get(*, scope: Scope, pk: int | None, for_: Access = "view") -> Organization:
    """An organization whose people the user manages; ``for_="manage"``: one where they
    also appoint curators (:meth:`Scope.curator_assignable`). 404 otherwise."""
    qs = organizations_with_counts(scope=scope)
    if for_ == "manage":
        qs = qs.filter(pk__in=scope.curator_assignable().values("pk"))
    return get_object_or_404(qs, pk=pk)


def curators_of(organization: Organization) -> QuerySet[RoleAssignment]:
    return (RoleAssignment.objects.filter(role=Role.CURATOR, organization=organization)
            .select_related("user__participant").order_by("user__last_name"))


def curator_assignment_get(*, scope: Scope, organization_pk: int, pk: int) -> RoleAssignment:
    """A curator's appointment in an organization where the user appoints curators."""
    organization = organization_get(scope=scope, pk=organization_pk, for_="manage")
    return get_object_or_404(RoleAssignment, pk=pk, role=Role.CURATOR,
                             organization=organization)


def regions_operated(*, scope: Scope) -> QuerySet[Region]:
    """The regions whose territory the user extends: a region operator's own."""
    regions = Region.objects.order_by("name")
    return regions if scope.everything else regions.filter(pk__in=scope.region_ids)


def region_get(*, scope: Scope, pk: int, for_: Access = "manage") -> Region:
    """A region the user operates (its settings: the time zone); 404 otherwise."""
    return get_object_or_404(regions_operated(scope=scope), pk=pk)


def municipalities_in(regions: QuerySet[Region]) -> QuerySet[Municipality]:
    return Municipality.objects.filter(region__in=regions)


@dataclass(frozen=True)
class ParticipantFilters:
    text: str = ""
    municipality_id: int | None = None
    organization_id: int | None = None
    position: str = ""
    age_band: str = ""
    consent: str = ""  # "", "yes", "no"
    status: str = "active"  # "active", "inactive", "all"


def participant_list(*, scope: Scope, filters: ParticipantFilters) -> QuerySet[Participant]:
    qs: ParticipantQuerySet = scope.participants(  # type: ignore[assignment]
        Participant.objects.select_related("organization"))
    if filters.text:
        qs = qs.search(filters.text)
    if filters.municipality_id:  # the place kept on the person: the list's index
        qs = qs.filter(municipality_id=filters.municipality_id)
    if filters.organization_id:
        qs = qs.filter(organization_id=filters.organization_id)
    if filters.position:
        qs = qs.filter(position=filters.position)
    if filters.age_band:
        qs = qs.filter(age_band=filters.age_band)
    if filters.consent == "yes":
        qs = qs.with_consent()
    elif filters.consent == "no":
        qs = qs.exclude(consent_q())  # a row condition: no hash of everyone with consent
    if filters.status == "active":
        qs = qs.filter(is_active=True)
    elif filters.status == "inactive":
        qs = qs.filter(is_active=False)
    return qs.order_by("search_name", "pk")  # Russian order: «ё» = «е», case ignored


# The columns of the participants page's table (people/_participant_table.html): a row
# of 25 columns and its organization's 9 read for 12 shown cost a third of reading a page.
LISTED_FIELDS = (*Participant.NAME_FIELDS, "is_active", "position", "subject",
                 "experience_years", "age_band", "mentoring_consent_date",
                 "personal_data_consent_date", "organization", "organization__short_name")


def participant_rows(*, scope: Scope, filters: ParticipantFilters,
                     units: bool = True) -> QuerySet[Participant]:
    """:func:`participant_list` with only what the page's table shows; without ``units``
    (a single organization's list has no organization column) without the organization
    either, and without its join."""
    rows = participant_list(scope=scope, filters=filters)
    if units:
        return rows.only(*LISTED_FIELDS)
    return rows.select_related(None).only(
        *(f for f in LISTED_FIELDS if not f.startswith("organization__")))


class ParticipantPages:
    """:func:`participant_rows` as ``Paginator`` wants it (``count()`` and slices): a
    page is its keys first — a subquery in the page's own statement, no query more —
    then its rows by those keys. The keys come from one range of the list's index alone
    (``participant_region_list`` / ``participant_municipality_list``: the scope's place,
    active, name, id), however deep the page; as one statement with the rows, PostgreSQL
    read the table and joined the organization for every row it skipped (a region's 400th
    page: 10,000 rows, 48 ms on t300k; keys first — docs/performance.md, h/partcols)."""

    ordered = True  # Paginator's check: the rows are in the list's order

    def __init__(self, rows: QuerySet[Participant]) -> None:
        self.rows = rows

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> QuerySet[Participant]:
        keys = self.rows.values("pk")[item]
        return self.rows.filter(pk__in=keys)


def participant_total(*, scope: Scope, filters: ParticipantFilters) -> int | None:
    """How many :func:`participant_list` holds, from the counts kept per organization
    (tandem/people/counts.py) when the filters ask only what they count — active people,
    all or with consent, of the scope, of one of its municipalities or organizations; None
    otherwise (the list is then counted as it is). A staff member's own card outside their
    organizations is in their list but not in these counts: counted live then too."""
    if (filters.text or filters.position or filters.age_band or filters.consent == "no"
            or filters.status != "active" or not scope.is_staff):
        return None
    organizations = scope.organizations()
    if filters.municipality_id:
        organizations = organizations.filter(municipality_id=filters.municipality_id)
    if filters.organization_id:
        organizations = organizations.filter(pk=filters.organization_id)
    own = scope.own_participant_id
    if own is not None and not Participant.objects.filter(
            pk=own, organization__in=scope.organizations()).exists():
        return None
    kept = counts.totals(organizations)
    return kept["with_consent"] if filters.consent == "yes" else kept["active"]


def participants_in(unit: object) -> "ParticipantQuerySet":
    """Active participants of a region, a municipality or an organization."""
    from tandem.territory.models import Municipality, Organization, Region

    qs: ParticipantQuerySet = Participant.objects.filter(is_active=True)  # type: ignore[assignment]
    if isinstance(unit, Region):  # the place kept on the person (people/places.py)
        return qs.filter(region=unit)
    if isinstance(unit, Municipality):
        return qs.filter(municipality=unit)
    if isinstance(unit, Organization):
        return qs.filter(organization=unit)
    raise TypeError(f"not a territory unit: {unit!r}")


def participant_positions(*, scope: Scope) -> list[str]:
    """The distinct positions in the user's scope, for the filter, in order.

    Said as ``SELECT DISTINCT position`` over the scope's people, it reads every one of
    them (a region's 300,000: a sequential scan, issue #16). Positions are few (tens), so
    the query walks the distinct positions of the whole table through the index
    ``participant_position`` (one probe per position: the smallest one after the last)
    and keeps those someone in scope holds (the scope's rule as ``Scope.participants``,
    asked per position as a scalar subquery with a ``LIMIT``: an ``EXISTS`` would be
    turned into a semi-join over all of the scope's people again; the order by
    organization keeps PostgreSQL on the indexes). The same list, whatever the number of
    people."""
    table = connection.ops.quote_name(Participant._meta.db_table)
    column = connection.ops.quote_name(Participant._meta.get_field("position").column or "")
    held = Participant.objects.filter(
        scope.participant_q(by_organization=True),  # the index is by organization
        position=RawSQL("positions.position", ())).order_by("organization_id").values("pk")[:1]
    held_sql, params = held.query.sql_with_params()
    # the names are the model's, the scope's values are parameters of the ORM's subquery
    sql = (f"WITH RECURSIVE positions(position) AS ("  # noqa: S608
           f" SELECT MIN(p.{column}) FROM {table} p"
           f" UNION ALL"
           f" SELECT (SELECT MIN(p.{column}) FROM {table} p"
           f" WHERE p.{column} > positions.position)"
           f" FROM positions WHERE positions.position IS NOT NULL)"
           f" SELECT position FROM positions"
           f" WHERE position IS NOT NULL AND ({held_sql}) IS NOT NULL"
           f" ORDER BY position")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [position for (position,) in cursor.fetchall()]


def participants_visible(*, scope: Scope) -> QuerySet[Participant]:
    """Everyone the user may see, with their organization (the API's objects by id)."""
    return scope.participants(Participant.objects.select_related("organization"))


def participant_get(*, scope: Scope, pk: int | None, for_: Access = "view") -> Participant:
    """One participant the user may see (``for_="manage"``: may change); 404 otherwise
    (never 403: no existence leak)."""
    base = Participant.objects.select_related("organization__municipality__region",
                                              "line_manager", "user")
    qs = (scope.manageable_participants(base) if for_ == "manage"
          else scope.participants(base))
    return get_object_or_404(qs, pk=pk)


def participant_mine(*, scope: Scope) -> Participant:
    """The signed-in teacher's own record; 404 for a login without one."""
    return participant_get(scope=scope, pk=scope.own_participant_id)


def participant_get_manageable(*, scope: Scope, pk: int) -> Participant:
    """One participant the user may change; 404 otherwise."""
    return participant_get(scope=scope, pk=pk, for_="manage")
