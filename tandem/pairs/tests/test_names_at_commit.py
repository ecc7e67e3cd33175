"""The names and regions kept on pairs are written again after the commit
(``PairQuerySet.keep_at_commit_of``) — once per transaction over every pair created and
every member renamed in it, not once a pair or a person (issue #16: a roster import that
renames its people left one callback and one transaction each after its commit). Here a
«concurrent» rename or move is written behind the trackers' back (``.update()``) before
the callbacks run, as one committed meanwhile would be."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tandem.pairs import names
from tandem.pairs.models import Pair
from tandem.pairs.tests.pair_lists import TERM, far_organization, new_people
from tandem.people.models import Participant
from tandem.territory.models import Organization
from tandem.testing import World

pytestmark = pytest.mark.django_db

DONE = {"status": Pair.Status.COMPLETED}  # not running: any two people may pair again


def _runs(callbacks: list[Callable[[], Any]], name: str) -> list[Callable[[], Any]]:
    return [c for c in callbacks if getattr(c, "name", None) == name]


def _renamed(people: list[Participant], capture: Any) -> list[Callable[[], Any]]:
    with capture() as callbacks, transaction.atomic():
        for n, person in enumerate(people):
            person = Participant.objects.get(pk=person.pk)
            person.surname = f"Переименованная{n}"
            person.save()
    return list(callbacks)


def _run(callbacks: list[Callable[[], Any]]) -> int:
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    return len(queries)


def test_renames_in_one_transaction_leave_one_run_of_the_pairs_names(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    statements = {}
    for count in (5, 50):
        people = new_people(world.org_a, count)
        partner = new_people(world.org_b, 1)[0]
        pairs = [Pair.objects.create(a=p, b=partner, organization=world.org_a, **TERM, **DONE)
                 for p in people]
        callbacks = _renamed(people, django_capture_on_commit_callbacks)
        assert len(_runs(callbacks, "pairs.keep_names.members")) == 1
        # the partner renamed meanwhile, committed before this transaction
        Participant.objects.filter(pk=partner.pk).update(search_name=f"другой {count}")
        assert names.stale()
        statements[count] = _run(callbacks)
        assert names.stale() == []
        assert all(n.endswith(f" другой {count}") for n in
                   Pair.objects.filter(pk__in=[p.pk for p in pairs])
                   .values_list("names", flat=True))
    assert statements[5] == statements[50], statements


def test_pairs_created_in_one_transaction_leave_one_run_each_of_names_and_regions(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    far = far_organization()
    counts = {}
    for count in (1, 20):
        people = new_people(world.org_a, count)
        partner = new_people(world.org_b, 1)[0]
        with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
            pairs = [Pair.objects.create(a=p, b=partner, organization=world.org_a, **TERM,
                                         **DONE) for p in people]
        counts[count] = len(callbacks)
        assert len(_runs(callbacks, "pairs.keep_names")) == 1
        assert len(_runs(callbacks, "pairs.keep_regions")) == 1
        # B's organization moved to another region meanwhile
        Organization.objects.filter(pk=world.org_b.pk).update(municipality=far.municipality)
        _run(callbacks)
        assert set(Pair.objects.filter(pk__in=[p.pk for p in pairs])
                   .values_list("b_region", flat=True)) == {far.municipality.region_id}
        Organization.objects.filter(pk=world.org_b.pk).update(
            municipality=world.municipality_b)
        Pair.objects.all().keep_regions()
    assert counts[1] == counts[20], counts
