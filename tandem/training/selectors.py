"""Reads for case-based training, through the user's scope.

Who is who (docs/training.md):
- a *trainer* of an event is whoever organizes it: the region operator of its region, or
  the municipal coordinator of its municipality (for a municipal event);
- a *team member* is a participant placed in one of the event's teams; they see their own
  team's map and feedback, nothing of the other teams;
- cases belong to a region (written by its operator) or a municipality (by its coordinator).
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from tandem.access.scope import Access, Scope
from tandem.core import maps as core_maps
from tandem.core import task_library as core_library
from tandem.core import training as core
from tandem.diagnostics.models import Competency
from tandem.maps.models import FORM_LABELS, Map, Row, technology_label
from tandem.maps.selectors import Rights, library_for
from tandem.people.models import Participant
from tandem.school.models import Event, Registration
from tandem.school.selectors import events_manageable
from tandem.territory.models import Region
from tandem.training.models import Case, Team, TeamMember


def events_trained(*, scope: Scope) -> QuerySet[Event]:
    """Events whose teams this user forms and scores: those they organize."""
    return events_manageable(scope=scope)


def cases_usable(*, scope: Scope) -> QuerySet[Case]:
    """Cases a trainer may read and give to teams: the region's own cases and those of
    their municipalities."""
    if scope.everything:
        return Case.objects.all()
    if not (scope.region_ids or scope.municipality_ids):
        return Case.objects.none()
    return Case.objects.filter(
        scope.organizer_q()
        | Q(municipality__isnull=True,
            region_id__in=scope.coordinated_municipalities().values("region_id")))


def home_region(*, scope: Scope) -> Region | None:
    """The region a new case of this user belongs to: their region, or their
    municipality's."""
    if scope.everything:
        return Region.objects.order_by("pk").first()
    if scope.region_ids:
        return Region.objects.filter(pk__in=scope.region_ids).order_by("pk").first()
    return Region.objects.filter(municipalities__in=scope.municipality_ids).order_by(
        "pk").first()


def cases_editable(*, scope: Scope) -> QuerySet[Case]:
    return Case.objects.filter(scope.organizer_q())


def case_get(*, scope: Scope, pk: int, for_: Access = "view") -> Case:
    """A case the user may use (``for_="manage"``: edit — its organizer); 404 otherwise."""
    qs = cases_editable(scope=scope) if for_ == "manage" else cases_usable(scope=scope)
    return get_object_or_404(qs.prefetch_related("people", "resources"), pk=pk)


def home_region_get(*, scope: Scope) -> Region:
    """:func:`home_region`, or 404 for a user without one."""
    region = home_region(scope=scope)
    if region is None:
        raise Http404
    return region


def event_case_get(*, event: Event, pk: int) -> Case:
    """A case that teams of ``event`` work on (the event fetched for its trainer)."""
    return get_object_or_404(Case.objects.filter(teams__event=event).distinct()
                             .prefetch_related("people", "resources"), pk=pk)


def competencies_active(*, region_id: int | None) -> list[Competency]:
    """The federal competencies in use and the region's own (a case is a region's)."""
    return list(Competency.objects.of_regions([region_id] if region_id else [])
                .filter(is_active=True).select_related("area"))


def competency_names() -> dict[str, str]:
    return dict(Competency.objects.values_list("code", "name"))


def teams_of_member(*, scope: Scope) -> QuerySet[Team]:
    if scope.own_participant_id is None:
        return Team.objects.none()
    return (Team.objects.filter(members__participant_id=scope.own_participant_id)
            .select_related("event", "case"))


def team_for_map(*, scope: Scope, team_pk: int,
                 for_: Access = "view") -> tuple[Team, Rights]:
    """The team (404 unless the user is in it or trains its event) and the map rights:
    members edit (``for_="manage"``: 404 for anyone else); the trainer reads (and scores
    elsewhere)."""
    team = get_object_or_404(Team.objects.select_related("event", "case"), pk=team_pk)
    member = (scope.own_participant_id is not None and TeamMember.objects.filter(
        team=team, participant_id=scope.own_participant_id).exists())
    if not member and (for_ == "manage" or not is_trainer(scope=scope, event=team.event)):
        raise Http404
    return team, Rights(member=member, staff=False)


def is_trainer(*, scope: Scope, event: Event) -> bool:
    return events_trained(scope=scope).filter(pk=event.pk).exists()


def event_trained_get(*, scope: Scope, pk: int) -> Event:
    return get_object_or_404(events_trained(scope=scope), pk=pk)


def team_trained_get(*, scope: Scope, pk: int) -> Team:
    return get_object_or_404(Team.objects.filter(event__in=events_trained(scope=scope))
                             .select_related("event", "case"), pk=pk)


def event_people(event: Event) -> QuerySet[Participant]:
    """Who can be put into teams: those marked present; before attendance is marked,
    everyone registered (not the waiting list)."""
    registered = Registration.objects.filter(event=event,
                                             status=Registration.Status.REGISTERED)
    if registered.filter(attended=True).exists():
        registered = registered.filter(attended=True)
    return (Participant.objects.filter(pk__in=registered.values("participant_id"))
            .select_related("organization").order_by("search_name", "pk"))


def event_teams(event: Event) -> list[Team]:
    """The event's teams with members, case and map rows (a fixed number of queries)."""
    members = TeamMember.objects.select_related("participant__organization").order_by(
        "participant__search_name", "pk")
    return list(Team.objects.filter(event=event).select_related("case", "map")
                .prefetch_related(Prefetch("members", queryset=members), "scores")
                .order_by("number"))


def deficit_choices(case: Case) -> list[tuple[str, str]]:
    """The case's deficits, as (code, "who: competency") for the row editor."""
    names = dict(Competency.objects.values_list("code", "name"))
    choices = []
    for person in case.people.all():
        for code in person.deficits:
            choices.append((code, f"{person.name}: {names.get(code, code)}"))
    return choices


def team_map(team: Team) -> Map:
    rows = Row.objects.prefetch_related("resources").order_by("direction", "order", "pk")
    return get_object_or_404(Map.objects.select_related("team__case", "team__event")
                             .prefetch_related(Prefetch("rows", queryset=rows)), team=team)


def rows_of_teams(teams: list[Team]) -> dict[int, list[Row]]:
    """The map rows of many teams at once, by team id (two queries)."""
    result: dict[int, list[Row]] = {t.pk: [] for t in teams}
    for row in (Row.objects.filter(map__team__in=teams).select_related("map")
                .prefetch_related("resources").order_by("direction", "order", "pk")):
        result[row.map.team_id].append(row)  # type: ignore[index]
    return result


def case_spec(case: Case) -> core.CaseSpec:
    people = {p.role: p for p in case.people.all()}
    a, b = people.get("a"), people.get("b")
    return core.CaseSpec(
        deficits_a=frozenset(a.deficits if a else ()),
        deficits_b=frozenset(b.deficits if b else ()),
        resource_ids=frozenset(r.pk for r in case.resources.all()),
        starts_on=case.starts_on, ends_on=case.ends_on)


def row_specs(rows: list[Row]) -> list[core.RowSpec]:
    return [core.RowSpec(direction=r.direction, competency=r.competency, title=r.title,
                         deadline=r.deadline, current_level=r.current_level,
                         target_level=r.target_level, product=r.product, evidence=r.evidence,
                         resource_ids=frozenset(x.pk for x in r.resources.all()))
            for r in rows]


# -- the task library in training (docs/training.md) ----------------------------------
@dataclass(frozen=True)
class LibraryRow:
    """A row of a case's map as the library proposes it (a real pair's draft rule)."""

    direction: str  # Row.Direction: "ab" (A teaches B) or "ba"
    teacher: str
    learner: str
    competency: str
    competency_name: str
    current_level: int
    partner_level: int
    template: core_library.TaskTemplate | None
    deadline: dt.date

    @property
    def technology_label(self) -> str:
        return technology_label(self.template.technology) if self.template else ""

    @property
    def form_label(self) -> str:
        return str(FORM_LABELS.get(self.template.form, self.template.form)
                   ) if self.template else ""


def case_direction(case: Case, direction: str) -> tuple[Any, Any, str]:
    """(teacher, learner, the library's direction) of a block of the case's map: who
    teaches is told by the fictional people's experience and age, as for a real pair
    (``core.maps.pair_direction``)."""
    people = {p.role: p for p in case.people.all()}
    teacher, learner = ((people.get("a"), people.get("b")) if direction == Row.Direction.A_TO_B
                        else (people.get("b"), people.get("a")))
    if teacher is None or learner is None:
        return teacher, learner, core_library.MUTUAL
    return teacher, learner, core_maps.pair_direction(
        (teacher.experience_years, teacher.age_band),
        (learner.experience_years, learner.age_band))


def library_choice(templates: Sequence[core_library.TaskTemplate], case: Case, direction: str,
                   competency: str, used_ids: Iterable[str] = ()
                   ) -> core_library.TaskTemplate | None:
    """The best library template for the learner's deficit ``competency`` in a block of
    the case's map, not among ``used_ids`` when another one fits (the drafting rule,
    docs/task-library.md)."""
    teacher, learner, wanted = case_direction(case, direction)
    if learner is None:
        return None
    ranked = core_library.choose_templates(
        templates, competency, wanted, learner.levels.get(competency, 0),
        teacher.levels.get(competency, 3) if teacher else 3, used_ids=used_ids)
    fresh = [t for t in ranked if t.id not in set(used_ids)]
    best = fresh or ranked
    return best[0] if best else None


def case_library_rows(case: Case) -> list[LibraryRow]:
    """The case's map as the library would draft it for a real pair: one row per deficit
    of each fictional person, the best template of the case region's library (default,
    region's own) not yet taken, durations laid over the case's term. The trainer's
    reference when reading the teams' maps."""
    templates = library_for(region_id=case.region_id)
    names = dict(Competency.objects.values_list("code", "name"))
    used: set[str] = set()
    result: list[LibraryRow] = []
    for direction in (Row.Direction.A_TO_B, Row.Direction.B_TO_A):
        teacher, learner, _wanted = case_direction(case, direction)
        if learner is None:
            continue
        chosen = []
        for code in learner.deficits:
            template = library_choice(templates, case, direction, code, used)
            if template is not None:
                used.add(template.id)
            chosen.append((code, template))
        spans = core_library.spread_over_term(
            [t.weeks if t else 4 for _c, t in chosen], case.starts_on, case.ends_on
        ) if chosen else []
        for (code, template), (_start, end) in zip(chosen, spans, strict=True):
            result.append(LibraryRow(
                direction=direction, teacher=teacher.name if teacher else "",
                learner=learner.name, competency=code, competency_name=names.get(code, code),
                current_level=learner.levels.get(code, 0),
                partner_level=teacher.levels.get(code, 3) if teacher else 3,
                template=template, deadline=end))
    return result


def library_picks(case: Case) -> list[tuple[str, str]]:
    """What a team may take from the library: («направление:код», «кто учит → кого:
    компетенция») for every deficit of each fictional person."""
    names = dict(Competency.objects.values_list("code", "name"))
    picks = []
    for direction in (Row.Direction.A_TO_B, Row.Direction.B_TO_A):
        teacher, learner, _wanted = case_direction(case, direction)
        if learner is None:
            continue
        for code in learner.deficits:
            picks.append((f"{direction}:{code}", f"{teacher.name if teacher else '—'} → "
                                                 f"{learner.name}: {names.get(code, code)}"))
    return picks
