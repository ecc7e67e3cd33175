"""Issue #14, item 11: the teacher's home shows what to do now, each step one tap away,
and explains reverse mentoring while they have no pair; the cost stays bounded."""

import datetime as dt

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.access.scope import scope_for
from tandem.home.next_steps import next_steps
from tandem.maps import lifecycle
from tandem.maps.models import Map, Meeting, Row
from tandem.pairs.models import Pair
from tandem.testing import World, build_map, build_resources


def _html(client: Client) -> str:
    return client.get(reverse("dashboard")).content.decode()


def test_a_new_teacher_reads_what_reverse_mentoring_is(client: Client, world: World) -> None:
    client.force_login(world.bob)
    html = _html(client)
    assert "Что сделать сейчас" in html and "Срочных дел нет" in html
    assert '<details class="about-reverse" open>' in html and "Оба учат и оба учатся" in html


def test_the_pair_to_confirm_then_the_map_then_an_overdue_task(client: Client,
                                                               world: World) -> None:
    build_resources(world)
    pair: Pair = build_map(world)  # type: ignore[assignment]
    today = timezone.localdate()
    client.force_login(world.bob)
    html = _html(client)
    assert "подтвердите участие или откажитесь" in html
    assert f'href="/pairs/{pair.pk}/"' in html
    assert '<details class="about-reverse">' in html  # they have a pair: folded
    lifecycle.pair_confirm(pair=pair, participant=world.bob_p)
    lifecycle.pair_confirm(pair=pair, participant=world.carol_p)
    html = _html(client)
    assert "подтвердите участие" not in html and "Согласуйте карту" in html
    the_map = Map.objects.get(pair=pair)
    lifecycle.map_agree(the_map=the_map, participant=world.bob_p)
    lifecycle.map_agree(the_map=the_map, participant=world.carol_p)
    lifecycle.map_approve(the_map=the_map, user=world.alice)
    lifecycle.map_start(the_map=the_map)
    row = Row.objects.filter(map=the_map).first()
    assert row is not None
    row.deadline = today - dt.timedelta(days=1)
    row.save()
    Meeting.objects.create(pair=pair, date=today + dt.timedelta(days=2), topic="Разбор урока",
                           planned=True)
    html = _html(client)
    assert "Согласуйте карту" not in html
    assert f"Срок задачи «{row.title}» прошёл" in html and "Разбор урока" in html
    steps = next_steps(scope=scope_for(world.bob), today=today)
    assert steps[0].urgent and all(s.url for s in steps)
    # The partner's steps are theirs; staff have none of their own.
    assert next_steps(scope=scope_for(world.olga), today=today) == []


def test_the_steps_cost_the_same_queries_with_more_work(client: Client, world: World) -> None:
    build_resources(world)
    pair: Pair = build_map(world)  # type: ignore[assignment]
    client.force_login(world.bob)
    next_steps(scope=scope_for(world.bob), today=timezone.localdate())  # warm caches
    counts = []
    for extra in (0, 10):
        Meeting.objects.bulk_create([Meeting(pair=pair, date=timezone.localdate(),
                                             topic=f"Встреча {i}", planned=True)
                                     for i in range(extra)])
        with CaptureQueriesContext(connection) as ctx:
            next_steps(scope=scope_for(world.bob), today=timezone.localdate())
        counts.append(len(ctx))
    assert counts[0] == counts[1]
