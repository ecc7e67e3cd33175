"""The positions of the «Участники» filter (``participant_positions``): walked over the
index of positions and checked against the scope one by one (issue #16), they must be
what ``SELECT DISTINCT position`` over the scope's people gives — the same list in the
same order, for every user."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import scope_for
from tandem.directory.selectors import participant_positions
from tandem.people.models import Participant
from tandem.testing import OrganizationFactory, World, bulk_participants


def _distinct(user: object) -> list[str]:
    """The rule as it was said before: every position of the scope's people, once, in the
    database's order."""
    return list(scope_for(user).participants().order_by("position")
                .values_list("position", flat=True).distinct())


def _hold(person: Participant, position: str, *, active: bool = True) -> None:
    person.position = position
    person.is_active = active
    person.save()


def test_a_worked_example(world: World) -> None:
    Participant.objects.exclude(pk__in=[world.alice_p.pk, world.bob_p.pk, world.carol_p.pk,
                                        world.charlie_p.pk, world.someone_b.pk]).delete()
    _hold(world.alice_p, "учитель")
    _hold(world.bob_p, "методист")
    _hold(world.carol_p, "учитель", active=False)  # someone who left still has a position
    _hold(world.charlie_p, "директор")
    _hold(world.someone_b, "педагог-психолог")
    # Alice curates A: its two positions, not B's
    assert participant_positions(scope=scope_for(world.alice)) == ["методист", "учитель"]
    # Dave coordinates B's municipality
    assert participant_positions(scope=scope_for(world.dave)) == ["директор",
                                                                  "педагог-психолог"]
    # the region operator: all four, each once, in order
    assert participant_positions(scope=scope_for(world.olga)) == [
        "директор", "методист", "педагог-психолог", "учитель"]
    # Bob, a teacher, sees himself only
    assert participant_positions(scope=scope_for(world.bob)) == _distinct(world.bob)


def test_one_query_whatever_the_number_of_people(world: World) -> None:
    scope = scope_for(world.olga)
    with CaptureQueriesContext(connection) as few:
        participant_positions(scope=scope)
    bulk_participants(world.org_a, 60)
    bulk_participants(OrganizationFactory.create(municipality=world.municipality_b), 40)
    with CaptureQueriesContext(connection) as many:
        positions = participant_positions(scope=scope)
    assert len(few) == len(many) == 1
    assert positions == _distinct(world.olga)


POSITIONS = ["учитель", "методист", "директор", "Учитель", "учитель физики", "а", "я"]


@pytest.mark.django_db
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(held=st.lists(st.tuples(st.sampled_from("AB"), st.sampled_from(POSITIONS),
                               st.booleans()), max_size=12))
def test_the_walk_agrees_with_distinct(world: World, held: list[tuple[str, str, bool]]) -> None:
    people = {"A": [world.alice_p, world.bob_p, world.carol_p],
              "B": [world.charlie_p, world.someone_b]}
    for n, (org, position, active) in enumerate(held):
        _hold(people[org][n % len(people[org])], position, active=active)
    for user in (world.alice, world.bob, world.charlie, world.dave, world.erin, world.olga):
        assert participant_positions(scope=scope_for(user)) == _distinct(user)
