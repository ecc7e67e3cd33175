"""The place kept on each person is written again after the commit
(``ParticipantQuerySet.keep_places_at_commit_of``) — once per transaction over every
person saved in it, not once a person (issue #16, review of h/partcols: a roster import of
500 changed people left 500 callbacks and 500 one-statement transactions after its commit,
10.2 s more). Here a «concurrent» move is an organization moved behind the trackers' back
(``.update()``) before the callbacks run, as a move committed meanwhile would be."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tandem.access.scope import scope_for
from tandem.pairs.tests.pair_lists import far_organization, new_people
from tandem.people.models import Participant
from tandem.roster.imports import check_roster
from tandem.roster.services import roster_write
from tandem.roster.tests.files import roster_csv, row_of
from tandem.territory.models import Organization
from tandem.testing import World

pytestmark = pytest.mark.django_db

PLACES = "people.keep_places"


def _right(pks: list[int]) -> bool:
    """Every one of these people keeps the place of their organization as it is now."""
    return not Participant.objects.filter(pk__in=pks).stale_places().exists()


def _places_runs(callbacks: list[Callable[[], Any]]) -> list[Callable[[], Any]]:
    return [c for c in callbacks if getattr(c, "name", None) == PLACES]


def _moved_behind_its_back(organization: Organization, municipality_id: int) -> None:
    Organization.objects.filter(pk=organization.pk).update(municipality_id=municipality_id)


def _saved(people: list[Participant], capture: Any) -> list[Callable[[], Any]]:
    """Each of these people saved whole (as the roster import saves a changed person),
    all in one transaction; the callbacks it left for its commit."""
    with capture() as callbacks, transaction.atomic():
        for n, person in enumerate(people):
            person.position = f"методист {n}"
            person.save()
    return list(callbacks)


def test_saves_in_one_transaction_leave_one_run_after_its_commit(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    far = far_organization()
    one = _saved(new_people(world.org_a, 1), django_capture_on_commit_callbacks)
    people = new_people(world.org_a, 30)
    many = _saved(people, django_capture_on_commit_callbacks)
    assert len(many) == len(one)  # not one more a person
    assert len(_places_runs(many)) == 1
    _moved_behind_its_back(world.org_a, far.municipality_id)
    pks = [p.pk for p in people]
    assert not _right(pks)
    for callback in many:
        callback()
    assert _right(pks)


def test_a_savepoint_rolled_back_keeps_the_people_saved_outside_it(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    far = far_organization()
    before, inside, after = (new_people(world.org_a, 2) for _ in range(3))
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for person in before:
            person.save()
        with pytest.raises(RuntimeError), transaction.atomic():
            for person in inside:
                person.save()
            raise RuntimeError  # the savepoint rolls back
        for person in after:
            person.save()
    assert len(_places_runs(callbacks)) == 1  # registered before the savepoint: kept
    _moved_behind_its_back(world.org_a, far.municipality_id)
    for callback in callbacks:
        callback()
    assert _right([p.pk for p in [*before, *after]])


def test_a_run_registered_in_a_savepoint_rolled_back_is_started_anew(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    far = far_organization()
    inside, after = new_people(world.org_a, 2), new_people(world.org_a, 3)
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            for person in inside:
                person.save()  # the first run is registered here…
            raise RuntimeError  # …and dropped with the savepoint
        for person in after:
            person.save()  # so these start a new one, not the one dropped
    assert len(_places_runs(callbacks)) == 1
    _moved_behind_its_back(world.org_a, far.municipality_id)
    for callback in callbacks:
        callback()
    assert _right([p.pk for p in after])


def test_a_rolled_back_transaction_runs_nothing_and_the_next_one_runs_its_own(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    far = far_organization()
    first, second = new_people(world.org_a, 2), new_people(world.org_a, 2)
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            for person in first:
                person.save()
            raise RuntimeError
        assert _places_runs(callbacks) == []
        with transaction.atomic():
            for person in second:
                person.save()
    assert len(_places_runs(callbacks)) == 1
    _moved_behind_its_back(world.org_a, far.municipality_id)
    for callback in callbacks:
        callback()
    assert _right([p.pk for p in second])


def test_after_a_roster_import_the_places_take_the_same_few_statements_for_5_or_50(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    far = far_organization()
    scope = scope_for(world.alice)
    statements: dict[int, int] = {}
    for count, municipality in ((5, far.municipality_id), (50, world.municipality_a.pk)):
        people = new_people(world.org_a, count)
        rows = [row_of(p, **{"Должность": f"учитель {count}", "Фамилия": f"Новая{n}",
                             "Стаж (лет)": "1"})
                for n, p in enumerate(people)]
        report = check_roster(content=roster_csv(rows), filename="r.csv", scope=scope)
        assert report.ok, report.errors
        with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
            written = roster_write(report=report)
        assert written.updated == count
        _moved_behind_its_back(world.org_a, municipality)  # committed meanwhile
        pks = [p.pk for p in people]
        assert not _right(pks)
        with CaptureQueriesContext(connection) as queries:
            for callback in callbacks:
                callback()
        assert _right(pks)
        statements[count] = len(queries)
    assert statements[5] == statements[50] <= 10, statements
