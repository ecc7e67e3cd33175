"""Issue #16, item 1: no leak between regions, in either direction. A demo country of two
regions (their people's e-mails are @example.org and @r2.example.org); each region's
operator, a curator and a teacher open every list page and API list of theirs, and the
other region's people, e-mails and units never appear, nor its own competencies (the
framework page and API among them). The federal operator's pages name nobody at all."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from tandem.access.tests.personas import federal_operator
from tandem.accounts.models import User
from tandem.diagnostics.models import Competency, CompetencyArea, regional_code_prefix
from tandem.people.models import Participant
from tandem.territory.models import Region

PAGES = ["/", "/participants/", "/participants/?q=а", "/organizations/", "/pairs/",
         "/pairs/formation/", "/diagnostics/", "/monitoring/", "/resources/", "/audit/",
         "/school/", "/notifications/", "/diagnostics/framework/", "/resources/new/",
         "/maps/library/"]
API = ["/api/v1/framework/", "/api/v1/regions/", "/api/v1/municipalities/",
       "/api/v1/organizations/", "/api/v1/participants/", "/api/v1/campaigns/",
       "/api/v1/pairs/", "/api/v1/maps/",
       "/api/v1/monitoring/pairs/", "/api/v1/monitoring/summary/"]


@pytest.fixture
def country(db: None) -> None:
    call_command("seed-demo", "--regions", "2", "--participants", "100",
                 stdout=StringIO(), stderr=StringIO())


def _bodies(client: Client, urls: list[str]) -> dict[str, str]:
    bodies = {}
    for url in urls:
        response = client.get(url, follow=True)  # a teacher's list leads to their own card
        assert response.status_code in (200, 401, 403, 404), (url, response.status_code)
        if response.status_code == 200:
            bodies[url] = response.content.decode()
    return bodies


def _own_competency(region: Region) -> Competency:
    """A competency of the region's own (#16 item 1): nobody outside it may see it."""
    return Competency.objects.create(
        area=CompetencyArea.objects.get(code="subject"), region=region,
        code=regional_code_prefix(region) + "local", name=f"Своя компетенция «{region.code}»",
        description="о родном крае", descriptor_0="0", descriptor_1="1", descriptor_2="2",
        descriptor_3="3")


def _secrets_of(region: Region) -> set[str]:
    """What names a region's people: their e-mails, the region's and its units' codes, and
    the region's own competencies."""
    people = Participant.objects.filter(organization__municipality__region=region)
    competencies = Competency.objects.filter(region=region)
    return {*people.values_list("email", flat=True), region.name,
            *competencies.values_list("name", flat=True),
            *competencies.values_list("code", flat=True)}


LOGINS = ["region", "coord-prirechensk", "curator-orbita", "teacher-young"]


def test_nobody_sees_the_other_regions_people(client: Client, country: None) -> None:
    """Every login of each region, in both directions (one demo country for all)."""
    first, second = Region.objects.get(code="demo"), Region.objects.get(code="demo-r2")
    competency = {region: _own_competency(region) for region in (first, second)}
    for suffix, mine, other in (("", first, second), ("-r2", second, first)):
        secrets, own = _secrets_of(other), list(_secrets_of(mine))[:200]
        for login in LOGINS:
            client.force_login(User.objects.get(username=login + suffix))
            bodies = _bodies(client, PAGES + API)
            assert bodies, f"every page refused {login + suffix}: nothing proved"
            for url, body in bodies.items():
                leaked = sorted(s for s in secrets if s in body)
                assert not leaked, f"{login + suffix} sees {leaked[:3]} on {url}"
            # Their own region is there (the check above is not vacuous).
            if login != "teacher-young":
                assert any(e in body for body in bodies.values() for e in own), login
            # Their region's own competency is shown them (on the framework page and API).
            assert competency[mine].code in bodies["/api/v1/framework/"], login


def test_the_federal_operator_sees_no_person_of_any_region(client: Client,
                                                           country: None) -> None:
    client.force_login(federal_operator())
    emails = set(Participant.objects.values_list("email", flat=True))
    for url, body in _bodies(client, PAGES + API).items():
        assert not [e for e in emails if e in body], url
