"""A coordinator's pairs read side by side (``pairs.selectors._by_sides``):
the same pairs as the rule of :func:`tandem.pairs.selectors.pair_q`, each side by its
organization's index (issue #16: the OR-ed sides walked every pair of the country)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.access.scope import Scope, scope_for
from tandem.pairs.models import Pair
from tandem.pairs.selectors import pair_q, pairs_search, pairs_visible
from tandem.testing import OrganizationFactory, ParticipantFactory, World, build_pairs

pytestmark = pytest.mark.django_db

TERM = {"starts_on": dt.date(2026, 10, 1), "ends_on": dt.date(2027, 5, 31)}


def test_a_coordinators_pairs_by_sides_are_the_rule(world: World) -> None:
    build_pairs(world)
    # A pair of A and B (a municipal pool), and Charlie's own pair in a third school he
    # does not curate: seen by him as a member only.
    Pair.objects.create(a=world.bob_p, b=world.someone_b, organization=world.org_a, **TERM)
    third = OrganizationFactory.create(municipality=world.municipality_a, code="third")
    world.charlie_p.organization = third
    world.charlie_p.save()
    Pair.objects.create(a=world.charlie_p, b=ParticipantFactory.create(organization=third),
                        organization=third, **TERM)
    # A coordinator of B's municipality who teaches in the third school (A's municipality):
    # that pair is theirs as a member only.
    teaching = Scope(user_id=None, municipality_ids=frozenset({world.municipality_b.pk}),
                     own_participant_id=world.charlie_p.pk)
    scopes = {name: scope_for(getattr(world, name))
              for name in ("alice", "charlie", "dave", "erin", "olga", "bob")}
    for name, scope in {**scopes, "teaching": teaching}.items():
        rule = set(Pair.objects.filter(pair_q(scope=scope)).values_list("pk", flat=True))
        assert set(pairs_visible(scope=scope).values_list("pk", flat=True)) == rule, name
        with CaptureQueriesContext(connection) as ctx:
            listed = list(pairs_search(scope=scope).order_by("-created_at", "-pk")[:50])
        assert {p.pk for p in listed} == rule, name
        # A region operator's list is by the region kept on the pair, after the pairs
        # seen from B's region are read (test_listed_by_region.py); the others, one query.
        *_border, statement = [q["sql"] for q in ctx.captured_queries]
        assert len(_border) == (name == "olga"), name
        if name in ("dave", "erin", "teaching"):
            assert "UNION ALL" in statement and '"a_organization_id" IN' in statement, name
            assert '"b_organization_id" IN' not in statement.split("UNION ALL")[0], name
    own = Pair.objects.filter(a=world.charlie_p).get().pk
    assert own in set(pairs_visible(scope=teaching).values_list("pk", flat=True))
    assert own not in set(pairs_visible(scope=scopes["dave"]).values_list("pk", flat=True))
