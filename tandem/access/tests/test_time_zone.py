"""Times are shown in the zone of the user's region (``Region.time_zone``, issue #16):
the middleware activates it for every request and lets it go afterwards. Anonymous
visitors and users without a region get the installation's ``TANDEM_TIME_ZONE``."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from tandem.access.middleware import TimeZoneMiddleware
from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import scope_for
from tandem.access.tests.personas import federal_operator
from tandem.accounts.models import User
from tandem.people.models import Participant
from tandem.territory.models import Region
from tandem.testing import (
    MunicipalityFactory,
    OrganizationFactory,
    ParticipantFactory,
    RegionFactory,
    UserFactory,
    World,
)

MOSCOW = "Europe/Moscow"  # UTC+3
AT = dt.datetime(2026, 12, 2, 10, 0, tzinfo=dt.UTC)  # 15:00 in Tyumen, 13:00 in Moscow


def test_the_default_zone_is_tyumens() -> None:
    assert django_settings.TANDEM_TIME_ZONE == "Asia/Yekaterinburg"
    assert "tandem.access.middleware.TimeZoneMiddleware" in django_settings.MIDDLEWARE


def _clock(request: HttpRequest) -> HttpResponse:
    return HttpResponse(timezone.localtime(AT).strftime("%H:%M"))


def _as(user: object) -> str:
    request = RequestFactory().get("/")
    request.user = user  # type: ignore[assignment]
    return TimeZoneMiddleware(_clock)(request).content.decode()


def test_an_anonymous_visitor_sees_the_installation_zone_only_during_the_request(
    settings: object,
) -> None:
    settings.TANDEM_TIME_ZONE = "Asia/Vladivostok"  # type: ignore[attr-defined]
    assert _as(AnonymousUser()) == "20:00"  # UTC+10
    assert timezone.get_current_timezone_name() == django_settings.TIME_ZONE


@pytest.fixture
def moscow(world: World) -> dict[str, object]:
    """A second region, in Moscow's zone: its operator Maria and a teacher Misha."""
    region = RegionFactory.create(name="Московская тестовая", code="msk", time_zone=MOSCOW)
    org = OrganizationFactory.create(municipality=MunicipalityFactory.create(region=region))
    maria, misha = UserFactory.create(username="maria"), UserFactory.create(username="misha")
    RoleAssignment.objects.create(user=maria, role=Role.REGION_OPERATOR, region=region)
    misha_p = ParticipantFactory.create(organization=org, surname="Мишин", user=misha)
    return {"region": region, "maria": maria, "misha": misha, "misha_p": misha_p}


def test_each_role_sees_its_regions_zone(world: World, moscow: dict[str, object]) -> None:
    assert world.region.time_zone == "Asia/Yekaterinburg"
    for user in (world.olga, world.erin, world.alice, world.bob):  # region, municipality,
        assert _as(User.objects.get(pk=user.pk)) == "15:00"  # organization, teacher
    for name in ("maria", "misha"):
        assert _as(User.objects.get(username=name)) == "13:00"


def test_users_without_a_region_see_the_installation_zone(db: None, settings: object) -> None:
    settings.TANDEM_TIME_ZONE = MOSCOW  # type: ignore[attr-defined]
    root = UserFactory.create(is_superuser=True)
    assert _as(User.objects.get(pk=federal_operator().pk)) == "13:00"
    assert _as(User.objects.get(pk=root.pk)) == "13:00"


def test_the_zone_costs_no_query_of_its_own(
    world: World, django_assert_num_queries: object
) -> None:
    """Read with the scope's own two queries, which every page makes anyway."""
    for user in (world.olga, world.bob):
        fresh = User.objects.get(pk=user.pk)
        with django_assert_num_queries(2):  # type: ignore[operator]
            assert scope_for(fresh).zone.key == "Asia/Yekaterinburg"
        with django_assert_num_queries(0):  # type: ignore[operator]
            assert _as(fresh) == "15:00"


def test_the_same_instant_in_the_audit_log_reads_in_each_regions_zone(
    client: Client, world: World, moscow: dict[str, object]
) -> None:
    """A change made at 10:00 UTC in each region: Tyumen's operator reads 15:00, Moscow's
    13:00 — each only their own region's entry; a field's old and new times too."""
    for person in (world.carol_p, moscow["misha_p"]):
        fresh = Participant.objects.get(pk=person.pk)  # type: ignore[attr-defined]
        fresh.position = "методист"
        fresh.save()
    LogEntry.objects.update(timestamp=AT)
    client.force_login(world.olga)
    olga_sees = client.get(reverse("audit:log")).content.decode()
    client.force_login(moscow["maria"])  # type: ignore[arg-type]
    maria_sees = client.get(reverse("audit:log")).content.decode()
    assert "Каролёва" in olga_sees and "02.12.2026 15:00" in olga_sees
    assert "Мишин" in maria_sees and "02.12.2026 13:00" in maria_sees
    assert "15:00" not in maria_sees and "Каролёва" not in maria_sees
    # The region's zone changes: so do the times its people read.
    Region.objects.filter(pk=world.region.pk).update(time_zone="Asia/Novosibirsk")
    client.force_login(world.olga)
    assert "02.12.2026 17:00" in client.get(reverse("audit:log")).content.decode()
