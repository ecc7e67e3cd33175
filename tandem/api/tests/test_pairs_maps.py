"""Pairs with their explanations and figures; maps with rows and progress."""

import datetime as dt
from collections.abc import Callable

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
