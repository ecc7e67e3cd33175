"""A coordinator's pairs page and API list by disjoint sides (``pairs.selectors._sides``):
the count is the sum of the sides' counts (not their union deduplicated and each pair
probed by key), the page's keys on PostgreSQL the sides read whole without parallel
workers — the same pairs, counted once, in the same order as the access rule
(docs/performance.md «h/coordpairs», issue #16)."""

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.access.scope import Scope, scope_for
from tandem.pairs.models import Pair
from tandem.pairs.selectors import NEWEST, PairPages, _search, pair_q, pairs_search_pages
from tandem.pairs.tests.pair_lists import TERM, far_organization, new_people
from tandem.testing import World

pytestmark = pytest.mark.django_db

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET LOCAL")


def _pairs(world: World) -> Scope:
    """Pairs of every side of both coordinators' municipalities (A's, B's only, both,
    across them), of another region, and of a coordinator of B's municipality who teaches
    as Carol (A's municipality): her own pairs outside it, one seen from both her
    municipality and herself. Creation times with ties. Returns that teaching scope."""
    far = far_organization()
    far_a, far_b = new_people(far, 2)
    made = [
        Pair.objects.create(a=world.bob_p, b=world.carol_p, organization=world.org_a,
                            status=Pair.Status.ACTIVE, **TERM),
        Pair.objects.create(a=world.bob_p, b=world.someone_b, organization=world.org_a,
                            **TERM),
        Pair.objects.create(a=world.someone_b, b=world.carol_p, organization=world.org_b,
                            status=Pair.Status.ACTIVE, **TERM),
        Pair.objects.create(a=world.charlie_p, b=world.alice_p, organization=world.org_b,
                            **TERM),
        Pair.objects.create(a=world.carol_p, b=far_a, organization=world.org_a, **TERM),
        Pair.objects.create(a=far_b, b=world.alice_p, organization=far, **TERM),
        Pair.objects.create(a=far_a, b=far_b, organization=far, **TERM),
    ]
    base = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
    for k, pair in enumerate(made):  # the test's own rewrite of the stamps (ties)
        Pair.objects.filter(pk=pair.pk).update(created_at=base - dt.timedelta(hours=k // 3))
    return Scope(user_id=None, municipality_ids=frozenset({world.municipality_b.pk}),
                 own_participant_id=world.carol_p.pk)


def _scopes(world: World, teaching: Scope) -> dict[str, Scope]:
    return {"dave": scope_for(world.dave), "erin": scope_for(world.erin),
            "teaching": teaching}


def _check(scope: Scope, name: str, filters: dict[str, Any], size: int) -> None:
    rule = list(_search(Pair.objects.filter(pair_q(scope=scope)), **filters)
                .order_by(*NEWEST).values_list("pk", flat=True))
    pages = pairs_search_pages(scope=scope, **filters)
    assert isinstance(pages, PairPages) and pages.sides is not None, name
    assert pages.count() == len(rule), (name, filters)
    for start in range(0, len(rule) + size, size):
        assert pages.ids(start, start + size) == rule[start:start + size], (name, start)
        assert [p.pk for p in pages[start:start + size]] == rule[start:start + size]
    assert pages.ids(1, None) == rule[1:], name


def test_a_coordinators_list_is_the_rule_counted_once(world: World) -> None:
    """Worked example: each coordinator's pairs, the teaching one's with her own pairs
    outside her municipality (one of them also hers by B's side: counted once), filtered
    by status, name and organization, every page of 2 and to the end."""
    teaching = _pairs(world)
    for name, scope in _scopes(world, teaching).items():
        for filters in ({}, {"status": Pair.Status.ACTIVE}, {"text": "каролева"},
                        {"organization_id": world.org_b.pk}):
            _check(scope, name, filters, 2)
    assert pairs_search_pages(scope=teaching).count() == 5  # 3 by her municipality, 2 own


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(who=st.sampled_from(["dave", "erin", "teaching"]),
       status=st.sampled_from(["", *Pair.Status.values]),
       text=st.sampled_from(["", "каролёва", "бэшкина вера", "ЧАРЛИН"]),
       size=st.integers(1, 4))
def test_any_filter_and_page_size_is_the_rule(world: World, who: str, status: str,
                                              text: str, size: int) -> None:
    """For any coordinator, status, name and page size: the count and every page are
    the access rule's, in its order (nothing written by the examples: one set of pairs)."""
    if not Pair.objects.exists():
        _pairs(world)
    teaching = Scope(user_id=None, municipality_ids=frozenset({world.municipality_b.pk}),
                     own_participant_id=world.carol_p.pk)
    _check(_scopes(world, teaching)[who], who, {"status": status, "text": text}, size)


def test_the_count_is_the_sum_of_the_sides(world: World) -> None:
    """The count: one statement, the sides' counts added — no union, no probe of each pair
    by key; on PostgreSQL the count and the page's keys (the sides whole, ``MATERIALIZED``)
    are planned without parallel workers, and the setting ends with them."""
    teaching = _pairs(world)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    before = _parallel()
    pages = pairs_search_pages(scope=teaching)
    with CaptureQueriesContext(connection) as ctx:
        assert pages.count() == 5
        assert len(pages[0:50]) == 5
    statements = [q["sql"] for q in ctx.captured_queries
                  if not q["sql"].upper().startswith(CONTROL)]
    count, keys, _rows = statements
    assert count.startswith("SELECT (SELECT COUNT(*)") and count.count("COUNT(*)") == 4
    assert "UNION" not in count and '"pairs_pair"."id" IN (' not in count
    if connection.vendor == "postgresql":
        sets = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("SET LOCAL")]
        assert sets == ["SET LOCAL max_parallel_workers_per_gather = 0"] * 2
        assert "AS MATERIALIZED" in keys and "UNION ALL" in keys
        assert _parallel() == before


def _parallel() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        (value,) = cursor.fetchone()  # type: ignore[misc]
    return str(value)
