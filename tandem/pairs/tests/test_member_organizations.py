"""The members' organizations kept on a pair (``Pair.a_organization``, ``b_organization``):
filled on every way a pair is created, following a member who moves, derived (not in the
pair's audit trail; the move is, on the participant), and — the point of them — giving the
same pairs to every user as the rule by person did: "either member is someone the user may
see (manage)", worked out here in Python from ``Scope.participants()``."""

import importlib

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import scope_for
from tandem.accounts.models import User
from tandem.pairs.models import Pair
from tandem.pairs.querysets import MEMBER
from tandem.pairs.selectors import pairs_manageable, pairs_search, pairs_visible
from tandem.pairs.tests.pair_lists import TERM, far_organization, new_people
from tandem.people.models import Participant
from tandem.territory.models import Municipality, Organization, Region
from tandem.testing import (
    OrganizationFactory,
    UserFactory,
    World,
)


def _members(pair: Pair) -> tuple[int, int]:
    pair.refresh_from_db()
    return pair.a_organization_id, pair.b_organization_id


def _moved(person: Participant, organization: Organization) -> None:
    person = Participant.objects.get(pk=person.pk)  # loaded as a page would
    person.organization = organization
    person.save()


def test_a_new_pair_takes_its_members_organizations(world: World) -> None:
    saved = Pair.objects.create(
        a=world.alice_p, b=world.charlie_p, organization=world.org_a, **TERM
    )
    assert _members(saved) == (world.org_a.pk, world.org_b.pk)
    # by key only (no member object at hand), and in bulk: one query for all members
    by_key = Pair.objects.create(
        a_id=world.someone_b.pk, b_id=world.bob_p.pk, organization=world.org_b, **TERM
    )
    assert _members(by_key) == (world.org_b.pk, world.org_a.pk)
    a = new_people(world.org_a, 3)
    b = new_people(world.org_b, 3)
    with CaptureQueriesContext(connection) as queries:
        bulk = Pair.objects.bulk_create(
            [Pair(a=x, b=y, organization=world.org_a, **TERM) for x, y in zip(a, b, strict=True)]
        )
    assert len(queries) == 2  # the members' organizations, the insert
    assert {_members(p) for p in bulk} == {(world.org_a.pk, world.org_b.pk)}


def test_a_move_carries_the_pairs_and_the_trail_has_the_move(world: World) -> None:
    as_a = Pair.objects.create(a=world.carol_p, b=world.charlie_p, organization=world.org_a, **TERM)
    as_b = Pair.objects.create(
        a=world.someone_b,
        b=world.carol_p,
        organization=world.org_b,
        status=Pair.Status.COMPLETED,
        **TERM,
    )
    stale = Pair.objects.get(pk=as_a.pk)  # read before the move, saved after it
    _moved(world.carol_p, world.org_b)
    assert _members(as_a) == (world.org_b.pk, world.org_b.pk)
    assert _members(as_b) == (world.org_b.pk, world.org_b.pk)
    stale.weight = 7
    stale.save()  # its old copy of the organization is not written back
    assert _members(as_a) == (world.org_b.pk, world.org_b.pk)
    assert Pair.objects.get(pk=as_a.pk).weight == 7
    # the move is in the participant's trail; the pair's derived copy is nobody's change
    moves = [
        e.changes_dict
        for e in LogEntry.objects.get_for_object(world.carol_p).filter(
            action=LogEntry.Action.UPDATE
        )
    ]
    assert any("organization" in c for c in moves)
    for pair in (as_a, as_b):
        for entry in LogEntry.objects.get_for_object(pair):
            assert not {"a_organization", "b_organization"} & set(entry.changes_dict)
    # the curator of A no longer sees Carol's pairs; B's curator sees both
    assert (
        not pairs_visible(scope=scope_for(world.alice)).filter(pk__in=[as_a.pk, as_b.pk]).exists()
    )
    assert set(pairs_visible(scope=scope_for(world.charlie)).filter(pk__in=[as_a.pk, as_b.pk])) == {
        as_a,
        as_b,
    }
    # a save that does not move the person changes nothing
    same = Participant.objects.get(pk=world.carol_p.pk)
    same.email = "carol.new@example.org"
    same.save()
    assert _members(as_a) == (world.org_b.pk, world.org_b.pk)


def test_the_region_operators_pairs_query_reads_no_people(world: World) -> None:
    """The SQL of a region's pairs names no participants' table (the old rule hashed every
    person of the region); the curator's is by the organization's id."""
    for user in (world.olga, world.erin, world.alice):
        sql = str(pairs_visible(scope=scope_for(user)).values("pk").query)
        assert "people_participant" not in sql, user.username
    # the teacher's own pairs are by their record's key, still no table of people
    sql = str(pairs_visible(scope=scope_for(world.bob)).values("pk").query)
    assert "people_participant" not in sql


def test_the_migration_fills_the_existing_pairs(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The data step of the migration, run again on pairs whose copies are wrong."""
    a = new_people(world.org_a, 5)
    b = new_people(world.org_b, 5)
    pairs = Pair.objects.bulk_create(
        [Pair(a=x, b=y, organization=world.org_a, **TERM) for x, y in zip(a, b, strict=True)]
    )
    Pair.objects.filter(pk__in=[p.pk for p in pairs]).update(  # the test damages them
        a_organization=world.org_b, b_organization=world.org_a
    )
    migration = importlib.import_module("tandem.pairs.migrations.0007_pair_member_organizations")
    monkeypatch.setattr(migration, "BATCH", 2)  # several batches
    migration.fill(apps, None)
    assert {_members(p) for p in pairs} == {(world.org_a.pk, world.org_b.pk)}


def _expected(user: User, pairs: list[Pair]) -> tuple[set[int], set[int]]:
    """The rule by person: pairs with a member the user sees (manages)."""
    scope = scope_for(user)
    seen = set(scope.participants().values_list("pk", flat=True))
    managed = set(scope.manageable_participants().values_list("pk", flat=True))
    people = {p.pk: p for p in pairs}
    return (
        {pk for pk, p in people.items() if {p.a_id, p.b_id} & seen},
        {pk for pk, p in people.items() if {p.a_id, p.b_id} & managed},
    )


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pairs=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), min_size=1, max_size=12),
    moves=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 4)), max_size=8),
)
def test_after_any_moves_everyone_sees_the_pairs_the_person_rule_gives(
    world: World, pairs: list[tuple[int, int]], moves: list[tuple[int, int]]
) -> None:
    """Two regions, five organizations, people paired at random and then moved at random
    (to another school of the municipality, of the region, of the other region): every
    persona's visible and manageable pairs, each unit's pairs by member, and the pairs
    search by organization are those the rule by person gives."""
    with transaction.atomic():
        far = far_organization()
        other_region = far.municipality.region
        third = OrganizationFactory.create(municipality=world.municipality_a, code="third")
        far_curator = UserFactory.create(username="far-curator")
        RoleAssignment.objects.create(user=far_curator, role=Role.CURATOR, organization=far)
        far_operator = UserFactory.create(username="far-operator")
        RoleAssignment.objects.create(
            user=far_operator, role=Role.REGION_OPERATOR, region=other_region
        )
        units = [world.org_a, world.org_b, third, far, world.org_a]
        people = [
            *new_people(world.org_a, 3),
            *new_people(world.org_b, 3),
            *new_people(third, 2),
            *new_people(far, 2),
            world.bob_p,
            world.charlie_p,
        ]
        made = Pair.objects.bulk_create(
            [
                Pair(a=people[i], b=people[j], organization=people[i].organization, **TERM)
                for i, j in dict.fromkeys((min(i, j), max(i, j)) for i, j in pairs if i != j)
            ]
        )
        for who, where in moves:
            _moved(people[who], units[where])
        made = list(Pair.objects.filter(pk__in=[p.pk for p in made]))
        superuser = User.objects.create_superuser("root", "root@example.org", "x" * 12)
        for user in (
            world.alice,
            world.bob,
            world.charlie,
            world.dave,
            world.erin,
            world.olga,
            far_curator,
            far_operator,
            superuser,
        ):
            seen, managed = _expected(user, made)
            scope = scope_for(user)
            mine = Pair.objects.filter(pk__in=[p.pk for p in made])
            assert (
                set(pairs_visible(scope=scope).filter(pk__in=mine).values_list("pk", flat=True))
                == seen
            ), user.username
            assert (
                set(pairs_manageable(scope=scope).filter(pk__in=mine).values_list("pk", flat=True))
                == managed
            ), user.username
            for pk in seen:  # one by one, as a pair's page asks
                assert pairs_visible(scope=scope).filter(pk=pk).exists()
        now = {
            p.pk: p.organization_id
            for p in Participant.objects.filter(pk__in=[p.pk for p in people])
        }
        of_each: list[tuple[Organization | Municipality | Region, set[int]]] = [
            (world.org_a, {world.org_a.pk}),
            (world.org_b, {world.org_b.pk}),
            (third, {third.pk}),
            (far, {far.pk}),
            (world.municipality_a, {world.org_a.pk, third.pk}),
            (world.region, {world.org_a.pk, world.org_b.pk, third.pk}),
            (other_region, {far.pk}),
        ]
        for unit, ids in of_each:
            expected = {p.pk for p in made if {now[p.a_id], now[p.b_id]} & ids}
            assert (
                set(
                    Pair.objects.filter(pk__in=[p.pk for p in made])
                    .of_unit(unit, by=MEMBER)
                    .values_list("pk", flat=True)
                )
                == expected
            )
        for organization in (world.org_a, world.org_b, third, far):
            expected = {p.pk for p in made if organization.pk in (now[p.a_id], now[p.b_id])}
            found = pairs_search(scope=scope_for(superuser), organization_id=organization.pk)
            assert (
                set(found.filter(pk__in=[p.pk for p in made]).values_list("pk", flat=True))
                == expected
            )
        transaction.set_rollback(True)


def test_stale_participant_instance_saved_after_a_move(world: World) -> None:
    """Two writers: one moves Carol A -> B (pairs follow), the other had loaded Carol before
    and saves another field (a roster import row, a second editor). Django writes every
    column, so Carol is back in A — and the pair's copy follows her back."""
    pair = Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a,
                               **TERM)
    stale = Participant.objects.get(pk=world.carol_p.pk)  # writer 2 loads
    mover = Participant.objects.get(pk=world.carol_p.pk)  # writer 1 moves her
    mover.organization = world.org_b
    mover.save()
    stale.position = "учитель"
    stale.save()  # writer 2 saves: organization_id=A written back
    pair.refresh_from_db()
    now = Participant.objects.get(pk=world.carol_p.pk).organization_id
    assert now == world.org_a.pk
    assert pair.a_organization_id == now


def test_curator_of_b_does_not_see_the_pair_after_a_stale_save(world: World) -> None:
    pair = Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a,
                               **TERM)
    stale = Participant.objects.get(pk=world.carol_p.pk)
    mover = Participant.objects.get(pk=world.carol_p.pk)
    mover.organization = world.org_b
    mover.save()
    stale.position = "учитель"
    stale.save()
    # both members are in A now; B's curator must not see the pair (person rule)
    assert not pairs_visible(scope=scope_for(world.charlie)).filter(pk=pair.pk).exists()
