"""The regions kept on a pair (``Pair.region``, ``Pair.b_region``) when a move and
another writer run at the same moment (PostgreSQL: SQLite has one writer at a time).
Neither sees the other's uncommitted rows, so each runs ``keep_regions`` again after its
commit (``PairQuerySet.keep_regions_at_commit``); a save of a stale copy of an
organization or a municipality waits for the move (``locked`` trackers,
tandem/pairs/regions.py). Review of h/regionpairs."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection, transaction

from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization
from tandem.testing import (
    HeldRace,
    MunicipalityFactory,
    OrganizationFactory,
    ParticipantFactory,
    RegionFactory,
    World,
)

pytestmark = pytest.mark.django_db(transaction=True)

TERM = {"starts_on": dt.date(2026, 12, 1), "ends_on": dt.date(2027, 5, 31)}


def _postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a race of two writers: PostgreSQL only")


def _truth(pair: Pair) -> tuple[int, int | None]:
    region = dict(Organization.objects.values_list("pk", "municipality__region_id"))
    a, b = region[pair.a_organization_id], region[pair.b_organization_id]
    return a, (None if b == a else b)


def _kept(pair: Pair) -> tuple[int, int | None]:
    pair.refresh_from_db()
    return pair.region_id, pair.b_region_id


def _held(work: Callable[[], object]) -> Callable[[Callable[[], None]], None]:
    def first(hold: Callable[[], None]) -> None:
        with transaction.atomic():
            work()
            hold()
    return first


def _in_transaction(work: Callable[[], object]) -> Callable[[], None]:
    def second() -> None:
        with transaction.atomic():
            work()
    return second


@pytest.mark.parametrize("held", ["pair", "move"])
def test_a_pair_created_while_its_organization_moves_region(world: World, held: str) -> None:
    _postgres()
    far = MunicipalityFactory.create(region=RegionFactory.create(name="Другая", code="x"),
                                     code="far")
    a, b = (ParticipantFactory.create(organization=world.org_a) for _ in range(2))
    out: dict[str, Pair] = {}

    def create() -> None:
        out["pair"] = Pair.objects.create(a=a, b=b, organization=world.org_a, **TERM)

    def move() -> None:
        organization = Organization.objects.get(pk=world.org_a.pk)
        organization.municipality = far
        organization.save()

    first, second = (create, move) if held == "pair" else (move, create)
    race = HeldRace(_held(first), _in_transaction(second))
    race.start()
    race.second.join(30)
    race.finish()
    pair = out["pair"]
    assert _kept(pair) == _truth(pair) == (far.region_id, None)


@pytest.mark.parametrize("held", ["person", "move"])
def test_a_member_moves_into_an_organization_that_moves_region(world: World,
                                                                held: str) -> None:
    _postgres()
    far = MunicipalityFactory.create(region=RegionFactory.create(name="Другая", code="x"),
                                     code="far")
    third = OrganizationFactory.create(municipality=world.municipality_a, code="third")
    a, b = (ParticipantFactory.create(organization=world.org_a) for _ in range(2))
    pair = Pair.objects.create(a=a, b=b, organization=world.org_a, **TERM)

    def person() -> None:
        p = Participant.objects.get(pk=b.pk)
        p.organization = third
        p.save()

    def move() -> None:
        organization = Organization.objects.get(pk=third.pk)
        organization.municipality = far
        organization.save()

    first, second = (person, move) if held == "person" else (move, person)
    race = HeldRace(_held(first), _in_transaction(second))
    race.start()
    race.second.join(30)
    race.finish()
    assert _kept(pair) == _truth(pair) == (world.region.pk, far.region_id)


def test_a_stale_copy_of_a_municipality_saved_during_its_move(world: World) -> None:
    _postgres()
    far_region = RegionFactory.create(name="Другая", code="x")
    a, b = (ParticipantFactory.create(organization=world.org_a) for _ in range(2))
    pair = Pair.objects.create(a=a, b=b, organization=world.org_a, **TERM)
    stale = Municipality.objects.get(pk=world.municipality_a.pk)

    def move() -> None:
        municipality = Municipality.objects.get(pk=world.municipality_a.pk)
        municipality.region = far_region
        municipality.save()

    def save_stale() -> None:
        stale.name = "Переименованный"
        stale.save()  # writes the old region back

    race = HeldRace(_held(move), _in_transaction(save_stale))
    race.start()
    race.second_waits()
    race.finish()
    assert Municipality.objects.get(pk=stale.pk).region_id == world.region.pk
    assert _kept(pair) == _truth(pair) == (world.region.pk, None)
