"""A survey created or answered while its respondent is moving (PostgreSQL: SQLite has
one writer at a time). Creating one (the schedule's ``bulk_create``, ``Survey.save``) and
answering it read the person's organization ``FOR SHARE``
(``people.models.organizations_now``, as diagnostics' questionnaires do), so one waits
for the other: a move under way is seen, and the survey never takes the organization its
respondent is leaving. Without the lock the schedule took the organization read from the
pairs before the insert, and every path read the person's row as it stood before the
move's commit."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection

from tandem.pairs.models import Pair
from tandem.surveys import tallies
from tandem.surveys.models import Survey
from tandem.surveys.services import survey_submit, surveys_create_due
from tandem.testing import HeldRace, ParticipantFactory, World, moving

pytestmark = pytest.mark.django_db(transaction=True)

ANSWERS = {"mentee_benefit": 5, "mentee_support": 5, "mentor_satisfaction": 5,
           "mentor_engagement": 5, "recommend": 5}
MIDDLE = dt.date(2027, 1, 15)  # the mid-term survey of the pair below opens


def _pair(world: World) -> Pair:
    partner = ParticipantFactory.create(organization=world.org_a)
    return Pair.objects.create(a=world.carol_p, b=partner, organization=world.org_a,
                               starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 5, 31),
                               status=Pair.Status.ACTIVE)


def _mover(world: World) -> Callable[[Callable[[], None]], None]:
    return moving(world.carol_p, world.org_b)  # Carol moves from A to B and holds


def _race(world: World, second: Callable[[], object]) -> bool:
    race = HeldRace(_mover(world), second)
    race.start()
    waited = race.second_waits()
    race.finish()
    return waited


def test_the_schedule_creating_a_survey_during_a_move_gives_it_the_new_organization(
        world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("гонка двух пишущих: только PostgreSQL")
    pair = _pair(world)

    waited = _race(world, lambda: surveys_create_due(
        today=MIDDLE, of=Pair.objects.filter(pk=pair.pk)))

    assert waited
    survey = Survey.objects.get(pair=pair, participant=world.carol_p)
    assert survey.organization_id == world.org_b.pk
    tallies.refresh()
    assert tallies.stale() == []


def test_a_survey_saved_during_a_move_gives_it_the_new_organization(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("гонка двух пишущих: только PostgreSQL")
    pair = _pair(world)

    waited = _race(world, lambda: Survey.objects.create(
        pair=pair, participant=world.carol_p, stage=Survey.Stage.MID,
        due_on=dt.date(2027, 1, 29)))

    assert waited
    survey = Survey.objects.get(pair=pair, participant=world.carol_p)
    assert survey.organization_id == world.org_b.pk


def test_an_answer_given_during_a_move_counts_in_the_new_organization(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("гонка двух пишущих: только PostgreSQL")
    pair = _pair(world)
    survey = Survey.objects.create(pair=pair, participant=world.carol_p,
                                   stage=Survey.Stage.MID, due_on=dt.date(2027, 1, 29))
    assert survey.organization_id == world.org_a.pk  # created before the move

    waited = _race(world, lambda: survey_submit(survey=survey, data=ANSWERS))

    assert waited
    survey.refresh_from_db()
    assert survey.submitted_at is not None
    assert survey.organization_id == world.org_b.pk
