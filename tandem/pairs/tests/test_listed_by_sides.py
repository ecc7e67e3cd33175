"""A coordinator's pairs read side by side (``pairs.selectors._by_sides``):
the same pairs as the rule of :func:`tandem.pairs.selectors.pair_q`, each side by its
organization's index (issue #16: the OR-ed sides walked every pair of the country)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
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


def test_a_persons_own_pairs_are_read_by_the_members_not_by_sides(world: World) -> None:
    """The overview's «my pairs» of a coordinator who also teaches: the rule's pairs where
    she is a member, read by the members' indexes — not her municipality's pairs by sides
    first (0.04 → 15 ms on a country of 1.5 million, review of h/countrypages)."""
    from tandem.pairs.selectors import pairs_of

    build_pairs(world)
    third = OrganizationFactory.create(municipality=world.municipality_a, code="third")
    world.charlie_p.organization = third
    world.charlie_p.save()
    own = Pair.objects.create(a=world.charlie_p, b=ParticipantFactory.create(
        organization=third), organization=third, **TERM)
    teaching = Scope(user_id=None, municipality_ids=frozenset({world.municipality_a.pk}),
                     own_participant_id=world.charlie_p.pk)
    with CaptureQueriesContext(connection) as ctx:
        mine = list(pairs_of(scope=teaching, person=world.charlie_p.pk))
    assert mine == [own]
    assert set(Pair.objects.filter(pair_q(scope=teaching), a=world.charlie_p)
               .values_list("pk", flat=True)) == {own.pk}
    (statement,) = [q["sql"] for q in ctx.captured_queries]
    assert "UNION" not in statement
    from tandem.home.selectors import own_context

    with CaptureQueriesContext(connection) as ctx:
        shown = own_context(scope=teaching, today=dt.date(2026, 11, 2))
    assert [p.pk for p in shown["my_pairs"]] == [own.pk]  # type: ignore[attr-defined]
    assert not [q for q in ctx.captured_queries if "UNION ALL" in q["sql"]]
    # Through it nobody sees more than the rule: each persona asking for Charlie's pairs.
    for name in ("alice", "charlie", "dave", "erin", "olga", "bob"):
        scope = scope_for(getattr(world, name))
        rule = set(Pair.objects.filter(pair_q(scope=scope)).values_list("pk", flat=True))
        theirs = {p.pk for p in pairs_of(scope=scope, person=world.charlie_p.pk)}
        assert theirs == rule & set(Pair.objects.filter(
            Q(a=world.charlie_p) | Q(b=world.charlie_p)).values_list("pk", flat=True)), name
    assert own.pk not in {p.pk for p in pairs_of(scope=scope_for(world.bob),
                                                   person=world.charlie_p.pk)}
