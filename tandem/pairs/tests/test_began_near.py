"""«Карта не согласована» read by the index ``pair_began`` (issue #16): the day a pair
began working in UTC (``BEGAN_NEAR``) is a day at most from the day in the active zone, so
the rule said with it too, and its first few found by that index
(``PairQuerySet.first_began``), are exactly the rule and the sorted list of before — on any
starts, confirmations near midnight, maps, zones from UTC−12 to UTC+14, days and limits."""

import datetime as dt
import zoneinfo

from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core import attention
from tandem.maps.models import Map
from tandem.pairs.models import Pair
from tandem.reminders.selectors import maps_not_agreed
from tandem.testing import ParticipantFactory, World

START = dt.date(2026, 9, 1)
ZONES = ["Etc/GMT+12", "America/Los_Angeles", "UTC", "Europe/Kaliningrad",
         "Asia/Yekaterinburg", "Asia/Kamchatka", "Pacific/Kiritimati"]
MAPS: list[str | None] = [None, Map.Status.DRAFT, Map.Status.AGREED, Map.Status.IN_PROGRESS]

PAIRS = st.lists(st.tuples(
    st.integers(min_value=0, max_value=6),  # start (few values: ties)
    st.sampled_from(["none", "one", "both"]),  # confirmations recorded
    st.integers(min_value=-2, max_value=8),  # the later confirmation's day from the start
    st.integers(min_value=-14 * 60, max_value=14 * 60),  # its minute from midnight UTC
    st.integers(min_value=0, max_value=3),  # the earlier one, days before it
    st.sampled_from(MAPS),
    st.sampled_from(["approved", "active", "active", "completed"]),
), max_size=9)


def _create(world: World, specs: list[tuple[int, str, int, int, int, str | None, str]]
            ) -> list[Pair]:
    people = [ParticipantFactory.create(organization=world.org_a) for _ in range(2 * len(specs))]
    pairs = []
    for i, (start, confirmed, day, minute, earlier, map_status, status) in enumerate(specs):
        starts_on = START + dt.timedelta(days=start)
        later = (dt.datetime.combine(starts_on + dt.timedelta(days=day), dt.time(),
                                     tzinfo=dt.UTC) + dt.timedelta(minutes=minute))
        first = later - dt.timedelta(days=earlier, minutes=7 * earlier)
        pair = Pair.objects.create(
            a=people[2 * i], b=people[2 * i + 1], organization=world.org_a,
            starts_on=starts_on, ends_on=dt.date(2027, 5, 31), status=status,
            a_confirmed_at=first if confirmed != "none" else None,
            b_confirmed_at=later if confirmed == "both" else None)
        if map_status is not None:
            Map.objects.create(pair=pair, status=map_status)
        pairs.append(pair)
    return pairs


def _began_on(pair: Pair) -> dt.date:
    """The core rule's day, the confirmation's date read in the active zone."""
    confirmed = (max(timezone.localdate(pair.a_confirmed_at),
                     timezone.localdate(pair.b_confirmed_at))
                 if pair.a_confirmed_at and pair.b_confirmed_at else None)
    return attention.work_began_on(pair.starts_on, confirmed)


@given(specs=PAIRS, zone=st.sampled_from(ZONES),
       as_of=st.integers(min_value=0, max_value=25), days=st.integers(min_value=0, max_value=9),
       limit=st.integers(min_value=1, max_value=5))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_first_maps_not_agreed_by_the_index_are_the_sorted_list_s(
        world: World, specs: list[tuple[int, str, int, int, int, str | None, str]], zone: str,
        as_of: int, days: int, limit: int) -> None:
    Map.objects.filter(pair__isnull=False).delete()  # before their pairs: the trail names them
    Pair.objects.all().delete()
    pairs = _create(world, specs)
    day = START + dt.timedelta(days=as_of)
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        maps = dict(Map.objects.filter(pair__in=pairs).values_list("pair_id", "status"))
        rule = sorted((_began_on(p), p.pk) for p in pairs
                      if p.status in attention.RUNNING and attention.map_not_agreed(
                          agreed=maps.get(p.pk, Map.Status.DRAFT) != Map.Status.DRAFT,
                          began_on=_began_on(p), as_of=day, days=days))
        qs = Pair.objects.map_not_agreed(day, days).select_related("a", "b")
        # The rule, with its ``began_near`` bound, is the core rule's.
        assert sorted((p.began_on, p.pk) for p in qs) == rule
        # The sorted list cut at the limit (before) = the index's first few (now).
        before = [(p.pk, p.began_on) for p in qs.order_by("began_on", "pk")[:limit]]
        assert [(p.pk, p.began_on) for p in qs.first_began(limit)] == before
        assert before == [(pk, began) for began, pk in rule[:limit]]
        # The overview's reminders (the setting's days) show the same first few, with
        # the day each began working.
        setting = Pair.objects.map_not_agreed(day)
        listed = [(e.object_id, e.event_on) for e in maps_not_agreed(today=day, limit=limit)]
        assert listed == [(p.pk, p.began_on) for p in setting.order_by("began_on", "pk")[:limit]]


def test_a_pair_confirmed_after_midnight_utc_is_not_left_out_west_of_it(world: World) -> None:
    """Worked example: at UTC−12 a pair confirmed at 06:00 UTC on 2 September began working
    on 1 September — the day of a pair that was never confirmed and starts then, found
    first by the index (its UTC day is 1 September, the other's 2 September). The two tie
    on the day, and the confirmed one, created first, comes first: without the margin after
    the index's last day it would be left out."""
    people = [ParticipantFactory.create(organization=world.org_a) for _ in range(4)]
    confirmed = dt.datetime(2026, 9, 2, 6, tzinfo=dt.UTC)
    late = Pair.objects.create(a=people[0], b=people[1], organization=world.org_a,
                               starts_on=dt.date(2026, 8, 20), ends_on=dt.date(2027, 5, 31),
                               status="active", a_confirmed_at=confirmed,
                               b_confirmed_at=confirmed)
    never = Pair.objects.create(a=people[2], b=people[3], organization=world.org_a,
                                starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 5, 31),
                                status="approved")
    with timezone.override(zoneinfo.ZoneInfo("Etc/GMT+12")):
        qs = Pair.objects.map_not_agreed(dt.date(2026, 9, 30), days=14)
        assert [(p.pk, p.began_on) for p in qs.first_began(1)] == [
            (late.pk, dt.date(2026, 9, 1))]
        assert [p.pk for p in qs.first_began(2)] == [late.pk, never.pk]
        assert [e.object_id for e in maps_not_agreed(today=dt.date(2026, 9, 30), limit=1)] \
            == [late.pk]
