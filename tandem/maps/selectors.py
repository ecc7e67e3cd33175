"""Reads for maps, through the pair's visibility."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Prefetch, Q, QuerySet, Value
from django.http import Http404
from django.shortcuts import get_object_or_404

from tandem.access.filters import Filters, municipality_sums, region_sums, whole_regions
from tandem.access.scope import Scope
from tandem.core import maps as core_maps
from tandem.core import task_library as core_library
from tandem.core.programmes import TECHNOLOGIES
from tandem.maps.models import Evidence, Map, Meeting, Row, TaskTemplate, technology_label
from tandem.pairs.models import Pair
from tandem.pairs.selectors import pair_q, pairs_manageable, pairs_visible
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.web.together import together


@dataclass(frozen=True)
class Rights:
    member: bool  # one of the pair
    staff: bool  # a curator (or above) of one of the pair

    @property
    def edit(self) -> bool:
        return self.member or self.staff


@dataclass(frozen=True)
class TeamMaps:
    """What the app that owns training maps (``Map.team``) tells the map editor: who may
    do what with a team's map (404 when they may not see it), and the deficits a row may
    name. Registered by ``training`` in its ``AppConfig.ready``: maps sits below
    training and never imports it."""

    rights: Callable[[Scope, Map], Rights]
    competencies: Callable[[Map], list[tuple[str, str]]]


_team_maps: list[TeamMaps] = []


def register_team_maps(hooks: TeamMaps) -> None:
    _team_maps[:] = [hooks]


# What a map (and its pair) is fetched for: to read it; to edit its rows, meetings and end
# it early ("manage": a member or a curator); what only one of the pair does (agree,
# reflect, confirm the pair: "member"); what only their curator does (approve, start,
# complete: "staff"). Outside that right: 404.
MapAccess = Literal["view", "manage", "member", "staff"]


def _demand(rights: Rights, for_: MapAccess) -> Rights:
    allowed = {"view": True, "manage": rights.edit, "member": rights.member,
               "staff": rights.staff}[for_]
    if not allowed:
        raise Http404
    return rights


def pair_for_map(*, scope: Scope, pair_pk: int,
                 for_: MapAccess = "view") -> tuple[Pair, Rights]:
    pair = get_object_or_404(pairs_visible(scope=scope), pk=pair_pk)
    member = scope.own_participant_id in (pair.a_id, pair.b_id)
    staff = pairs_manageable(scope=scope).filter(pk=pair.pk).exists()
    return pair, _demand(Rights(member=member, staff=staff), for_)


def rights_for_map(*, scope: Scope, the_map: Map, for_: MapAccess = "view") -> Rights:
    """What the user may do with a map, real or training (404 if they may not see it, or
    lack the right ``for_``)."""
    if the_map.team_id is not None:
        if not _team_maps:
            raise Http404
        return _demand(_team_maps[0].rights(scope, the_map), for_)
    _pair, rights = pair_for_map(scope=scope, pair_pk=the_map.pair_id,  # type: ignore[arg-type]
                                 for_=for_)
    return rights


def row_get(*, scope: Scope, pk: int, for_: MapAccess = "manage") -> tuple[Row, Rights]:
    """A row of a real or a training map (the same editor serves both), with the user's
    rights on its map; 404 outside the right ``for_``."""
    row = get_object_or_404(Row.objects.select_related("map__pair", "map__team__case"), pk=pk)
    return row, rights_for_map(scope=scope, the_map=row.map, for_=for_)


def map_get(*, scope: Scope, pk: int, for_: MapAccess = "manage") -> tuple[Map, Rights]:
    """A real or a training map by its id, with the user's rights on it; 404 outside the
    right ``for_``."""
    the_map = get_object_or_404(Map.objects.select_related("pair", "team__case"), pk=pk)
    return the_map, rights_for_map(scope=scope, the_map=the_map, for_=for_)


def meetings_of(pair: Pair, *, planned_only: bool = False) -> QuerySet[Meeting]:
    qs = Meeting.objects.filter(pair=pair).select_related("led_by")
    return qs.filter(planned=True).order_by("date", "time") if planned_only else qs


def meetings_counts(pair: Pair, today: dt.date) -> dict[str, int]:
    """Held (:func:`tandem.core.effectiveness.meeting_held`) and planned meetings of the
    pair, counted the way the dashboard counts them (one query)."""
    from django.db.models import Count, Q

    from tandem.pairs.querysets import meeting_held_q

    return Meeting.objects.filter(pair=pair).aggregate(
        held=Count("pk", filter=meeting_held_q(today)),
        planned=Count("pk", filter=Q(planned=True)))


def pair_members(pair: Pair) -> QuerySet[Participant]:
    """The two people of a pair (who may lead its meetings)."""
    return Participant.objects.filter(pk__in=[pair.a_id, pair.b_id])


def row_competencies(the_map: Map) -> list[tuple[str, str]]:
    """A training map's rows name the case's deficit they address (the rubric checks
    it); a real map's rows take theirs from the diagnostics."""
    if the_map.team_id is None or not _team_maps:
        return []
    return _team_maps[0].competencies(the_map)


def map_of(pair: Pair) -> Map:
    rows = Row.objects.prefetch_related("resources", "evidence_items").order_by(
        "direction", "order", "pk")
    return get_object_or_404(
        Map.objects.select_related("pair__a__organization", "pair__b__organization",
                                   "pair__organization__municipality", "approved_by")
        .prefetch_related(Prefetch("rows", queryset=rows), "reflections"),
        pair=pair)


@dataclass(frozen=True)
class DirectionProgress:
    total: int
    done: int
    overdue: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(rows: list[Row], direction: str, today: dt.date) -> DirectionProgress:
    """Done and overdue as everywhere else (:func:`tandem.core.effectiveness.task_done`,
    :func:`~tandem.core.effectiveness.task_overdue` on ``today``)."""
    from tandem.core.effectiveness import task_done, task_overdue

    mine = [r for r in rows if r.direction == direction]
    return DirectionProgress(
        total=len(mine), done=sum(task_done(r.done_at, today) for r in mine),
        overdue=sum(task_overdue(r.done_at, r.deadline, today) for r in mine))


def evidence_get(*, scope: Scope, pk: int) -> Evidence:
    # A real map's evidence (a training map's has no pair), joined to its pair's members.
    return get_object_or_404(Evidence.objects.filter(
        pair_q(scope=scope, via="row__map__pair"), row__map__pair__isnull=False)
        .select_related("row__map"), pk=pk)


# -- the task library (docs/task-library.md) ------------------------------------------
def _owner_rank(template: TaskTemplate) -> int:
    return 2 if template.organization_id else 1 if template.region_id else 0


def library_templates(*, region_id: int | None = None, organization_id: int | None = None,
                      include_inactive: bool = False) -> list[TaskTemplate]:
    """The library as a region (or an organization of it) sees it: the default templates,
    the region's, the organization's; of templates sharing a ``source_id`` the nearest
    owner's wins, and an inactive one hides the template (unless ``include_inactive``,
    for the editor). In the library's order."""
    if organization_id is not None and region_id is None:
        region_id = (Organization.objects.filter(pk=organization_id)
                     .values_list("municipality__region_id", flat=True).first())
    q = Q(region__isnull=True, organization__isnull=True)
    if region_id is not None:
        q |= Q(region_id=region_id)
    if organization_id is not None:
        q |= Q(organization_id=organization_id)
    best: dict[str, TaskTemplate] = {}
    for template in TaskTemplate.objects.filter(q):
        held = best.get(template.source_id)
        if held is None or _owner_rank(template) > _owner_rank(held):
            best[template.source_id] = template
    chosen = [t for t in best.values() if include_inactive or t.is_active]
    return sorted(chosen, key=lambda t: (t.position, t.pk))


def library_for(*, region_id: int | None = None, organization_id: int | None = None
                ) -> list[core_library.TaskTemplate]:
    """The active templates of ``library_templates`` for the drafting rule."""
    return [t.as_core() for t in library_templates(region_id=region_id,
                                                   organization_id=organization_id)]


def library_for_map(the_map: Map) -> list[core_library.TaskTemplate]:
    """A real map draws on its pair's organization's library, a training map on its case's
    region's."""
    if the_map.pair_id is not None:
        return library_for(organization_id=the_map.pair.organization_id)  # type: ignore[union-attr]
    return library_for(region_id=the_map.team.case.region_id)  # type: ignore[union-attr]


def row_library_direction(row: Row) -> str:
    """Who teaches in the row's block of the map, in the library's terms: by the pair's
    experience and age (``core.maps.pair_direction``); a training map's rows, whose pair
    is imagined, are studied together unless the row's template says otherwise."""
    the_map = row.map
    pair = the_map.pair
    if pair is None:
        return "mutual"
    a = (pair.a.experience_years, pair.a.age_band)
    b = (pair.b.experience_years, pair.b.age_band)
    teacher, learner = (a, b) if row.direction == Row.Direction.A_TO_B else (b, a)
    return core_maps.pair_direction(teacher, learner)


def swap_candidates(row: Row) -> list[core_library.TaskTemplate]:
    """The templates «другая задача» may put on ``row``: the drafting rule's order for the
    row's competency, direction and levels, without those already on the map (the row's
    own included)."""
    used = set(Row.objects.filter(map_id=row.map_id).exclude(template_id="")
               .values_list("template_id", flat=True))
    ranked = core_library.choose_templates(
        library_for_map(row.map), row.competency, row_library_direction(row),
        row.current_level, row.partner_level, used_ids=used)
    return [t for t in ranked if t.id not in used]


@dataclass(frozen=True)
class TechnologyUse:
    area: str  # the competency area as people read it
    technology: str  # as people read it
    rows: int


def technologies_used(scope: Scope, filters: Filters | None = None) -> list[TechnologyUse]:
    """Which technologies the pairs in ``scope`` named on their map rows, by competency
    area, most used first within an area. ``filters`` (the monitoring filters) narrow
    the pairs the one way every figure does: the pair's own organization among the
    filtered ones (a breakdown, docs/rules.md) and its term overlapping the period.

    Summed from the tallies kept per pair's organization (tandem/maps/tallies.py), never
    from the rows; computed live (:func:`technologies_counts_live`) for a teacher's scope
    (their own pairs: not a set of organizations) and while an organization the sum reads
    waits for its rebuild."""
    from django.db.models import Sum

    from tandem.access.filters import overlapping_q
    from tandem.maps.models import TechnologyTally, TechnologyTallyMark

    if not (scope.everything or scope.is_staff):
        return _technology_table(technologies_counts_live(scope, filters))
    # The municipalities' sums are kept over every term: whole municipalities of whole
    # regions (one of them may be picked) or a coordinator's, and no period.
    if (filters is not None
            and whole_regions(scope, filters, one_municipality=True, municipalities=True)
            and filters.date_from is None and filters.date_to is None):
        return _technology_table(_municipalities_sums(scope, filters))
    kept = TechnologyTally.objects.all()
    marks = TechnologyTallyMark.objects.all()
    if filters is not None:
        organizations = filters.organizations(scope)
        kept = kept.filter(overlapping_q(filters.date_from, filters.date_to),
                           organization__in=organizations)
        marks = marks.filter(organization_id__in=organizations.values("pk"))
    if not scope.everything:  # either member among the user's people (pairs_visible)
        mine = scope.organizations().values("pk")
        kept = kept.filter(Q(a_organization_id__in=mine) | Q(b_organization_id__in=mine))
    # The sums and whether a mark waits, in one statement, as for the municipalities —
    # and the areas of their competencies and the areas' names (:func:`_technology_table`):
    # a curator's first view paid two round trips more for them (issue #16, h/curatorview).
    read = together(
        marked=marks.annotate(m=Value("marked")).values_list("m")[:1],
        sums=kept.values_list("competency", "technology").order_by().annotate(n=Sum("rows")),
        **_areas_parts(kept.values("competency")))
    if read["marked"]:
        return _technology_table(technologies_counts_live(scope, filters))
    return _technology_table(_plus({(c, t): int(n) for c, t, n in read["sums"]},
                                   _own_pairs_elsewhere(scope, filters)), read)


def _own_pairs_elsewhere(scope: Scope, filters: Filters | None) -> dict[tuple[str, str], int]:
    """Rows per (competency, technology) of the user's own pairs (a staff member who is a
    teacher too: ``pairs_visible`` shows their own pairs) that the kept sums leave out —
    neither member works in an organization whose people the user manages (an operator
    of one region teaching in another). Counted live: one person's few pairs."""
    if scope.everything or scope.own_participant_id is None:
        return {}
    own = scope.own_participant_id
    pairs = Pair.objects.filter(Q(a_id=own) | Q(b_id=own)).exclude(
        scope.organization_q("a_organization") | scope.organization_q("b_organization"))
    if filters is not None:
        pairs = pairs.filter(organization__in=filters.organizations(scope)).overlapping(
            filters.date_from, filters.date_to)
    ids = list(pairs.values_list("pk", flat=True))  # mostly none: then no row is read
    return technologies_of(Pair.objects.filter(pk__in=ids)) if ids else {}


def _plus(*counts: dict[tuple[str, str], int]) -> dict[tuple[str, str], int]:
    total: dict[tuple[str, str], int] = {}
    for one in counts:
        for key, n in one.items():
            total[key] = total.get(key, 0) + n
    return total


def _municipalities_sums(scope: Scope, filters: Filters) -> dict[tuple[str, str], int]:
    """Rows per (competency, technology) from the municipalities' sums
    (``TechnologyMunicipalityTally``) — the same rule as the organizations' tallies: a
    pair's organization among the filtered ones (its municipality and sector), either
    member among the user's people; live while an organization of the unit, or one that
    left a municipality, waits for its rebuild. The country (every pair visible) reads
    the regions' sums instead (``TechnologyRegionTally``: a row per region, sector,
    competency and technology) unless a municipality is picked."""
    from django.db.models import Sum

    from tandem.maps.models import (
        TechnologyMunicipalityTally,
        TechnologyRegionTally,
        TechnologyTallyMark,
    )

    sums = municipality_sums(TechnologyMunicipalityTally, scope, filters)

    def grouped(rows: QuerySet[Any]) -> QuerySet[Any]:
        return rows.values_list("competency", "technology").order_by().annotate(n=Sum("rows"))

    parts: dict[str, QuerySet[Any]] = {}
    if scope.everything:
        # Every pair is visible: the members' organizations ask nothing, and the regions'
        # sums fold them in (the municipalities' sums read whole were 50,000+ rows at
        # 1.5 million teachers, issue #16).
        regional = region_sums(TechnologyRegionTally, scope, filters)
        parts["sums"] = grouped(regional if regional is not None else sums)
    else:
        # A row names the members' organizations only when neither works in the pair's:
        # those of the user's people read apart from the municipalities' own sums. In one
        # filter (``a is null OR a in … OR b in …``) the region's sums were read by a scan
        # of the whole country's table (89,302 rows, issue #16), apart by the
        # municipality's index.
        mine = scope.organizations().values("pk")
        parts["sums"] = grouped(sums.filter(a_organization_id__isnull=True))
        parts["members"] = grouped(sums.filter(
            Q(a_organization_id__in=mine) | Q(b_organization_id__in=mine),
            a_organization_id__isnull=False))
    # The sums and whether a mark waits, in one statement (web/together.py): a mark is
    # rare, and then the sums read in vain are a few hundred rows.
    read = together(
        marked=TechnologyTallyMark.objects.filter(
            Q(organization_id__in=filters.organizations(scope).values("pk"))
            | Q(municipality_id__isnull=False)).annotate(m=Value("marked")).values_list("m")[:1],
        **parts)
    if read["marked"]:
        return technologies_counts_live(scope, filters)
    return _plus(*({(c, t): int(n) for c, t, n in read[part]} for part in parts),
                 _own_pairs_elsewhere(scope, filters))


def technologies_counts_live(scope: Scope, filters: Filters | None = None
                             ) -> dict[tuple[str, str], int]:
    """Rows per (competency, technology) counted over the map rows of the visible pairs:
    the tallies' oracle (tests) and the teacher's path."""
    pairs = pairs_visible(scope=scope)
    if filters is not None:
        pairs = pairs.filter(organization__in=filters.organizations(scope)).overlapping(
            filters.date_from, filters.date_to)
    return technologies_of(pairs)


def technologies_of(pairs: QuerySet[Pair]) -> dict[tuple[str, str], int]:
    """Rows per (competency, technology) of these pairs' maps, counted over the rows."""
    from django.db.models import Count

    return {(c, t): n for c, t, n in Row.objects.filter(map__pair__in=pairs)
            .exclude(technology="").values_list("competency", "technology")
            .annotate(n=Count("pk")).order_by()}


def _areas_parts(codes: Any) -> dict[str, QuerySet[Any]]:
    """The reads :func:`_technology_table` needs, for ``together``: the areas of the
    competencies with these codes (a list or a subquery: ``diagnostics.selectors.
    competency_areas``) and every area's name and place (``CompetencyArea``'s order)."""
    from tandem.diagnostics.models import CompetencyArea
    from tandem.diagnostics.selectors import competency_areas

    return {"areas_known": competency_areas(codes),
            "areas": CompetencyArea.objects.order_by().values_list("code", "name", "order")}


def _technology_table(used: dict[tuple[str, str], int],
                      read: dict[str, list[tuple[Any, ...]]] | None = None,
                      ) -> list[TechnologyUse]:
    """The table's rows from the counts per (competency, technology). ``read``: the rows
    of :func:`_areas_parts` (with the sums, in one statement) — a code of ``used`` among
    those read; None: read here, in one statement."""
    from tandem.diagnostics.selectors import areas_of

    if read is None:
        read = together(**_areas_parts(sorted({competency for competency, _t in used})))
    counts: dict[tuple[str, str], int] = {}
    area_of = areas_of((competency for competency, _t in used),
                       known={code: area for code, area, *_pad in read["areas_known"]})
    for (competency, technology), n in used.items():
        if not n:
            continue
        key = (area_of[competency], technology)
        counts[key] = counts.get(key, 0) + n
    # In the model's order (``order``, then the code: a slug, compared as the database's
    # C collation does — the rows of a UNION come in no promised order).
    areas = {code: name for code, name, _order in sorted(
        read["areas"], key=lambda area: (int(area[2]), area[0]))}
    place = {code: i for i, code in enumerate(areas)}
    return [TechnologyUse(area=areas.get(area, area), technology=technology_label(tech),
                          rows=n)
            for (area, tech), n in sorted(counts.items(), key=lambda item: (
                place.get(item[0][0], len(place)), -item[1], technology_label(item[0][1])))]


def technology_choices(the_map: Map, current: str = "") -> list[tuple[str, str]]:
    """The technologies a row of ``the_map`` may name: those its organization's programme
    chose first, then the rest of the list, then the organization's own (as written in the
    programme); a row's ``current`` value stays offered even if the programme dropped it."""
    from tandem.programmes.models import Programme

    organization_id = (the_map.pair.organization_id if the_map.pair_id is not None  # type: ignore[union-attr]
                       else None)
    programme = (Programme.objects.filter(organization_id=organization_id)
                 .order_by("-year", "-version").first() if organization_id else None)
    chosen = list(programme.technologies) if programme else []
    standard = [(code, label) for code, label in TECHNOLOGIES]
    choices = ([c for c in standard if c[0] in chosen]
               + [c for c in standard if c[0] not in chosen])
    if programme is not None:
        choices += [(line.strip(), line.strip())
                    for line in programme.technologies_other.splitlines() if line.strip()]
    if current and current not in {code for code, _label in choices}:
        choices.append((current, current))
    return choices
