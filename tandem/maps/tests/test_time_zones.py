"""A pair's meetings are on its region's wall clock (issue #16): the same «16:30» is a
different instant in Tyumen (UTC+5) and in Moscow (UTC+3), and the .ics says which."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.maps.documents import map_data
from tandem.maps.models import Map
from tandem.pairs.models import Pair
from tandem.territory.models import Region
from tandem.testing import World, build_map, build_resources


@pytest.fixture
def pair(world: World) -> Pair:
    build_resources(world)
    return build_map(world)  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("zone", "utc"), [("Asia/Yekaterinburg", "113000"), ("Europe/Moscow", "133000")]
)
def test_the_calendar_carries_the_instant_of_the_pairs_region(
    client: Client, world: World, pair: Pair, zone: str, utc: str
) -> None:
    Region.objects.filter(pk=world.region.pk).update(time_zone=zone)
    client.force_login(world.bob)
    client.post(
        reverse("maps:meeting_add", kwargs={"pair_pk": pair.pk}),
        {
            "date": "2026-12-10",
            "time": "16:30",
            "format": "online",
            "topic": "План",
            "duration_minutes": 60,
            "planned": "on",
        },
    )
    ics = client.get(reverse("maps:calendar", kwargs={"pair_pk": pair.pk})).content.decode()
    assert f"DTSTART:20261210T{utc}Z" in ics
    # The map page shows the meeting as written: the pair's own wall clock.
    page = client.get(reverse("maps:detail", kwargs={"pair_pk": pair.pk})).content.decode()
    assert "16:30" in page


def test_the_map_document_dates_its_approval_in_the_pairs_region(world: World, pair: Pair) -> None:
    # Approved at 20:30 UTC on 1 December: still that day in Moscow, the 2nd in Tyumen.
    Map.objects.filter(pair=pair).update(
        approved_at=dt.datetime(2026, 12, 1, 20, 30, tzinfo=dt.UTC)
    )
    the_map = Map.objects.get(pair=pair)
    with timezone.override("Asia/Vladivostok"):  # whoever downloads it, wherever
        assert map_data(the_map).approved_on == dt.date(2026, 12, 2)
        Region.objects.filter(pk=world.region.pk).update(time_zone="Europe/Moscow")
        assert map_data(Map.objects.get(pair=pair)).approved_on == dt.date(2026, 12, 1)
