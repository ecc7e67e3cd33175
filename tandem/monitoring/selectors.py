"""Aggregates for the monitoring dashboards, always inside the user's scope and filters.

Every figure is a SQL aggregate grouped by unit (municipality or organization) and
competency, so the number of queries never depends on the number of people. The result
is a plain :class:`DashboardData`, cached by (scope, filters, data version): the page and
its chart images read the same cached object.
"""

import datetime as dt
import hashlib
import math
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone

from tandem.access.filters import Filters, municipality_sums, region_sums, whole_regions
from tandem.access.scope import Scope
from tandem.core import release
from tandem.core.attention import RUNNING
from tandem.core.effectiveness import UnitSummary, stuck_reasons
from tandem.core.text import sort_key
from tandem.diagnostics import tallies as diagnostics_tallies
from tandem.diagnostics.models import (
    Campaign,
    FrameworkVersion,
    MunicipalityAnswerTally,
    MunicipalityResponseTally,
    MunicipalityStrong,
    PublishedAnswer,
    RegionAnswerTally,
    ResponseTally,
    StrongBest,
    StrongTally,
    answer_counted_q,
    response_counted_q,
    strong_counted_q,
)
from tandem.maps.selectors import TechnologyUse, technologies_used
from tandem.monitoring import tallies as pair_tallies
from tandem.monitoring import versions
from tandem.monitoring.effectiveness import (
    as_of,
    pair_figures_flagged,
    pairs_in,
    released_satisfaction,
    unit_counts,
    unit_summary,
)
from tandem.pairs.models import Pair
from tandem.pairs.querysets import FORMED, PairQuerySet, no_meeting_weeks
from tandem.people import counts
from tandem.surveys.selectors import SatisfactionSummary, satisfaction_summary
from tandem.territory.models import Municipality, Organization, Region
from tandem.territory.zones import zone_named
from tandem.web.together import together

COUNTRY, REGION, MUNICIPALITY, ORGANIZATION = "country", "region", "municipality", "organization"
CACHE_SECONDS = 120  # see data_version(): how stale a figure may be, at most
# The country's, each single whole region's and each single whole municipality's
# standard view (:func:`warmed`), where viewed in the last VIEWED_SECONDS (:func:`viewed`),
# are computed ahead by the hourly run (tandem.monitoring.tasks.warm_dashboards): their
# visitor finds them computed; the page says when («Данные на …»). The country's, a
# region's and a municipality's are computed again by every run: their hourly recomputation
# bounds what their version misses (a long import or rebuild committing after a shorter
# later write: ``versions.version``) to an hour, as before — few, and where that is likeliest.
# An organization's (thousands) only when its entry is missing — its version moved (a
# write), a new day, a unit's midnight (:func:`fresh`), evicted —, computed while the
# region's figures were being recomputed («пересчитываются»), or older than
# WARM_AGAIN_SECONDS (:func:`young`): what its version misses is at most that and an hour
# (and the queue's delay) old. An entry lives WARM_SECONDS: past the run after the one that
# finds it older. Till 2026-12-07 every run computed every viewed one again (entries of 2
# hours): 30,000 viewed organizations were ~25 worker-minutes an hour, most unchanged.
WARM_AGAIN_SECONDS = 150 * 60  # every third run, for an organization's entry the version keeps
WARM_SECONDS = 4 * 60 * 60
VIEWED_SECONDS = 24 * 60 * 60
# A view writes its mark again once it is this old (at most one cache write an hour).
VIEWED_AGAIN_SECONDS = 60 * 60
# The dashboard entry's kind in its cache key: "data2" since the entry holds the
# technologies table too (an entry written before has no such field); "data3" since the
# deficits and strengths are released figures (tandem.core.release), not bare shares;
# "data4" since they, the units and the completion rows are pickled as their values
# (rebuilt by ``release._released``: a process of the code before, still running in a
# deploy, must not read such an entry).
DATA_KIND = "data4"
# The kind of a view that shows no mentor places (the federal operator's region; docs/
# monitoring.md): computed without them, an entry apart from the superuser's of the same
# filters (:func:`data_kind`).
DATA_KIND_WITHOUT_PLACES = DATA_KIND + ":without-places"
# A unit is listed as a place to find mentors in an area from this many strong people on.
MENTORS_AT_LEAST = 3
TOP_MENTOR_UNITS = 12
MAX_MONTHS = 18
MAP_NOT_AGREED = "map_not_agreed"


@dataclass(frozen=True)
class Unit:
    pk: int
    name: str
    kind: str  # REGION (the country's level), MUNICIPALITY or ORGANIZATION
    # The time zone of a region, or of a municipality's or an organization's region: the
    # unit's own today.
    zone: str = ""

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Its values, rebuilt without the frozen ``__init__``: a cached dashboard holds
        # one per unit (as core.release.Released, docs/performance.md «h/slowpages»).
        return _unit, (self.pk, self.name, self.kind, self.zone)


def _unit(pk: int, name: str, kind: str, zone: str) -> Unit:
    unit = object.__new__(Unit)
    unit.__dict__.update(pk=pk, name=name, kind=kind, zone=zone)
    return unit


@dataclass
class UnitCompletion:
    unit: Unit
    people: int  # active participants of the unit
    invited: int  # questionnaires of initial rounds
    submitted: int
    final_invited: int = 0
    final_submitted: int = 0

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return UnitCompletion, (self.unit, self.people, self.invited, self.submitted,
                                self.final_invited, self.final_submitted)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.invited) if self.invited else 0

    @property
    def final_percent(self) -> int:
        return round(100 * self.final_submitted / self.final_invited) if self.final_invited else 0


# «Где искать наставников» names organizations: a resource of a region and a municipality
# (docs/monitoring.md). The country's comparison («только сводные показатели») lists none —
# for the federal operator and the superuser alike, who share its cache entry; not reading
# them saved the federal operator's first view the ``StrongBest`` read over the country.
@dataclass(frozen=True)
class MentorPlace:
    organization: str
    municipality: str
    area: str
    mentors: int


@dataclass(frozen=True)
class StuckPair:
    pair_id: int
    a_name: str
    b_name: str
    organization: str
    reasons: tuple[str, ...]
    last_meeting: dt.date | None
    tasks_overdue: int


@dataclass
class DashboardData:
    level: str
    units: list[Unit]
    areas: list[tuple[str, str]]  # (code, name) of the current framework
    completion: list[UnitCompletion]
    # area code → one figure per unit under the release rule (tandem.core.release,
    # deficits): its share in per cent, withheld (mean None) where no counted cell
    # answered, and the levels left out with small cells
    deficit_share: dict[str, list[release.Released]]
    strength_share: dict[str, list[release.Released]]
    mentors: dict[str, list[int]]  # area → potential mentors per unit
    mentor_places: list[MentorPlace]
    respondents: int
    months: list[dt.date]
    pairs_by_month: dict[str, list[int]]  # pair status → pairs per month
    pair_status: dict[str, int] = field(default_factory=dict)
    computed_at: dt.datetime | None = None
    summary: UnitSummary | None = None  # effectiveness figures of the whole filtered unit
    satisfaction: SatisfactionSummary | None = None
    stuck: list["StuckPair"] = field(default_factory=list)  # organization level only
    # The diagnostics figures: when they were last rebuilt, and how many organizations of
    # the unit wait for a rebuild (tandem/diagnostics/tallies.py).
    tallied_at: dt.datetime | None = None
    tallies_waiting: int = 0
    # The technologies table (tandem.maps.selectors.technologies_used), added by
    # dashboard_data to the same cache entry (compute_dashboard leaves it empty): a second
    # entry of its own cost the first view six more queries (its read, the database
    # cache's count and write transaction) and every view one.
    technologies: list[TechnologyUse] = field(default_factory=list)
    # Per unit: its potential mentors are withheld — questionnaires were submitted there,
    # and in no organization and initial round by at least MIN_PEOPLE people (the
    # release rule: such rounds enter no mentors figure, tandem.core.release).
    mentors_withheld: list[bool] = field(default_factory=list)
    # The day the pair figures describe where it is earlier than today: a region's day
    # turned and its kept figures are not rebuilt yet (tandem/monitoring/tallies.py,
    # ``enqueue_new_day``); the page says so. None: they are of today.
    pairs_as_of: dt.date | None = None
    # The first midnight, after the computation began, of any unit's region (its own time
    # zone): from then on some unit is on another day than these figures, and a read
    # of the cache treats the entry as absent (:func:`fresh`). None: no limit (no unit;
    # an entry written before 2026-12-07).
    fresh_until: dt.datetime | None = None

    @property
    def unit_names(self) -> list[str]:
        return [u.name for u in self.units]

    @property
    def deficits_left_out(self) -> int:
        """Levels the release rule left out of the deficit shares: of organizations'
        competencies answered by fewer than ``MIN_PEOPLE`` people in a campaign."""
        return sum(f.left_out for shares in self.deficit_share.values() for f in shares)


def _country(scope: Scope, filters: Filters) -> bool:
    """Whether the view is over every region, unfiltered: the country's comparison where
    there are several regions (:func:`dashboard_level`)."""
    return (scope.everything and filters.region_id is None and filters.municipality_id is None
            and filters.organization_id is None)


def dashboard_level(scope: Scope, filters: Filters) -> str:
    """What the dashboard compares: the regions of the country (a view over every region,
    where there are several), the municipalities of a region, the organizations of a
    municipality, or one organization."""
    if _country(scope, filters) and Region.objects.filter(
            municipalities__isnull=False).distinct().count() > 1:
        return COUNTRY
    return _level_below_country(scope, filters)


def _level_below_country(scope: Scope, filters: Filters) -> str:
    if filters.organization_id is not None or (
            not scope.everything and not scope.region_ids and not scope.municipality_ids):
        return ORGANIZATION
    if filters.municipality_id is not None or (not scope.everything and not scope.region_ids):
        return MUNICIPALITY
    return REGION


def level_and_units(scope: Scope, filters: Filters) -> tuple[str, list[Unit]]:
    """:func:`dashboard_level` and :func:`units_of` in one read over every region: the
    regions with a municipality and whether each holds an organization of the filter
    give the level and, for the country's, its units."""
    if _country(scope, filters):
        orgs = filters.organizations(scope)
        regions = list(Region.objects.filter(municipalities__isnull=False).distinct()
                       .annotate(held=Exists(orgs.filter(municipality__region_id=OuterRef(
                           "pk")))).values_list("pk", "name", "held", "time_zone"))
        if len(regions) > 1:
            return COUNTRY, sorted((Unit(pk, name, REGION, zone) for pk, name, held, zone
                                    in regions if held), key=lambda u: (sort_key(u.name), u.pk))
    level = _level_below_country(scope, filters)
    return level, units_of(scope, filters, level)


def units_of(scope: Scope, filters: Filters, level: str) -> list[Unit]:
    orgs = filters.organizations(scope)
    # The regions or municipalities that hold an organization of the filter: a semi-join
    # on the organizations' keys (one pass over them), not a join over every organization
    # made distinct again (the organizations read twice and 5,456 rows grouped back).
    if level == COUNTRY:
        units = [Unit(pk, name, REGION, zone) for pk, name, zone in Region.objects.filter(
            pk__in=orgs.values("municipality__region_id")).values_list(
            "pk", "name", "time_zone")]
    elif level == REGION:
        units = [Unit(pk, name, MUNICIPALITY, zone) for pk, name, zone in (
            Municipality.objects.filter(pk__in=orgs.values("municipality_id"))
            .values_list("pk", "name", "region__time_zone"))]
    else:
        # With their regions' zones (joined in the same read): the day each is on.
        units = [Unit(pk, name, ORGANIZATION, zone) for pk, name, zone in orgs.values_list(
            "pk", "short_name", "municipality__region__time_zone")]
    return sorted(units, key=lambda u: (sort_key(u.name), u.pk))


def unit_names(*, scope: Scope, filters: Filters) -> tuple[str, str]:
    """The names of the filter's municipality and organization (for the crumbs), "" where
    there is none: read among the organizations in the scope, the ones the filter form
    offers."""
    orgs = scope.organizations()
    municipality = organization = ""
    if filters.municipality_id is not None:
        municipality = orgs.filter(municipality_id=filters.municipality_id).values_list(
            "municipality__name", flat=True).first() or ""
    if filters.organization_id is not None:
        organization = orgs.filter(pk=filters.organization_id).values_list(
            "short_name", flat=True).first() or ""
    return municipality, organization


def region_name(region_id: int) -> str:
    return Region.objects.filter(pk=region_id).values_list("name", flat=True).first() or ""


def _unit_field(level: str, prefix: str) -> str:
    if level == COUNTRY:
        return f"{prefix}organization__municipality__region_id"
    return f"{prefix}organization__municipality_id" if level == REGION else (
        f"{prefix}organization_id")


def _campaigns(filters: Filters) -> Q:
    """Campaigns whose dates overlap the period (as a condition on Response)."""
    return filters.overlapping("campaign__")


def _whole_regions(scope: Scope, filters: Filters, level: str) -> bool:
    """Whether the dashboard compares the municipalities (or regions) of whole regions —
    a region's or the country's comparison over whole regions
    (:func:`tandem.access.filters.whole_regions`) — so that it may read the
    municipalities' kept sums."""
    return level in (COUNTRY, REGION) and whole_regions(scope, filters)


def _regional(scope: Scope, filters: Filters, level: str, orgs: QuerySet[Organization],
              units: list[Unit]) -> pair_tallies.Regional | None:
    """The pair and people figures of a region's or the country's standard view (no
    period, whole regions) from the municipalities' sums, or None: anything smaller, a
    period, or sums not current (then the organizations' rows are read). Each unit is
    counted as of its own region's today (``units``' time zones; what its regional
    operator sees, whoever looks): the regions of a country are not all on one date for
    hours every day (at 19:00 UTC Krasnoyarsk is on the next day, Moscow not), and with
    one day for all the federal view read every pair, row and meeting of the country
    instead (10 s on a country of 1.5 million; issue #16). So did the view of one region
    by a viewer of another zone (a federal operator's is the installation's; review of
    h/midnight)."""
    if (not _whole_regions(scope, filters, level) or filters.date_from is not None
            or filters.date_to is not None):
        return None
    regions: set[int] | None = None if scope.everything else set(scope.region_ids)
    if filters.region_id is not None:
        regions = {filters.region_id} & regions if regions is not None else {
            filters.region_id}
    now = timezone.now()
    # Each unit as of its own region's today, not the viewer's (a federal operator's is
    # the installation's; review of h/midnight). The zone as the rebuild reads it
    # (``tallies.today_of``): a name no longer known is the installation's, not an error
    # page (review of h/countrypages).
    unit_days = {u.pk: now.astimezone(zone_named(u.zone)).date() for u in units}
    return pair_tallies.regional(region_ids=regions, sector=filters.sector or None,
                                 by_region=level == COUNTRY, organizations=orgs,
                                 day=as_of(filters), unit_days=unit_days, older=True)


def _municipality_sums(model: type, scope: Scope, filters: Filters,
                       level: str) -> tuple[QuerySet[Any], str]:
    """A municipalities' table of sums (by sector) in the scope and filters, and the
    field that names the unit in it — the country's, where the regions' sums are kept
    (:class:`RegionAnswerTally`) and no municipality is named, from those: a row per
    region, not per municipality (issue #16)."""
    regional = (region_sums(RegionAnswerTally, scope, filters)
                if level == COUNTRY and model is MunicipalityAnswerTally else None)
    if regional is not None:
        return regional, "region_id"
    return (municipality_sums(model, scope, filters),
            "municipality__region_id" if level == COUNTRY else "municipality_id")


def _round_tallies(kept: type, summed: type, scope: Scope, filters: Filters,
                   level: str, orgs: QuerySet[Organization], units: list[Unit],
                   ) -> tuple[QuerySet[Any], str, str]:
    """The sums to read — of answers (``PublishedAnswer``) or of questionnaires
    (``ResponseTally``) — the field that names the unit in them and the path to their
    round's kind and dates: a region's or the country's comparison reads the
    municipalities' sums by round (by sector: ``MunicipalityAnswerTally``,
    ``MunicipalityResponseTally``) where the scope holds whole regions; anything smaller,
    the organizations' own (by campaign) — where the units are the organizations, by
    their ids (read with the units): PostgreSQL then reads the few organizations' rows by
    the index, not the whole table as it did for a coordinator's 243 organizations (12,090
    of 274,716 rows; issue #16, ``tandem bench plans``)."""
    if _whole_regions(scope, filters, level):
        return (*_municipality_sums(summed, scope, filters, level), "")
    if level in (MUNICIPALITY, ORGANIZATION):
        return (kept.objects.filter(  # type: ignore[attr-defined]
            organization_id__in=[u.pk for u in units]), "organization_id", "campaign__")
    return (kept.objects.filter(organization__in=orgs),  # type: ignore[attr-defined]
            _unit_field(level, ""), "campaign__")


def _counted_answers(model: type) -> dict[str, Any]:
    """The sums of answers by unit and competency under the release rule: an
    organization's published counts (:class:`PublishedAnswer`) summed over their counted cells
    (``answer_counted_q``), the levels of the others apart; the municipalities' sums
    (:class:`MunicipalityAnswerTally`) hold only counted cells already, and the others
    in ``left_out``."""
    if model in (MunicipalityAnswerTally, RegionAnswerTally):
        return {"n": Sum("answered"), "d": Sum("deficit"), "s": Sum("strong"),
                "left": Sum("left_out")}
    counted = answer_counted_q()
    return {"n": Coalesce(Sum("answered", filter=counted), Value(0)),
            "d": Coalesce(Sum("deficit", filter=counted), Value(0)),
            "s": Coalesce(Sum("strong", filter=counted), Value(0)),
            "left": Coalesce(Sum("answered", filter=~counted), Value(0))}


def _area_of_competency(area_of: dict[str, str]) -> tuple[Case, Case]:
    """Two columns that sum answers by area in the database: the area of a competency
    of ``area_of`` ("" for any other), and the code of any other competency ("" for
    those of ``area_of``) — for the caller to place it by the prefix of its code."""
    codes: dict[str, list[str]] = defaultdict(list)
    for competency, area in area_of.items():
        codes[area].append(competency)
    return (Case(*(When(competency__in=sorted(c), then=Value(a)) for a, c in sorted(codes.items())),
                 default=Value(""), output_field=CharField()),
            Case(When(competency__in=sorted(area_of), then=Value("")),
                 default=F("competency"), output_field=CharField()))


def _kept_mentors(scope: Scope, filters: Filters, level: str,
                  areas: dict[str, str]) -> QuerySet[Any] | None:
    """The potential mentors per unit and area read from the municipalities' sums (a
    region's or the country's standard view, :func:`_mentors`) — for the caller to read
    with its other sums — or None where :func:`_mentors` reads something else."""
    if (filters.date_from is not None or filters.date_to is not None
            or not _whole_regions(scope, filters, level)):
        return None
    sums, unit = _municipality_sums(MunicipalityStrong, scope, filters, level)
    return (sums.filter(area__in=areas).values(unit, "area").order_by()
            .annotate(n=Sum("people")).values_list(unit, "area", "n"))


def _mentors(scope: Scope, filters: Filters, level: str, orgs: QuerySet[Organization],
             areas: dict[str, str], index: dict[int, int],
             kept: list[tuple[Any, ...]] | None = None, places_wanted: bool = True,
             ) -> tuple[dict[str, list[int]], list[MentorPlace]]:
    """Potential mentors per area and unit, and — below the country's level — the
    organizations where most of them work (at least ``MENTORS_AT_LEAST``, the first
    ``TOP_MENTOR_UNITS`` by number, then by name): people strong in at least one
    competency of the area, counted per organization; of several initial rounds in the
    period, the one where the organization has the most (a person diagnosed twice is not
    counted twice).

    The standard view (no period) reads them kept: the best round per organization and
    area (``StrongBest``) and, for a region's or the country's comparison, its sums per
    municipality (``MunicipalityStrong``) — a few hundred rows, not one per campaign and
    organization; the places, the few organizations at the top. A period picks its
    campaigns from the organizations' tallies per campaign (``StrongTally``).
    ``places_wanted`` False (a view that shows none, :func:`data_kind`): no places — at
    a region's level no read of them at all."""
    mentors = {code: [0] * len(index) for code in areas}
    org = "organization__"
    names = ("organization_id", "area", f"{org}short_name", f"{org}municipality__name")
    if filters.date_from is not None or filters.date_to is not None:
        places: list[MentorPlace] = []
        initial = Q(campaign__kind=Campaign.Kind.INITIAL)
        for row in (StrongTally.objects.filter(initial, _campaigns(filters), strong_counted_q(),
                                               organization__in=orgs, area__in=areas)
                    .values(*names, f"{org}municipality_id", f"{org}municipality__region_id")
                    .order_by().annotate(n=Max("people"))):
            unit_pk = {COUNTRY: row[f"{org}municipality__region_id"],
                       REGION: row[f"{org}municipality_id"]}.get(level, row["organization_id"])
            if unit_pk in index:
                mentors[row["area"]][index[unit_pk]] += row["n"]
            if row["n"] >= MENTORS_AT_LEAST and level != COUNTRY and places_wanted:
                places.append(MentorPlace(row[f"{org}short_name"],
                                          row[f"{org}municipality__name"],
                                          areas[row["area"]], row["n"]))
        places.sort(key=lambda p: (-p.mentors, p.organization, p.area))
        return mentors, places[:TOP_MENTOR_UNITS]

    best = StrongBest.objects.filter(organization__in=orgs, area__in=areas)
    if level in (MUNICIPALITY, ORGANIZATION):
        # The units are the organizations: their kept rows (one per organization and
        # area, as many as the figures shown) are the mentors and hold the places too —
        # one read of the table, not two.
        places = []
        for row in best.values(*names, "people").order_by():
            if row["organization_id"] in index:
                mentors[row["area"]][index[row["organization_id"]]] += row["people"]
            if row["people"] >= MENTORS_AT_LEAST and places_wanted:
                places.append(MentorPlace(row[f"{org}short_name"],
                                          row[f"{org}municipality__name"],
                                          areas[row["area"]], row["people"]))
        places.sort(key=lambda p: (-p.mentors, p.organization, p.area))
        return mentors, places[:TOP_MENTOR_UNITS]
    if kept is None:  # not read by the caller (:func:`_kept_mentors`)
        sums = _kept_mentors(scope, filters, level, areas)
        if sums is None:
            unit = _unit_field(level, "")
            sums = (StrongBest.objects.filter(organization__in=orgs, area__in=areas)
                    .values(unit, "area").order_by().annotate(n=Sum("people"))
                    .values_list(unit, "area", "n"))
        kept = list(sums)
    for unit_pk, area, n, *_pad in kept:
        if unit_pk in index:
            mentors[area][index[unit_pk]] += int(n)
    if level == COUNTRY or not places_wanted:  # no places at the country's level
        return mentors, []  # (:data:`MentorPlace`), nor where they are not shown
    # The places: every row at least as big as the TOP_MENTOR_UNITS-th biggest (ties at
    # the cut included, so that the order by name decides among them as before).
    cut = best.order_by("-people").values("people")[TOP_MENTOR_UNITS - 1:TOP_MENTOR_UNITS]
    places = [MentorPlace(row[f"{org}short_name"], row[f"{org}municipality__name"],
                          areas[row["area"]], row["people"])
              for row in best.filter(people__gte=Greatest(
                  Coalesce(Subquery(cut), Value(MENTORS_AT_LEAST)), Value(MENTORS_AT_LEAST)))
              .values(*names, "people").order_by("-people")]
    places.sort(key=lambda p: (-p.mentors, p.organization, p.area))
    return mentors, places[:TOP_MENTOR_UNITS]


def _pairs(scope: Scope, filters: Filters) -> PairQuerySet:
    """The unit's pairs, counted as in its totals (by member): the cards' set itself
    (:func:`tandem.monitoring.effectiveness.pairs_in`)."""
    return pairs_in(scope=scope, filters=filters)


def data_version(scope: Scope, filters: Filters) -> str:
    """Changes when something of the organizations the dashboard shows changed: an
    audited record of theirs, of their regions or of everything, or their diagnostics
    figures (:func:`tandem.monitoring.versions.version`: two indexed maxima). An edit in
    another organization keeps this dashboard's cache. What writes no audit entry and
    rebuilds no figures the cache's short lifetime (CACHE_SECONDS) picks up — for a view
    computed ahead (:func:`warmed`), its hourly recomputation (``WARM_AGAIN_SECONDS``)."""
    return versions.version(filters.organizations(scope),
                            every=filters.every_organization(scope))


def scope_key(scope: Scope) -> str:
    """The scope's part of a dashboard's key: its units alone (``Scope.units_key``) — the
    entry is computed in ``scope.units`` (:func:`dashboard_data`), nothing else of the
    user."""
    return scope.units_key


def cache_key(kind: str, scope: Scope, filters: Filters, version: str) -> str:
    # The day the figures describe (in the active time zone, the user's): a new day is
    # another entry, whatever the version. Each unit's own day (its region's zone) is not
    # in the key: the entry says till when it holds (``DashboardData.fresh_until``, read
    # by :func:`fresh` — no query to find the units' zones before the read).
    raw = f"{kind}:{scope_key(scope)}:{filters!r}:{as_of(filters)}:{version}"
    return "monitoring:" + hashlib.sha256(raw.encode()).hexdigest()


def warmed(scope: Scope, filters: Filters) -> bool:
    """Whether this is a view the hourly run computes ahead (:func:`warm`), once viewed
    (:func:`viewed`): the standard view (no filter) of the country, of exactly one whole
    region, of exactly one whole municipality or of exactly one organization — the
    federal and the regional operator's, the municipal coordinator's and the curator's
    first page: the costliest to compute, and for a coordinator of hundreds of
    organizations the one that kept her first view above the others' (docs/performance.md,
    «Первый просмотр координатора, прогретый»); a curator's, cheap alone, went over
    300 ms under eight clients (issue #16; since 2026-12-07). Kept
    ``WARM_SECONDS``, not ``CACHE_SECONDS``: the hourly run computes it again — a
    country's, region's or municipality's every hour, an organization's once it is
    ``WARM_AGAIN_SECONDS`` old (:func:`young`) —, which bounds what the version misses
    (``versions.version``) to an hour, or three and a half, and the page shows the time. An
    operator of several regions, a coordinator of several
    municipalities or a curator of several organizations is not computed by the run: her
    entry lives ``CACHE_SECONDS``."""
    if filters != Filters():
        return False
    if scope.everything:
        return True
    return (len(scope.region_ids), len(scope.municipality_ids),
            len(scope.organization_ids)) in ((1, 0, 0), (0, 1, 0), (0, 0, 1))


def viewed_key(scope: Scope) -> str:
    """The mark of a view of a :func:`warmed` scope: the country's, one region's, one
    municipality's or one organization's."""
    if scope.everything:
        return "monitoring:viewed:country"
    if scope.region_ids:
        (region_id,) = scope.region_ids
        return f"monitoring:viewed:r:{region_id}"
    if scope.municipality_ids:
        (municipality_id,) = scope.municipality_ids
        return f"monitoring:viewed:m:{municipality_id}"
    return viewed_organization_key(next(iter(scope.organization_ids)))


def viewed_organization_key(organization_id: int) -> str:
    """The mark of a view of one organization's dashboard (a curator's)."""
    return f"monitoring:viewed:o:{organization_id}"


VIEWED_READ = 500  # marks read in one get_many (one statement of the database cache)


def viewed(scopes: list[Scope]) -> list[Scope]:
    """Those of ``scopes`` (:func:`warmed` ones) viewed in the last ``VIEWED_SECONDS``:
    the ones the hourly run computes again (one read of the cache per ``VIEWED_READ`` of
    them: a country's thousands of municipalities are not one statement)."""
    marks: set[str] = set()
    keys = [viewed_key(scope) for scope in scopes]
    for start in range(0, len(keys), VIEWED_READ):
        marks.update(cache.get_many(keys[start:start + VIEWED_READ]))
    return [scope for scope, key in zip(scopes, keys, strict=True) if key in marks]


def data_kind(scope: Scope, filters: Filters, *, places: bool) -> str:
    """The kind of the dashboard's cache entry (:func:`cache_key`): ``places`` — whether
    the viewer is shown «где искать наставников» (not the federal operator: organizations
    by name). A view without them is its own entry, computed without them
    (:data:`DATA_KIND_WITHOUT_PLACES`), not the superuser's of the same filters; at the
    country's level (every region: no region, municipality nor organization chosen —
    :func:`_country`) nobody's has them, and the federal operator reads the one entry of
    all (without filters the warmed one, :func:`warmed`). Where the
    installation has a single region the federal operator's view of everything is that
    region's, and shares it too: its places computed, not shown."""
    return DATA_KIND if places or _country(scope, filters) else DATA_KIND_WITHOUT_PLACES


def dashboard_data(*, scope: Scope, filters: Filters, version: str | None = None,
                   again: bool = False, view: bool = True,
                   places: bool = True) -> DashboardData:
    """The dashboard's aggregates, from the cache when nothing changed since (``again``:
    computed and cached anew all the same — ``warm(again=True)``). ``view`` (not the
    warm-up's): a :func:`warmed` scope is marked viewed (read with the entry, written at
    most once in ``VIEWED_AGAIN_SECONDS``), and so computed by the hourly run.
    ``places``: whether the viewer is shown the mentor places (:func:`data_kind`).
    Computed in the scope's units alone (``Scope.units``): the key names nothing else of
    the user — a staff member's own pairs as a teacher elsewhere (``pairs_visible``) were
    counted by the technologies table of an entry her colleagues then read, and left out
    of the warm-up's she read (issue #16, tests/test_dashboard_key.py)."""
    scope = scope.units
    version = data_version(scope, filters) if version is None else version
    kind = data_kind(scope, filters, places=places)
    key = cache_key(kind, scope, filters, version)
    data: DashboardData | None = None
    if view and warmed(scope, filters):
        mark = viewed_key(scope)
        got = cache.get_many([mark] if again else [key, mark])
        data = fresh_or_none(got.get(key))
        now = time.time()
        if not isinstance(got.get(mark), float) or got[mark] < now - VIEWED_AGAIN_SECONDS:
            cache.set(mark, now, VIEWED_SECONDS)
    elif not again:
        data = fresh_or_none(cache.get(key))
    if data is None:
        # One computation per key: the page and its five chart images arrive together,
        # and eight people may open the region at once. Threads of this process wait on
        # a lock; other processes (app servers, workers sharing the database cache) on
        # a marker in the cache itself (see _compute_once).
        lock = _lock_for(key)
        # Waited for another thread of this process: it may have cached the figures
        # meanwhile. Not waited: the read just made stands (no second read of the cache).
        waited = not lock.acquire(blocking=False)
        if waited:
            lock.acquire()
        try:
            if waited and not again:
                data = fresh_or_none(cache.get(key))
            if data is None:
                # The diagnostics' state was read with the version (versions.Version).
                data = _compute_once(key, scope=scope, filters=filters,
                                     tally_state=getattr(version, "tally_state", None),
                                     again=again, places=kind == DATA_KIND)
        finally:
            lock.release()
    return data


def warm(scope: Scope, filters: Filters | None = None, *, again: bool = False) -> bool:
    """Computes the dashboard of ``scope`` (and ``filters``) into the cache under the
    key its page reads, unless it is there already, usable (:func:`fresh`) and younger
    than ``WARM_AGAIN_SECONDS`` (``again``: anyway); whether it was computed — an entry
    left costs the version's read and one read of the cache. Runs in the time zone of the
    scope's users (their day is in the key)."""
    filters = filters or Filters()
    version = data_version(scope, filters)
    entry = cache.get(cache_key(DATA_KIND, scope, filters, version))
    if not again and young(entry):
        return False
    # An old entry still usable would be read back, not computed: computed anew.
    dashboard_data(scope=scope, filters=filters, version=version,
                   again=again or fresh_or_none(entry) is not None, view=False)
    return True


def young(data: object) -> bool:
    """Whether the warm-up (without ``again``) leaves a cache entry of the dashboard as it
    is: usable now (:func:`fresh`), computed with the region's figures current (not
    «пересчитываются»: such an entry lives ``CACHE_SECONDS``, and left it would expire
    before its next visitor) and less than ``WARM_AGAIN_SECONDS`` ago. The hourly run
    asks it of the organizations only (``tasks.hourly``: the country, the regions and the
    municipalities ``again``)."""
    usable = fresh_or_none(data)
    return (usable is not None and usable.computed_at is not None
            and usable.pairs_as_of is None
            and timezone.now() - usable.computed_at < dt.timedelta(seconds=WARM_AGAIN_SECONDS))


COMPUTE_SECONDS = 60  # the longest a computation may hold the marker; others then compute
# The waiting ones poll the cache after WAIT_FIRST seconds, then twice as long each
# time up to WAIT_STEP: a coordinator's or a curator's computation takes a tenth of a
# second or two, and a fixed quarter of a second kept a second viewer waiting up to that
# much after the result was there; a region's takes seconds, polled at the full step.
WAIT_FIRST = 0.05
WAIT_STEP = 0.25


def _compute_once(key: str, *, scope: Scope, filters: Filters,
                  tally_state: tuple[dt.datetime | None, int] | None = None,
                  again: bool = False, places: bool = True) -> DashboardData:
    """Compute and cache, unless another process already computes the same key: then
    wait for its result (polling the cache). ``cache.add`` is atomic in every Django
    backend (for the database cache: an INSERT on the key's primary key), so of several
    processes one computes. If the computing one dies, its marker expires after
    COMPUTE_SECONDS and the waiting ones compute themselves. ``again`` (the warm-up)
    does not wait for a result: it computes its own."""
    marker = key + ":computing"
    owner = cache.add(marker, 1, COMPUTE_SECONDS)
    if not owner and not again:
        deadline = time.monotonic() + COMPUTE_SECONDS
        step = min(WAIT_FIRST, WAIT_STEP)
        while time.monotonic() < deadline:
            time.sleep(step)
            step = min(2 * step, WAIT_STEP)
            # Both in one read (for the database cache one SELECT): read apart, an owner
            # finishing between them — result stored, marker deleted — looked failed,
            # and the waiter computed the same figures again (review 2026-12-06).
            got = cache.get_many([key, marker])
            data = fresh_or_none(got.get(key))
            if data is not None:
                return data
            if marker not in got:  # it failed (or finished and its entry was evicted)
                break
    try:
        data = compute_dashboard(scope=scope, filters=filters, tally_state=tally_state,
                                 places=places)
        # The page's technologies table (tandem.maps.selectors) rides in the same entry.
        data.technologies = technologies_used(scope, filters)
        # Figures of the day before (a region's new day, not yet rebuilt) live no longer
        # than CACHE_SECONDS: the rebuild asked for follows within minutes.
        lifetime: float = (WARM_SECONDS if warmed(scope, filters) and data.pairs_as_of is None
                           else CACHE_SECONDS)
        # Nor past the first midnight of a unit's region (:func:`fresh` reads it so;
        # this only frees the entry's room then). A computation that began before such a
        # midnight and ended after it is not kept: a unit's day turned under it.
        if data.fresh_until is not None:
            lifetime = min(lifetime, math.ceil(
                (data.fresh_until - timezone.now()).total_seconds()))
        if lifetime > 0:
            if warmed(scope, filters):
                _replace_entry(viewed_key(scope) + ":entry", key, data, lifetime)
            else:
                cache.set(key, data, lifetime)
    finally:
        if owner:
            cache.delete(marker)
    return data


def _replace_entry(pointer: str, key: str, data: DashboardData, lifetime: float) -> None:
    """A :func:`warmed` view's entry lives ``WARM_SECONDS``, and its key holds the
    version, which every write moves: a curator editing all afternoon, warmed 30 s after
    each burst (``tasks.warm_soon``), left an entry of two hours every time — hundreds an
    organization, culling the warmed regions' (review of h/warm). So the view keeps a
    pointer to its newest entry, and a new one removes the one before (one read, one
    write of two keys, one deletion: only when computed). Two viewers of one scope in two
    time zones (two days in the key) would take turns — none is: a scope's users are of
    one region, the country's of the installation's zone."""
    previous = cache.get(pointer)
    cache.set_many({key: data, pointer: key}, lifetime)
    if isinstance(previous, str) and previous != key:
        cache.delete(previous)


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(key: str) -> threading.Lock:
    with _locks_guard:
        if len(_locks) > 1000:  # keys change with the data: forget the old ones
            _locks.clear()
        return _locks.setdefault(key, threading.Lock())


def compute_dashboard(*, scope: Scope, filters: Filters,
                      tally_state: tuple[dt.datetime | None, int] | None = None,
                      places: bool = True) -> DashboardData:
    """The dashboard's figures for the scope and filters. ``tally_state``: the diagnostics
    figures' :func:`tandem.diagnostics.tallies.state` for these organizations where it was
    already read (with the cache's version, :func:`dashboard_data`); None: read here.
    ``places`` False: without the mentor places (:func:`data_kind`)."""
    started = timezone.now()
    level, units = level_and_units(scope, filters)
    index = {u.pk: i for i, u in enumerate(units)}
    orgs = filters.organizations(scope)
    framework = FrameworkVersion.objects.current()
    areas = [(a["code"], a["name"]) for a in framework.areas] if framework else []
    # Regions' own competencies count in their areas (docs/diagnostics.md).
    area_of = framework.shown_area_of() if framework else {}

    # Diagnostics: the figures kept per organization (tandem/diagnostics/tallies.py) —
    # no page reads the answers themselves.
    completion = {u.pk: UnitCompletion(u, 0, 0, 0) for u in units}
    unit_of_org = {COUNTRY: "municipality__region_id", REGION: "municipality_id"}.get(level, "pk")
    # The standard view of whole regions reads the pair and people figures summed per
    # municipality (tandem/monitoring/tallies.py) when they are current: no query over
    # every organization of the region.
    regional = _regional(scope, filters, level, orgs, units)
    if regional is not None:
        for unit_id, n in regional.people.items():
            if unit_id in completion:
                completion[unit_id].people += n
    else:
        # Active people: the counts kept per organization (tandem/people/counts.py).
        for row in orgs.values(unit_of_org).order_by().annotate(n=counts.active_sum()):
            if row[unit_of_org] in completion:
                completion[row[unit_of_org]].people += row["n"]
    # Questionnaires handed out and submitted, by unit and round kind — a region or the
    # country from the municipalities' sums by round (a row per municipality and sector:
    # 388 a round in a region of 5,456 organizations, not one per organization).
    # Deficits and strengths: answers of submitted initial questionnaires, by unit and
    # competency — a region or the country from the municipalities' sums. Read in one
    # statement with the questionnaires (one round trip, not two).
    responses, unit_of_tally, round_ = _round_tallies(
        ResponseTally, MunicipalityResponseTally, scope, filters, level, orgs, units)
    # The groups' published counts (rule 5, «steps of three»: PublishedAnswer), never
    # the current ones (AnswerTally) — nor are the municipalities' sums of any other.
    tallies, unit_of_answer, round_a = _round_tallies(
        PublishedAnswer, MunicipalityAnswerTally, scope, filters, level, orgs, units)
    area, other = _area_of_competency(area_of)
    # With them, where they are kept by municipality, the potential mentors.
    kept_mentors = _kept_mentors(scope, filters, level, dict(areas))
    read = together(
        handed=(responses.filter(filters.overlapping(round_))
                .values(unit_of_tally, round_kind=F(f"{round_}kind")).order_by()
                # ``counted``: the organizations' rounds that may enter the potential
                # mentors (the release rule) — a unit with none has them withheld.
                .annotate(n=Sum("invited"), done=Sum("submitted"),
                          counted=(Sum("counted") if responses.model is MunicipalityResponseTally
                                   else Count("pk", filter=response_counted_q())))
                .values_list(unit_of_tally, "round_kind", "n", "done", "counted")),
        # Summed by area in the database: a row per unit and area (1,701 for a
        # coordinator's 243 organizations), not per competency (9,477).
        answers=(tallies.filter(Q(**{f"{round_a}kind": Campaign.Kind.INITIAL}),
                                filters.overlapping(round_a))
                 .values(unit_of_answer, area=area, other=other).order_by()
                 .annotate(**_counted_answers(tallies.model))
                 .values_list(unit_of_answer, "area", "n", "d", "s", "left", "other")),
        **({} if kept_mentors is None else {"mentors": kept_mentors}))
    respondents = 0
    counted_rounds: dict[int, int] = defaultdict(int)
    for unit_id, round_kind, n, done, counted, *_pad in read["handed"]:
        if round_kind != Campaign.Kind.FINAL:
            respondents += int(done)
            counted_rounds[unit_id] += int(counted)
        item = completion.get(unit_id)
        if item is None:
            continue
        if round_kind == Campaign.Kind.FINAL:
            item.final_invited += int(n)
            item.final_submitted += int(done)
        else:
            item.invited += int(n)
            item.submitted += int(done)

    # The release rule (tandem.core.release, deficits): the sums are of counted cells
    # only, the levels of the small ones apart — whichever table they were read from.
    summed: dict[tuple[str, int], list[int]] = {}
    for unit_id, area_code, n, d, s, left, competency in read["answers"]:
        # A competency of no area of the framework: the area its code begins with.
        key = (area_code or competency.split(".", 1)[0], unit_id)
        sums = summed.setdefault(key, [0, 0, 0, 0])
        sums[0] += int(n)
        sums[1] += int(d)
        sums[2] += int(s)
        sums[3] += int(left)
    deficit = {key: release.Sums(d, n, left) for key, (n, d, _s, left) in summed.items()}
    strong = {key: release.Sums(s, n, left) for key, (n, _d, s, left) in summed.items()}

    def share(sums: dict[tuple[str, int], release.Sums], area: str) -> list[release.Released]:
        return [release.share_released(sums.get((area, u.pk), release.Sums())) for u in units]

    deficit_share = {code: share(deficit, code) for code, _n in areas}
    strength_share = {code: share(strong, code) for code, _n in areas}

    # Potential mentors (the list names organizations even at region level).
    mentors, mentor_places = _mentors(scope, filters, level, orgs, dict(areas), index,
                                      kept=read.get("mentors"), places_wanted=places)
    mentors_withheld = [completion[u.pk].submitted > 0 and not counted_rounds.get(u.pk)
                        for u in units]

    tallied_at, waiting = (
        diagnostics_tallies.state(orgs, every=filters.every_organization(scope))
        if tally_state is None else tally_state)

    # Pairs by status over the months of their terms, and the unit's pair and people
    # counts: the standard view reads them kept per organization when they are current
    # (tandem/monitoring/tallies.py), else counts the pairs.
    pairs_as_of: dt.date | None = None
    if regional is not None:
        kept: dict[str, int] | None = regional.counts
        groups = regional.months
        pairs_as_of = regional.behind
    else:
        dated = pair_tallies.dated_summary(orgs, filters, as_of(filters))
        kept, pairs_as_of = dated if dated is not None else (None, None)
        groups = (pair_tallies.month_groups(orgs) if kept is not None
                  else _month_groups(_pairs(scope, filters)))
    if pairs_as_of is not None:
        # A region's day turned before its figures were rebuilt: they are read as they
        # are (the page names their day), and the rebuild is asked for — once.
        pair_tallies.enqueue_new_day()
    months, by_month, status_totals = _pairs_by_month(groups, filters)
    # Read once: the cards' released means and the surveys' block show the same figures.
    satisfaction = satisfaction_summary(scope=scope, filters=filters)
    return DashboardData(
        level=level, units=units, areas=areas, completion=list(completion.values()),
        deficit_share=deficit_share, strength_share=strength_share, mentors=mentors,
        mentor_places=mentor_places, respondents=respondents, months=months,
        pairs_by_month=by_month, pair_status=status_totals, computed_at=timezone.now(),
        summary=unit_summary(scope=scope, filters=filters, counts=(
            kept or unit_counts(scope=scope, filters=filters)), released=(
            released_satisfaction(scope=scope, filters=filters, summary=satisfaction))),
        satisfaction=satisfaction,
        stuck=stuck_pairs(scope=scope, filters=filters) if level == ORGANIZATION else [],
        tallied_at=tallied_at, tallies_waiting=waiting, mentors_withheld=mentors_withheld,
        pairs_as_of=pairs_as_of, fresh_until=next_midnight({u.zone for u in units}, started))


def next_midnight(zone_names: set[str], moment: dt.datetime) -> dt.datetime | None:
    """The first midnight after ``moment`` in any of these zones (a name no longer known
    is the installation's, as ``zone_named`` reads it); None for no zone."""
    turns = []
    for name in zone_names:
        zone = zone_named(name)
        day = moment.astimezone(zone).date() + dt.timedelta(days=1)
        turns.append(dt.datetime.combine(day, dt.time.min, tzinfo=zone).astimezone(dt.UTC))
    return min(turns, default=None)


def fresh(data: object) -> bool:
    """Whether a cache entry of the dashboard may be shown now: there is one, and no unit
    of it has started another day since it was computed (:attr:`DashboardData.fresh_until`:
    the key holds the viewer's day — the federal operator's is the installation's —
    while each unit is counted for its own region's day; a country's view warmed before
    Krasnoyarsk's midnight showed its day before, without «пересчитываются», till the
    entry expired). A read of the entry, no query."""
    if data is None:
        return False
    until = getattr(data, "fresh_until", None)
    return until is None or timezone.now() < until


def fresh_or_none(data: object) -> "DashboardData | None":
    """The cache's entry if it may be shown now (:func:`fresh`), else None."""
    return data if isinstance(data, DashboardData) and fresh(data) else None



def stuck_pairs(*, scope: Scope, filters: Filters,
                today: dt.date | None = None) -> list[StuckPair]:
    """Running pairs of the unit that need the curator: the reasons of
    :func:`tandem.core.effectiveness.stuck_reasons` (meetings behind, quiet, overdue
    tasks, one-sided) and a map not agreed (``Pair.objects.map_not_agreed``) — the same
    two rules and settings as the reminders (docs/rules.md). None of the reasons looks at
    diagnostics levels, so the pairs' figures are read without them (``levels=False``),
    and the map's rule is asked of each pair in the query of the pairs: three queries,
    no answer read."""
    day = as_of(filters, today)
    not_agreed = Exists(Pair.objects.filter(pk=OuterRef("pk")).map_not_agreed(day))
    figures = pair_figures_flagged(scope=scope, filters=filters, statuses=RUNNING,
                                   today=today, levels=False,
                                   flags={"not_agreed": not_agreed})
    weeks = no_meeting_weeks()
    result = []
    for f, flagged in figures:
        reasons = stuck_reasons(f, as_of=day, quiet_weeks=weeks)
        if flagged["not_agreed"]:
            reasons.append(MAP_NOT_AGREED)
        if reasons:
            result.append(StuckPair(f.pair_id, f.a_name, f.b_name, f.organization,
                                    tuple(reasons), f.meetings.last_held_on,
                                    f.tasks_overdue))
    result.sort(key=lambda p: (-len(p.reasons), p.organization, p.pair_id))
    return result


def _month(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _next_month(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _month_groups(pairs: QuerySet[Pair]) -> list[dict[str, Any]]:
    """The pairs counted by start month, end month and status (one grouped query, read
    from the index ``pair_members`` alone: ``COUNT(*)``, not of the key, which it lacks);
    :func:`tandem.monitoring.tallies.month_groups` reads the same kept."""
    return [dict(group) for group in pairs.annotate(m0=TruncMonth("starts_on"),
                                                    m1=TruncMonth("ends_on"))
            .values("m0", "m1", "status").annotate(n=Count("*"))]


def _pairs_by_month(groups: list[dict[str, Any]], filters: Filters,
                    ) -> tuple[list[dt.date], dict[str, list[int]], dict[str, int]]:
    """Pairs whose term covers each month, by their status, from the groups of
    :func:`_month_groups`."""
    totals: dict[str, int] = {s: 0 for s in FORMED}
    for g in groups:
        totals[g["status"]] += g["n"]
    if not groups:
        return [], {s: [] for s in FORMED}, totals
    first = min(_as_date(g["m0"]) for g in groups)
    last = max(_as_date(g["m1"]) for g in groups)
    if filters.date_from is not None:
        first = max(first, _month(filters.date_from))
    if filters.date_to is not None:
        last = min(last, _month(filters.date_to))
    months: list[dt.date] = []
    m = first
    while m <= last and len(months) < MAX_MONTHS:
        months.append(m)
        m = _next_month(m)
    series = {s: [0] * len(months) for s in FORMED}
    for g in groups:
        start, end = _as_date(g["m0"]), _as_date(g["m1"])
        for i, month in enumerate(months):
            if start <= month <= end:
                series[g["status"]][i] += g["n"]
    return months, series, totals


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
