"""The regions kept on a pair (``Pair.region``: A's organization's; ``Pair.b_region``: B's
when it is another region) and a region operator's list by them
(``pairs.selectors._by_region``): the same pairs as the access rule
(:func:`tandem.pairs.selectors.pair_q`) for every persona, after any moves of members,
organizations and municipalities; each way the columns are kept; none in the trail."""

import importlib

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import Scope, scope_for
from tandem.accounts.models import User
from tandem.api.selectors import pairs_listed
from tandem.pairs.models import Pair
from tandem.pairs.selectors import pair_q, pairs_search, pairs_search_pages
from tandem.pairs.tests.pair_lists import TERM, Territory, far_organization, new_people
from tandem.people.models import Participant
from tandem.people.personal_data import participant_anonymise
from tandem.territory.models import Municipality, Organization, Region
from tandem.testing import (
    UserFactory,
    World,
)

pytestmark = pytest.mark.django_db

def _kept(pair: Pair) -> tuple[int | None, int | None]:
    pair.refresh_from_db()
    return pair.region_id, pair.b_region_id


def _truth(pks: list[int]) -> dict[int, tuple[int, int | None]]:
    """What the columns should hold, from the members' organizations as they are now."""
    region = dict(Organization.objects.values_list("pk", "municipality__region_id"))
    out = {}
    for pk, a, b in Pair.objects.filter(pk__in=pks).values_list(
            "pk", "a__organization_id", "b__organization_id"):
        out[pk] = (region[a], None if region[b] == region[a] else region[b])
    return out


def _stored(pks: list[int]) -> dict[int, tuple[int, int | None]]:
    return {pk: (r, b) for pk, r, b in
            Pair.objects.filter(pk__in=pks).values_list("pk", "region_id", "b_region_id")}


def test_every_way_of_creating_a_pair_keeps_its_regions(world: World) -> None:
    far = far_organization()
    (stranger,) = new_people(far, 1)
    same = Pair.objects.create(a=world.alice_p, b=world.charlie_p, organization=world.org_a,
                               **TERM)
    assert _kept(same) == (world.region.pk, None)
    by_key = Pair.objects.create(a_id=stranger.pk, b_id=world.bob_p.pk, organization=far,
                                 **TERM)
    assert _kept(by_key) == (far.municipality.region_id, world.region.pk)
    a, b = new_people(world.org_a, 2), [stranger, *new_people(world.org_b, 1)]
    with CaptureQueriesContext(connection) as queries:
        bulk = Pair.objects.bulk_create([Pair(a=x, b=y, organization=world.org_a, **TERM)
                                         for x, y in zip(a, b, strict=True)])
    assert len(queries) == 2  # the members' organizations with their regions, the insert
    assert [_kept(p) for p in bulk] == [(world.region.pk, far.municipality.region_id),
                                        (world.region.pk, None)]
    # organizations given: their regions in one query
    given_ = Pair.objects.bulk_create([Pair(a=stranger, b=world.carol_p, organization=far,
                                            a_organization=far, b_organization=world.org_a,
                                            **TERM)])
    assert _kept(given_[0]) == (far.municipality.region_id, world.region.pk)


def test_a_member_who_moves_takes_the_regions_along(world: World) -> None:
    far = far_organization()
    pair = Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a,
                               **TERM)
    stale = Pair.objects.get(pk=pair.pk)
    person = Participant.objects.get(pk=world.bob_p.pk)
    person.organization = far
    person.save()
    assert _kept(pair) == (world.region.pk, far.municipality.region_id)
    stale.weight = 3
    stale.save()  # an old copy of the pair writes no region back
    assert _kept(pair) == (world.region.pk, far.municipality.region_id)
    person = Participant.objects.get(pk=world.carol_p.pk)
    person.organization = far
    person.save()
    assert _kept(pair) == (far.municipality.region_id, None)
    # a save from an out-of-date copy of Carol puts her back: the regions follow
    old = Participant.objects.get(pk=world.carol_p.pk)
    old.organization = world.org_a
    old.save()
    assert _kept(pair) == (world.region.pk, far.municipality.region_id)


def test_an_organization_or_a_municipality_that_moves_takes_the_regions_along(
        world: World) -> None:
    far_municipality = far_organization().municipality
    pair = Pair.objects.create(a=world.carol_p, b=world.charlie_p, organization=world.org_a,
                               **TERM)
    org_b = Organization.objects.get(pk=world.org_b.pk)
    org_b.municipality = far_municipality
    org_b.save()
    assert _kept(pair) == (world.region.pk, far_municipality.region_id)
    municipality_a = Municipality.objects.get(pk=world.municipality_a.pk)
    municipality_a.region_id = far_municipality.region_id
    municipality_a.save()
    assert _kept(pair) == (far_municipality.region_id, None)
    municipality_a.region = world.region
    municipality_a.save()
    assert _kept(pair) == (world.region.pk, far_municipality.region_id)
    # pairs whose kept regions hold are not rewritten, with b_region empty or not
    assert Pair.objects.all().keep_regions() == 0
    # a move inside the region rewrites nothing
    org_a = Organization.objects.get(pk=world.org_a.pk)
    org_a.municipality = world.municipality_b
    org_a.save()
    assert _kept(pair) == (world.region.pk, far_municipality.region_id)
    assert Pair.objects.all().keep_regions() == 0


def test_an_anonymised_member_s_pair_stays_in_the_region_s_list(world: World) -> None:
    pair = Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a,
                               **TERM)
    participant_anonymise(participant=world.carol_p, actor=world.olga)
    assert _kept(pair) == (world.region.pk, None)
    assert pair.pk in set(pairs_search(scope=scope_for(world.olga))
                          .values_list("pk", flat=True))


def test_the_regions_are_not_in_the_pair_s_trail(world: World) -> None:
    far = far_organization()
    pair = Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a,
                               **TERM)
    person = Participant.objects.get(pk=world.bob_p.pk)
    person.organization = far
    person.save()
    for entry in LogEntry.objects.get_for_object(pair):
        assert not {"region", "b_region"} & set(entry.changes_dict)


def test_the_migration_fills_the_existing_pairs(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    far = far_organization()
    people = new_people(world.org_a, 3)
    pairs = Pair.objects.bulk_create(
        [Pair(a=people[0], b=people[1], organization=world.org_a, **TERM),
         Pair(a=people[2], b=new_people(far, 1)[0], organization=world.org_a, **TERM),
         Pair(a=world.carol_p, b=world.charlie_p, organization=world.org_a, **TERM)])
    pks = [p.pk for p in pairs]
    right = _stored(pks)
    Pair.objects.filter(pk__in=pks).update(region=far.municipality.region,  # damaged
                                           b_region=world.region)
    migration = importlib.import_module("tandem.pairs.migrations.0013_pair_regions")
    monkeypatch.setattr(migration, "BATCH", 2)  # several batches
    migration.fill(apps, None)
    assert _stored(pks) == right == _truth(pks)


def test_a_region_operator_s_list_is_one_range_of_the_region(world: World) -> None:
    """The list's statement filters by the pair's own region, not by the members'
    organizations (the walk of the country's pairs, issue #16), with or without pairs
    seen from B's region."""
    far = far_organization()
    Pair.objects.create(a=world.carol_p, b=world.bob_p, organization=world.org_a, **TERM)
    scope = scope_for(world.olga)
    with CaptureQueriesContext(connection) as ctx:
        list(pairs_search(scope=scope).order_by("-created_at", "-pk")[:50])
    border, statement = [q["sql"] for q in ctx.captured_queries]
    assert '"region_id" IN' in statement and "organization" not in statement.split(
        "WHERE")[1].split("ORDER BY")[0]
    assert '"b_region_id" IN' in border
    (stranger,) = new_people(far, 1)
    seen_from_b = Pair.objects.create(a=stranger, b=world.alice_p, organization=far, **TERM)
    listed = set(pairs_search(scope=scope).values_list("pk", flat=True))
    assert seen_from_b.pk in listed


def _operators(world: World, other_region: Region) -> dict[str, Scope]:
    both = UserFactory.create(username="both-regions")
    for region in (world.region, other_region):
        RoleAssignment.objects.create(user=both, role=Role.REGION_OPERATOR, region=region)
    far_operator = UserFactory.create(username="far-operator")
    RoleAssignment.objects.create(user=far_operator, role=Role.REGION_OPERATOR,
                                  region=other_region)
    superuser = User.objects.create_superuser("root", "root@example.org", "x" * 12)
    scopes = {u.username: scope_for(u) for u in (
        world.alice, world.bob, world.charlie, world.dave, world.erin, world.olga,
        far_operator, both, superuser)}
    # An operator of the region who is also a teacher there (Bob's record).
    scopes["teaching-operator"] = Scope(user_id=None, region_ids=frozenset({world.region.pk}),
                                        own_participant_id=world.bob_p.pk)
    return scopes


@pytest.mark.django_db(transaction=False)
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    pairs=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=10),
    moves=st.lists(st.one_of(
        st.tuples(st.just("person"), st.integers(0, 9), st.integers(0, 3)),
        st.tuples(st.just("organization"), st.integers(0, 3), st.integers(0, 2)),
        st.tuples(st.just("municipality"), st.integers(0, 2), st.integers(0, 1))),
        max_size=6),
)
def test_after_any_moves_each_persona_lists_the_pairs_of_the_rule(
        world: World, pairs: list[tuple[int, int]], moves: list[tuple[str, int, int]]) -> None:
    """Two regions, three municipalities, four organizations; people paired at random,
    then people, organizations and municipalities moved at random: the columns hold the
    regions of the members' organizations as they are now, and every persona's list (the
    pairs page and the API's) holds the pairs of the access rule, no more, no less."""
    with transaction.atomic():
        places = Territory(world)
        people = [*new_people(world.org_a, 3), *new_people(world.org_b, 2),
                  *new_people(places.far, 3), world.bob_p, world.charlie_p]
        made = Pair.objects.bulk_create(
            [Pair(a=people[i], b=people[j], organization=people[i].organization, **TERM)
             for i, j in dict.fromkeys((min(i, j), max(i, j)) for i, j in pairs if i != j)])
        for kind, who, where in moves:
            assert places.move(kind, people[who] if kind == "person" else who, where)
        pks = [p.pk for p in made]
        assert _stored(pks) == _truth(pks)
        for name, scope in _operators(world, places.regions[1]).items():
            rule = set(Pair.objects.filter(pair_q(scope=scope), pk__in=pks)
                       .values_list("pk", flat=True))
            listed = set(pairs_search(scope=scope).filter(pk__in=pks)
                         .values_list("pk", flat=True))
            assert listed == rule, name
            api = {p.pk for p in pairs_listed(scope=scope)[0:None]} & set(pks)
            assert api == rule, name
            # the page by parts (two regions, pairs seen from B's side): the same rows in
            # the same order, the same count
            newest = list(pairs_search(scope=scope).order_by("-created_at", "-pk")
                          .values_list("pk", flat=True))
            paged = pairs_search_pages(scope=scope)
            assert paged.count() == len(newest), name
            assert [p.pk for p in paged[0:len(newest) + 1]] == newest, name
            assert [p.pk for p in paged[2:5]] == newest[2:5], name
        transaction.set_rollback(True)


def test_keep_regions_rewrites_only_the_pairs_that_are_wrong(world: World) -> None:
    """Pairs without ``b_region`` (both members in one region) are right as they are:
    ``keep_regions`` leaves them alone (a NULL ``b_region`` is not «different»)."""
    far = far_organization()
    (stranger,) = new_people(far, 1)
    same = [Pair.objects.create(a=world.alice_p, b=world.charlie_p,
                                organization=world.org_a, **TERM)]
    a, b = new_people(world.org_a, 3), new_people(world.org_b, 3)
    same += Pair.objects.bulk_create([Pair(a=x, b=y, organization=world.org_a, **TERM)
                                      for x, y in zip(a, b, strict=True)])
    border = Pair.objects.create(a=world.bob_p, b=stranger, organization=world.org_b, **TERM)
    pks = [p.pk for p in [*same, border]]
    assert _stored(pks) == _truth(pks)
    assert all(_stored([p.pk])[p.pk][1] is None for p in same)
    assert Pair.objects.all().keep_regions() == 0
    # one pair made wrong on purpose: only it is rewritten
    Pair.objects.filter(pk=same[1].pk).update(b_region_id=far.municipality.region_id)
    Pair.objects.filter(pk=border.pk).update(b_region_id=None)
    assert set(Pair.objects.all().stale_regions().values_list("pk", flat=True)) == {
        same[1].pk, border.pk}
    assert Pair.objects.all().keep_regions() == 2
    assert _stored(pks) == _truth(pks)
    assert not Pair.objects.all().stale_regions().exists()
    assert Pair.objects.all().keep_regions() == 0
