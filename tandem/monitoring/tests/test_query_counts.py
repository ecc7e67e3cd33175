"""The dashboards and their charts issue the same number of SQL queries whatever the data
size: computed (empty cache) and served from the cache."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.maps.models import Map, Meeting, Row
from tandem.pairs.models import Pair
from tandem.surveys import tallies as survey_cells
from tandem.surveys.models import Survey
from tandem.testing import World, build_diagnostics, bulk_participants, bulk_responses


def _count(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _grow(world: World, people: int) -> None:
    """``people`` more participants in each of A and B, all with a submitted questionnaire,
    a third of them in pairs with a map row and a meeting."""
    assert world.diag is not None
    for org, campaign in ((world.org_a, world.diag.campaign_a),
                          (world.org_b, world.diag.campaign_b)):
        fresh = list(bulk_participants(org, people).order_by("-pk")[:people])
        bulk_responses(campaign, org.participants.all())
        pairs = Pair.objects.bulk_create([
            Pair(a=fresh[i], b=fresh[i + 1], organization=org, status=Pair.Status.ACTIVE,
                 starts_on=dt.date(2026, 10, 1), ends_on=dt.date(2027, 5, 31))
            for i in range(0, people // 3 * 2, 2)])
        maps = Map.objects.bulk_create([Map(pair=p) for p in pairs])
        Row.objects.bulk_create([Row(
            map=m, direction="ab", competency="ict.ai_lessons", title="Задача",
            current_level=0, target_level=2, partner_level=3, task="Задача",
            deadline=dt.date(2026, 12, 1), product="Продукт", evidence="Показ")
            for m in maps])
        Meeting.objects.bulk_create([Meeting(pair=p, date=dt.date(2026, 10, 15),
                                             topic="Встреча") for p in pairs])
        # Both of each pair answered the mid-term survey: the satisfaction cards read
        # their organization's kept cells (tandem/surveys/tallies.py), not these rows.
        Survey.objects.bulk_create([Survey(
            pair=p, participant_id=who, stage=Survey.Stage.MID, due_on=dt.date(2027, 1, 15),
            submitted_at=timezone.now(), mentee_benefit=8, mentee_support=7,
            mentor_satisfaction=9, mentor_engagement=8, recommend=9)
            for p in pairs for who in (p.a_id, p.b_id)])
        survey_cells.rebuild([org.pk])


URLS = [reverse("monitoring:index"), reverse("monitoring:chart", args=["deficits", "svg"])]
# Queries of the computed page. The curator (alice) teaches too: her dashboard is
# computed in her units alone (Scope.units), her own pairs not read (29 before).
COMPUTED = {"olga": 28, "erin": 26, "alice": 28}


@pytest.mark.parametrize("persona", ["olga", "erin", "alice"])
def test_dashboard_query_count_does_not_grow(client: Client, world: World,
                                             persona: str) -> None:
    build_diagnostics(world)
    client.force_login(getattr(world, persona))
    _grow(world, 10)  # about 20 participants in all
    cache.clear()
    small_cold = [_count(client, url) for url in URLS]
    small_warm = [_count(client, url) for url in URLS]
    # The page computed (the unit's kept pair sums and its zones are one statement,
    # tallies.dated_summary; the region reads its municipalities' sums) and read from
    # the cache; the deficits chart from the entry.
    assert small_cold == [COMPUTED[persona], 7]
    assert small_warm == [8, 7]
    _grow(world, 1000)  # about 2,000
    cache.clear()
    assert [_count(client, url) for url in URLS] == small_cold
    assert [_count(client, url) for url in URLS] == small_warm
    assert small_warm[0] < small_cold[0]  # the cache saves the aggregates


@pytest.mark.slow
def test_region_dashboard_query_count_is_the_same_at_2000_and_30000(
        client: Client, world: World) -> None:
    """The issue's two sizes: ~2,000 participants with questionnaires and pairs, then
    30,000 (the other 28,000 without questionnaires: the count of queries does not depend
    on how many answers there are, and 1.1 M answer rows would make a slow test)."""
    build_diagnostics(world)
    client.force_login(world.olga)
    _grow(world, 1000)
    cache.clear()
    cold = [_count(client, url) for url in URLS]
    warm = [_count(client, url) for url in URLS]
    for org in (world.org_a, world.org_b):
        bulk_participants(org, 14_000)
    from tandem.people.models import Participant

    assert Participant.objects.count() >= 30_000
    cache.clear()
    assert [_count(client, url) for url in URLS] == cold
    assert [_count(client, url) for url in URLS] == warm
