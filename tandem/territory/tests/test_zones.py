"""Each region has its own time zone (issue #16): an IANA name checked against zoneinfo,
the installation's zone by default; a unit and a participant are in their region's."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tandem.maps.documents import ics
from tandem.maps.models import Meeting
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.territory import zones
from tandem.territory.models import Municipality, Organization, Region
from tandem.testing import RegionFactory, World

MOSCOW = "Europe/Moscow"  # UTC+3
TYUMEN = "Asia/Yekaterinburg"  # UTC+5


def test_a_new_region_takes_the_installation_zone(db: None, settings: object) -> None:
    settings.TANDEM_TIME_ZONE = "Asia/Vladivostok"  # type: ignore[attr-defined]
    assert RegionFactory.create().time_zone == "Asia/Vladivostok"


@pytest.mark.parametrize(
    "bad", ["UTC+3", "Москва", "Europe/Mordor", "../etc/passwd", "europe/moscow"]
)
def test_a_name_that_is_no_zone_is_refused_in_russian(db: None, bad: str) -> None:
    region = Region(name="Область", code="oblast", time_zone=bad)
    with pytest.raises(ValidationError) as refused:
        region.full_clean()
    [message] = refused.value.message_dict["time_zone"]
    assert message.startswith(f"Часовой пояс «{bad}» не найден. Укажите имя")


def test_the_operator_sets_the_zone_and_a_bad_one_is_refused(client: Client, world: World) -> None:
    client.force_login(world.olga)
    url = reverse("territory:region_edit", kwargs={"pk": world.region.pk})
    page = client.get(url).content.decode()
    assert "Москва (UTC+3)" in page and "Екатеринбург, Тюмень (UTC+5)" in page
    html = client.post(url, {"time_zone": "UTC+3"}).content.decode()
    assert "Выберите часовой пояс из списка." in html
    assert "Выберите часовой пояс." in client.post(url, {"time_zone": ""}).content.decode()
    world.region.refresh_from_db()
    assert world.region.time_zone == TYUMEN
    assert client.post(url, {"time_zone": MOSCOW}).status_code == 302
    world.region.refresh_from_db()
    assert world.region.time_zone == MOSCOW
    tree = client.get(reverse("territory:tree")).content.decode()
    assert "Часовой пояс: Москва (UTC+3)" in tree and url in tree


def test_zones_read_as_people_call_them(settings: object) -> None:
    assert zones.label("Asia/Yekaterinburg") == "Екатеринбург, Тюмень (UTC+5)"
    assert zones.label("Asia/Kolkata") == "Asia/Kolkata (UTC+5:30)"
    assert zones.label("America/St_Johns").startswith("America/St_Johns (UTC−")
    assert all(zones.is_known(name) for name in zones.RUSSIAN_ZONES)
    # A region's zone outside Russia's list (set in the admin) stays choosable.
    assert ("Asia/Tokyo", "Asia/Tokyo (UTC+9)") in zones.choices("Asia/Tokyo")
    assert len(zones.choices(MOSCOW)) == len(zones.RUSSIAN_ZONES)


def test_units_and_participants_are_in_their_regions_zone(world: World) -> None:
    Region.objects.filter(pk=world.region.pk).update(time_zone=MOSCOW)
    org = Organization.objects.select_related("municipality__region").get(pk=world.org_a.pk)
    moscow = zoneinfo.ZoneInfo(MOSCOW)
    assert zones.unit_zone(org) == moscow
    assert zones.unit_zone(Municipality.objects.get(pk=world.municipality_a.pk)) == moscow
    assert zones.unit_zone(Region.objects.get(pk=world.region.pk)) == moscow
    assert zones.participant_zone(Participant.objects.get(pk=world.bob_p.pk)) == moscow


def test_no_name_or_a_stale_name_falls_back_to_the_installation_zone(settings: object) -> None:
    settings.TANDEM_TIME_ZONE = TYUMEN  # type: ignore[attr-defined]
    assert zones.zone_named(None) == zoneinfo.ZoneInfo(TYUMEN)
    assert zones.zone_named("Europe/Mordor") == zoneinfo.ZoneInfo(TYUMEN)
    assert zones.unit_zone(None) == zoneinfo.ZoneInfo(TYUMEN)


def _pair_in(zone: str) -> Pair:
    """An unsaved pair of an organization in a region of ``zone`` (enough for .ics)."""
    region = Region(name="Область", code="oblast", time_zone=zone)
    org = Organization(municipality=Municipality(region=region, name="Город"), name="Школа")
    a = Participant(surname="Аверина", name="Анна", patronymic="Ивановна", organization=org)
    b = Participant(surname="Борисов", name="Борис", patronymic="Ильич", organization=org)
    return Pair(pk=1, a=a, b=b, organization=org)


def _dtstart(calendar: str) -> dt.datetime:
    [line] = [x for x in calendar.split("\r\n") if x.startswith("DTSTART:")]
    return dt.datetime.strptime(line, "DTSTART:%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)


def test_the_same_wall_clock_is_a_different_instant_in_two_regions() -> None:
    def start(zone: str) -> dt.datetime:
        pair = _pair_in(zone)
        meeting = Meeting(
            pk=7,
            pair=pair,
            date=dt.date(2026, 12, 10),
            time=dt.time(16, 30),
            topic="План",
            duration_minutes=60,
        )
        return _dtstart(ics(pair, [meeting], host="tandem.example"))

    assert start(TYUMEN) == dt.datetime(2026, 12, 10, 11, 30, tzinfo=dt.UTC)
    assert start(MOSCOW) == dt.datetime(2026, 12, 10, 13, 30, tzinfo=dt.UTC)


@given(
    zone=st.sampled_from(sorted(zoneinfo.available_timezones())),
    day=st.dates(dt.date(2026, 1, 1), dt.date(2035, 12, 31)),
    minute=st.integers(9 * 60, 18 * 60),
)
def test_any_zone_puts_the_meeting_at_its_own_wall_clock(
    zone: str, day: dt.date, minute: int
) -> None:
    """Whatever the region's zone, the .ics instant read back in that zone is the wall
    clock the pair wrote (working hours: no zone changes its clocks then)."""
    zones.validate_time_zone(zone)
    at = dt.time(minute // 60, minute % 60)
    pair = _pair_in(zone)
    meeting = Meeting(pk=7, pair=pair, date=day, time=at, topic="Встреча", duration_minutes=45)
    local = _dtstart(ics(pair, [meeting], host="tandem.example")).astimezone(
        zoneinfo.ZoneInfo(zone)
    )
    assert (local.date(), local.time()) == (day, at)
