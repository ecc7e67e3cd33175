"""Authorising one pair or map reads that object's keys, not the region's people: the same
answer as the rule of ``Scope.participants()``, in as many queries at any size."""

import datetime as dt

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from tandem.access.scope import scope_for
from tandem.accounts.models import User
from tandem.maps.selectors import pair_for_map
from tandem.pairs.models import Pair
from tandem.pairs.selectors import pairs_manageable, pairs_visible
from tandem.people.models import Participant
from tandem.testing import World, build_map, bulk_participants


def _pairs_across(world: World) -> list[Pair]:
    """Pairs inside A, inside B, and one across the two municipalities."""
    a = list(bulk_participants(world.org_a, 4).order_by("pk"))
    b = list(bulk_participants(world.org_b, 4).order_by("pk"))
    term = {"starts_on": dt.date(2026, 12, 1), "ends_on": dt.date(2027, 5, 31)}
    return Pair.objects.bulk_create([
        Pair(a=a[0], b=a[1], organization=world.org_a, **term),
        Pair(a=b[0], b=b[1], organization=world.org_b, **term),
        Pair(a=a[2], b=b[2], organization=world.org_a, **term),
        Pair(a=b[3], b=a[3], organization=world.org_b, **term),
        Pair(a=world.bob_p, b=b[0], organization=world.org_a, status=Pair.Status.COMPLETED,
             **term),
    ])


def _personas(world: World) -> list[User]:
    superuser = User.objects.create_superuser("root", "root@example.org", "x" * 12)
    return [world.alice, world.bob, world.charlie, world.dave, world.erin, world.olga,
            superuser]


def test_the_pairs_seen_are_those_with_a_member_in_scope(world: World) -> None:
    """The rule, worked out in Python from Scope.participants(), against the query."""
    build_map(world)
    _pairs_across(world)
    for user in _personas(world):
        scope = scope_for(user)
        seen = set(scope.participants().values_list("pk", flat=True))
        managed = set(scope.manageable_participants().values_list("pk", flat=True))
        pairs = list(Pair.objects.all())
        expected_seen = {p.pk for p in pairs if {p.a_id, p.b_id} & seen}
        expected_managed = {p.pk for p in pairs if {p.a_id, p.b_id} & managed}
        seen_q = pairs_visible(scope=scope).values_list("pk", flat=True)
        managed_q = pairs_manageable(scope=scope).values_list("pk", flat=True)
        assert set(seen_q) == expected_seen, user.username
        assert set(managed_q) == expected_managed, user.username
        for pair in pairs:  # one by one, as the pages ask
            if pair.pk in expected_seen:
                assert pair_for_map(scope=scope, pair_pk=pair.pk)[1].staff == (
                    pair.pk in expected_managed)
            else:
                with pytest.raises(Http404):
                    pair_for_map(scope=scope, pair_pk=pair.pk)


def _check_queries(user: User, pair: Pair) -> int:
    scope = scope_for(user)  # computed before counting: a request computes it once
    with CaptureQueriesContext(connection) as ctx:
        pair_for_map(scope=scope, pair_pk=pair.pk, for_="staff")
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["olga", "erin", "alice"])
def test_one_pair_is_authorised_in_as_many_queries_at_any_size(world: World,
                                                               persona: str) -> None:
    pair = build_map(world)
    assert isinstance(pair, Pair)
    user = getattr(world, persona)
    bulk_participants(world.org_a, 20)
    small = _check_queries(user, pair)
    bulk_participants(world.org_a, 2000)
    bulk_participants(world.org_b, 2000)
    assert _check_queries(user, pair) == small == 2
    assert Participant.objects.count() > 4000
