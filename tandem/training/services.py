"""Writes for case-based training: cases, teams (by hand or split automatically), the
trainer's scores. Each in one transaction; models are audited (tandem/audit/apps.py)."""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from tandem.accounts.models import User
from tandem.core import diagnostics
from tandem.core import training as core
from tandem.diagnostics.models import Competency
from tandem.maps import services as map_services
from tandem.maps.models import Map, Row
from tandem.people.models import Participant
from tandem.resources.models import Resource
from tandem.school.models import Event
from tandem.territory.models import Municipality, Organization, Region
from tandem.training.models import Case, CaseParticipant, Score, Team, TeamMember

NOT_AT_EVENT = gettext_lazy("Участник %(name)s не записан на это мероприятие.")
ALREADY_IN_TEAM = gettext_lazy("%(name)s уже в другой команде этого мероприятия.")
NOBODY_TO_SPLIT = gettext_lazy("На мероприятии пока нет записанных участников — делить некого.")
TOO_MANY_TEAMS = gettext_lazy("Команд не может быть больше, чем участников (%(n)s).")
TEAMS_EXIST = gettext_lazy("У мероприятия уже есть команды: автоматическое деление делается "
                           "один раз, дальше — вручную.")
CASE_OF_OTHER_REGION = gettext_lazy("Кейс другого региона нельзя дать команде этого мероприятия.")
NEEDS_A_DEFICIT = gettext_lazy("У каждого участника кейса должен быть хотя бы один дефицит "
                               "(уровень 0 или 1 по какой-то компетенции).")

# A case person has levels only, no «могу научить» / «хочу научиться»: by the one rule of
# diagnostics (core.diagnostics.is_strength / is_deficit) a level is then a deficit at 0–1
# and a strength at 3; 2 is a working level, neither (docs/training.md).


class TrainingError(Exception):
    pass


def resources_for_case(region: Region) -> QuerySet[Resource]:
    """What a case may list: the federal catalogue and active resources kept anywhere in
    its region."""
    return Resource.objects.reachable(
        region_ids=[region.pk],
        municipality_ids=Municipality.objects.filter(region=region).values_list("pk", flat=True),
        organization_ids=Organization.objects.filter(municipality__region=region)
        .values_list("pk", flat=True))


def strengths_and_deficits(levels: Mapping[str, int]) -> tuple[list[str], list[str]]:
    strengths = sorted(c for c, lvl in levels.items() if diagnostics.is_strength(lvl, False))
    deficits = sorted(c for c, lvl in levels.items() if diagnostics.is_deficit(lvl, False))
    return strengths, deficits


@transaction.atomic
def case_save(*, case: Case, people: Mapping[str, Mapping[str, Any]],
              resources: Sequence[Resource], user: User | None) -> Case:
    """Saves a case (new or edited) with its two people (keys "a" and "b": the person's
    fields and ``levels``) and its resources."""
    for data in people.values():
        if not strengths_and_deficits(data["levels"])[1]:
            raise TrainingError(str(NEEDS_A_DEFICIT))
    if case.pk is None:
        case.created_by = user
    case.save()
    case.resources.set(resources)
    for role, data in people.items():
        strengths, deficits = strengths_and_deficits(data["levels"])
        CaseParticipant.objects.update_or_create(
            case=case, role=role, defaults={**data, "strengths": strengths,
                                            "deficits": deficits})
    return case


def _next_number(event: Event) -> int:
    return (Team.objects.filter(event=event).aggregate(n=Max("number"))["n"] or 0) + 1


def _check_case(event: Event, case: Case) -> None:
    if case.region_id != event.region_id:
        raise TrainingError(str(CASE_OF_OTHER_REGION))


@transaction.atomic
def team_create(*, event: Event, case: Case, members: Sequence[Participant],
                name: str = "") -> Team:
    """A team by hand, with its empty training map."""
    from tandem.training.selectors import event_people

    _check_case(event, case)
    allowed = set(event_people(event).values_list("pk", flat=True))
    taken = set(TeamMember.objects.filter(event=event).values_list("participant_id", flat=True))
    for person in members:
        if person.pk not in allowed:
            raise TrainingError(str(NOT_AT_EVENT) % {"name": person.full_name})
        if person.pk in taken:
            raise TrainingError(str(ALREADY_IN_TEAM) % {"name": person.full_name})
    team = Team.objects.create(event=event, case=case, number=_next_number(event),
                               name=name.strip())
    TeamMember.objects.bulk_create([TeamMember(event=event, team=team, participant=p)
                                    for p in members])
    Map.objects.create(team=team)
    return team


@transaction.atomic
def teams_autosplit(*, event: Event, cases: Sequence[Case], count: int) -> list[Team]:
    """Splits the event's people into ``count`` teams mixing organizations; the cases are
    dealt to the teams in turn."""
    from tandem.training.selectors import event_people

    if Team.objects.filter(event=event).exists():
        raise TrainingError(str(TEAMS_EXIST))
    for case in cases:
        _check_case(event, case)
    people = list(event_people(event).values_list("pk", "organization_id"))
    if not people:
        raise TrainingError(str(NOBODY_TO_SPLIT))
    if count > len(people):
        raise TrainingError(str(TOO_MANY_TEAMS) % {"n": len(people)})
    groups = core.split_teams(people, count)
    Team.objects.bulk_create([Team(event=event, case=cases[i % len(cases)], number=i + 1)
                             for i in range(count)])
    teams = list(Team.objects.filter(event=event).order_by("number"))
    TeamMember.objects.bulk_create([TeamMember(event=event, team=team, participant_id=pid)
                                    for team, group in zip(teams, groups, strict=True)
                                    for pid in group])
    Map.objects.bulk_create([Map(team=team) for team in teams])
    return teams


@transaction.atomic
def team_score(*, team: Team, scores: Mapping[str, tuple[int, str]], feedback: str,
               user: User | None) -> Team:
    """The trainer's score and comment per criterion, and the overall feedback."""
    for criterion, (score, comment) in scores.items():
        if criterion not in core.CRITERIA or not 0 <= score <= core.MAX_SCORE:
            raise TrainingError(criterion)
        Score.objects.update_or_create(team=team, criterion=criterion,
                                       defaults={"score": score, "comment": comment.strip()})
    team.feedback = feedback.strip()
    team.scored_at, team.scored_by = timezone.now(), user
    team.save(update_fields=["feedback", "scored_at", "scored_by"])
    return team


NOT_A_DEFICIT = gettext_lazy("Этой компетенции нет среди дефицитов наставляемого в этом "
                             "направлении карты кейса.")
NO_TEMPLATE = gettext_lazy("В библиотеке нет задачи по этой компетенции. Добавьте строку "
                           "вручную.")


@transaction.atomic
def team_row_from_library(*, the_map: Map, direction: str, competency: str,
                          user: User | None) -> Row:
    """A team takes a row from the library as a real pair's draft would: the best template
    of the case region's library for the learner's deficit ``competency`` (not yet on the
    map when another fits), its task, technology, form, product and evidence; levels from
    the case's people; the deadline the template's duration after the last row of the
    block (inside the case's term). «Другая задача» then works on it as on a pair's row."""
    from tandem.maps.selectors import library_for
    from tandem.training.selectors import case_direction, library_choice

    case = the_map.team.case  # type: ignore[union-attr]
    teacher, learner, _wanted = case_direction(case, direction)
    if learner is None or competency not in learner.deficits:
        raise TrainingError(str(NOT_A_DEFICIT))
    used = set(the_map.rows.exclude(template_id="").values_list("template_id", flat=True))
    template = library_choice(library_for(region_id=case.region_id), case, direction,
                              competency, used)
    if template is None:
        raise TrainingError(str(NO_TEMPLATE))
    names = dict(Competency.objects.filter(code=competency).values_list("code", "name"))
    last = the_map.rows.filter(direction=direction).order_by("-deadline").first()
    start = max(case.starts_on, last.deadline) if last else case.starts_on
    deadline = min(case.ends_on, start + dt.timedelta(weeks=template.weeks))
    current = learner.levels.get(competency, 0)
    row = map_services.row_add(the_map=the_map, direction=direction, user=user, data={
        "competency": competency, "title": names.get(competency, competency),
        "current_level": current, "target_level": min(3, current + 2),
        "partner_level": teacher.levels.get(competency, 3) if teacher else 3,
        "task": template.task, "forms": [template.form], "deadline": deadline,
        "product": template.product[:300], "evidence": template.evidence[:300],
        "technology": template.technology})
    row.template_id = template.id
    row.save(update_fields=["template_id"])
    return row
