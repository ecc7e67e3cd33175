"""Pairs with their explanations and figures; maps with rows and progress."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from pytest_django import DjangoAssertNumQueries
from rest_framework.test import APIClient

from tandem.accounts.models import User
from tandem.maps.models import Meeting, Row
from tandem.pairs.models import Pair
from tandem.testing import World, build_map

Api = Callable[[User | None], APIClient]


def _bob_and_carol(world: World) -> Pair:
    pair = build_map(world)
    assert isinstance(pair, Pair)
    return pair


def test_a_teacher_sees_their_pair_with_the_reasons(api: Api, world: World) -> None:
    pair = _bob_and_carol(world)
    body = api(world.bob).get("/api/v1/pairs/").json()
    assert [p["id"] for p in body["results"]] == [pair.pk]
    item = body["results"][0]
    bob_side = "a" if item["a"]["id"] == world.bob_p.pk else "b"
    # Bob is strong in digital competences, Carol in the rest: each teaches the other.
    bob_teaches = item[f"{bob_side}_teaches_{'b' if bob_side == 'a' else 'a'}"]
    assert bob_teaches and all(x["competency"].startswith("ict.") for x in bob_teaches)
    assert api(world.charlie).get(f"/api/v1/pairs/{pair.pk}/").status_code == 404


def test_figures_per_pair(api: Api, world: World) -> None:
    pair = _bob_and_carol(world)
    from django.utils import timezone

    from tandem.core import effectiveness as core

    today = timezone.localdate()
    Pair.objects.filter(pk=pair.pk).update(starts_on=today - dt.timedelta(days=100),
                                           ends_on=today + dt.timedelta(days=100))
    rows = list(Row.objects.filter(map__pair=pair, direction=Row.Direction.A_TO_B))
    Row.objects.filter(pk=rows[0].pk).update(done_at=today - dt.timedelta(days=1))
    Row.objects.filter(pk=rows[1].pk).update(done_at=today + dt.timedelta(days=1))  # not yet
    Meeting.objects.create(pair=pair, date=today - dt.timedelta(days=20), topic="Первая")
    Meeting.objects.create(pair=pair, date=today - dt.timedelta(days=10), topic="Вторая")
    # Issue 14 item 3: planned in the past (did not happen) and dated in the future
    # without the mark: neither is held.
    Meeting.objects.create(pair=pair, date=today - dt.timedelta(days=5), topic="Не было",
                           planned=True)
    Meeting.objects.create(pair=pair, date=today + dt.timedelta(days=5), topic="Потом")
    figures = api(world.alice).get(f"/api/v1/pairs/{pair.pk}/").json()["effectiveness"]
    ba_total = Row.objects.filter(map__pair=pair, direction=Row.Direction.B_TO_A).count()
    norm = core.cadence_norm((today - dt.timedelta(days=100), today))
    assert figures["a_to_b"]["rows_done"] == 1 and figures["a_to_b"]["rows_total"] == len(rows)
    assert figures["b_to_a"]["rows_done"] == 0 and figures["b_to_a"]["rows_total"] == ba_total
    assert figures["meetings_held"] == 2
    assert figures["meetings_planned"] == max(norm, 2 + 1)  # the dashboard's plan


def test_map_with_rows_and_progress(api: Api, world: World) -> None:
    pair = _bob_and_carol(world)
    row = Row.objects.filter(map__pair=pair, direction=Row.Direction.B_TO_A).first()
    assert row is not None
    Row.objects.filter(pk=row.pk).update(done_at=dt.date(2026, 11, 1))  # before today
    body = api(world.carol_p.user or world.alice).get("/api/v1/maps/",
                                                      {"pair": pair.pk}).json()
    [the_map] = body["results"]
    assert the_map["pair"] == pair.pk
    assert the_map["progress"]["b_to_a"]["done"] == 1
    assert len(the_map["rows"]) == Row.objects.filter(map__pair=pair).count()
    assert api(world.dave).get(f"/api/v1/maps/{the_map['id']}/").status_code == 404


def test_pairs_list_takes_a_few_queries(
        api: Api, world: World, django_assert_max_num_queries: DjangoAssertNumQueries) -> None:
    _bob_and_carol(world)
    client = api(world.alice)
    client.get("/api/v1/pairs/")  # warm the token's last_used_at
    with django_assert_max_num_queries(6):
        client.get("/api/v1/pairs/")


def _more_pairs(world: World, n: int) -> None:
    from tandem.testing import bulk_participants

    people = list(bulk_participants(world.org_a, 2 * n).order_by("-pk")[: 2 * n])
    Pair.objects.bulk_create([
        Pair(a=people[2 * i], b=people[2 * i + 1], organization=world.org_a,
             starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))
        for i in range(n)])


def _page_queries(client: APIClient, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_a_page_of_pairs_takes_as_many_queries_at_any_size(api: Api, world: World) -> None:
    """The page is cut first, then one query gives the figures of its pairs only."""
    _bob_and_carol(world)
    client = api(world.olga)
    url = "/api/v1/pairs/?page_size=5"
    client.get(url)  # warm the token's last_used_at
    _more_pairs(world, 5)
    small = _page_queries(client, url)
    _more_pairs(world, 300)
    assert _page_queries(client, url) == small


def test_the_figures_of_a_page_are_those_of_each_pair(api: Api, world: World) -> None:
    from tandem.access.scope import scope_for
    from tandem.api.selectors import pair_with_figures

    pair = _bob_and_carol(world)
    Row.objects.filter(map__pair=pair).update(deadline=dt.date(2026, 11, 1))  # overdue
    _more_pairs(world, 7)
    total = Pair.objects.count()
    body = api(world.olga).get("/api/v1/pairs/", {"page_size": 3, "page": 3}).json()
    assert body["count"] == total > 6
    [last] = [p for p in body["results"] if p["id"] == pair.pk]  # among the oldest
    assert last["id"] == pair.pk
    one: Any = pair_with_figures(scope=scope_for(world.olga)).get(pk=pair.pk)
    assert last["effectiveness"]["a_to_b"] == {
        "rows_done": one.ab_done, "rows_total": one.ab_total, "rows_overdue": one.ab_overdue}
    assert one.ab_overdue == one.ab_total > 0
    assert last["effectiveness"]["meetings_held"] == 0


def test_a_page_holds_only_the_pairs_the_user_sees(world: World) -> None:
    """The page by ids asks the rule of ``pairs_visible`` once more (each pair's
    organizations by key): an id of a pair outside the scope is dropped, whoever asks."""
    from tandem.access.scope import scope_for
    from tandem.api.selectors import pairs_page

    pair = _bob_and_carol(world)  # Bob and Carol work in A
    for who, sees in ((world.alice, True), (world.olga, True), (world.bob, True),
                      (world.erin, True), (world.charlie, False), (world.dave, False)):
        page = pairs_page(scope=scope_for(who), ids=[pair.pk])
        assert [p.pk for p in page] == ([pair.pk] if sees else []), who.username
