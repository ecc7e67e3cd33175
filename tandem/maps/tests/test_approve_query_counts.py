"""Approving a proposal costs a bounded number of queries per pair — not the map draft's
catalogue and library read again for every pair (issue #16: a curator approves the
proposal of a 300-person organization at once)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.access.scope import scope_for
from tandem.diagnostics import tallies
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.export import profiles_instance
from tandem.diagnostics.models import Campaign
from tandem.maps.lifecycle import pairs_approve
from tandem.maps.models import Map, Row
from tandem.maps.services import map_draft, map_drafts
from tandem.pairs import engine
from tandem.pairs.models import MatchingRun, Pair
from tandem.pairs.selectors import pool_responses
from tandem.testing import ParticipantFactory, World, submit_profiles


def _proposal(world: World, couples: int) -> MatchingRun:
    framework = ensure_default_framework()
    campaign = Campaign.objects.create(title="Входная", organization=world.org_a,
                                       framework=framework, starts_on=dt.date(2026, 9, 1),
                                       ends_on=dt.date(2026, 9, 30))
    submit_profiles(campaign, [
        (ParticipantFactory.create(organization=world.org_a, surname=f"Иванов{couples}-{i}",
                                   email=f"p{couples}-{i}@example.org"), i % 2 == 0)
        for i in range(2 * couples)])
    tallies.rebuild([world.org_a.pk])
    responses = [r for r in pool_responses(unit=world.org_a, scope=scope_for(world.olga))
                 if r.campaign_id == campaign.pk]
    instance = profiles_instance(responses, [framework], scope="organization")
    return MatchingRun.objects.create(organization=world.org_a, instance=instance,
                                      result=engine.match(instance), progress=100,
                                      status=MatchingRun.Status.DONE)


def _approve(world: World, couples: int) -> tuple[int, list[Pair]]:
    run = _proposal(world, couples)
    keys = [f"{min(p['a'], p['b'])}-{max(p['a'], p['b'])}" for p in run.result["pairs"]]
    with CaptureQueriesContext(connection) as queries:
        created = pairs_approve(run=run, keys=keys, starts_on=dt.date(2026, 12, 1),
                                ends_on=dt.date(2027, 5, 31), curator=world.alice,
                                base_url="http://testserver/")
    return len(queries), created


@pytest.mark.django_db
def test_queries_per_pair_are_few(world: World) -> None:
    # Two worlds would share the database; measure the growth from 2 to 8 pairs in one.
    few, small = _approve(world, 2)
    many, large = _approve(world, 8)
    assert len(small) >= 2 and len(large) >= 8
    per_pair = (many - few) / (len(large) - len(small))
    # Was 22.7 a pair: the map draft read the pair, its catalogue, its library and the
    # competencies' areas again for every pair. Left per pair: the pair and its map
    # through the model (each with its audit entry), the kept figures' marks.
    assert per_pair <= 10, (few, many)


def _drafted(pair: Pair) -> list[tuple[object, ...]]:
    return [(r.direction, r.order, r.competency, r.title, r.current_level, r.target_level,
             r.task, r.deadline, r.template_id, tuple(sorted(r.resources.values_list(
                 "pk", flat=True))))
            for r in Row.objects.filter(map__pair=pair).order_by("direction", "order")]


@pytest.mark.django_db
def test_drafts_in_one_go_are_the_drafts_one_at_a_time(world: World) -> None:
    _queries, pairs = _approve(world, 4)
    together = {pair.pk: _drafted(pair) for pair in pairs}
    assert all(together.values())
    Map.objects.filter(pair__in=pairs).delete()
    for pair in pairs:
        map_draft(pair)
    assert {pair.pk: _drafted(pair) for pair in pairs} == together
    # A pair that has its map keeps it: drafting again changes nothing.
    maps = {m.pk for m in Map.objects.filter(pair__in=pairs)}
    assert {m.pk for m in map_drafts(pairs)} == maps
    assert {pair.pk: _drafted(pair) for pair in pairs} == together
