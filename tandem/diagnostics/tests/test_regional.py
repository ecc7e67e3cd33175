"""#16 item 1: regional competencies. The federal operator owns the federal framework; a
region operator adds, changes and retires their region's own competencies — never a
federal one nor another region's. A region's people are diagnosed on the federal
framework and their region's competencies; another region never sees them."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import scope_for
from tandem.access.tests.personas import federal_operator
from tandem.accounts.models import User
from tandem.diagnostics import selectors
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.forms import CODE_TAKEN, FEDERAL_CODE, REGIONAL_CODE
from tandem.diagnostics.models import Campaign, Competency, CompetencyArea, FrameworkVersion
from tandem.diagnostics.services import framework_publish
from tandem.resources.forms import OTHER_REGIONS_COMPETENCY, ResourceForm
from tandem.resources.models import Resource
from tandem.resources.selectors import import_catalogue
from tandem.testing import (
    MunicipalityFactory,
    OrganizationFactory,
    ParticipantFactory,
    RegionFactory,
    UserFactory,
    World,
)
from tandem.training.selectors import competencies_active

LOCAL = "test:local_history"  # World's region has the code «test»
LOCAL_NAME = "Краеведение на занятиях"


class Other:
    """Region B: its operator Rita, an organization and a teacher, Vasya."""

    def __init__(self) -> None:
        self.region = RegionFactory.create(name="Соседняя область", code="other")
        municipality = MunicipalityFactory.create(region=self.region)
        self.organization = OrganizationFactory.create(municipality=municipality)
        self.rita = UserFactory.create(username="rita")
        RoleAssignment.objects.create(user=self.rita, role=Role.REGION_OPERATOR,
                                      region=self.region)
        self.vasya = UserFactory.create(username="vasya")
        self.vasya_p = ParticipantFactory.create(
            organization=self.organization, user=self.vasya, surname="Васин", name="Василий",
            email="vasya@r2.example.org")


@pytest.fixture
def other(world: World) -> Other:
    return Other()


def _data(**changes: Any) -> dict[str, Any]:
    area = CompetencyArea.objects.get(code="subject")
    data = {"area": area.pk, "code": LOCAL, "name": LOCAL_NAME,
            "description": "Материалы о родном крае в занятиях.", "descriptor_0": "нет",
            "descriptor_1": "с помощью", "descriptor_2": "сам", "descriptor_3": "учу других",
            "typical_direction": "both", "order": "0", "is_active": "on"}
    return data | changes


def _add_local(client: Client, world: World) -> Competency:
    ensure_default_framework()
    client.force_login(world.olga)
    response = client.post(reverse("diagnostics:competency_create"),
                           _data(owner=str(world.region.pk)))
    assert response.status_code == 302, response.context["form"].errors
    return Competency.objects.get(code=LOCAL)


def _framework_page(client: Client, user: User) -> str:
    client.force_login(user)
    response = client.get(reverse("diagnostics:framework"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_region_operator_adds_their_regions_competency(client: Client, world: World,
                                                         other: Other) -> None:
    local = _add_local(client, world)
    assert local.region == world.region
    edit = reverse("diagnostics:competency_edit", kwargs={"pk": local.pk})
    page = _framework_page(client, world.olga)
    assert LOCAL_NAME in page and edit in page
    # The region's staff read it; nobody else does, nor may anyone else change it.
    assert LOCAL_NAME in _framework_page(client, world.alice)
    assert edit not in _framework_page(client, world.alice)
    for outsider in (other.rita, federal_operator()):
        assert LOCAL_NAME not in _framework_page(client, outsider)
        assert client.get(edit).status_code == 404
        assert client.post(edit, _data(name="Чужая правка")).status_code == 404
    local.refresh_from_db()
    assert local.name == LOCAL_NAME


def test_a_region_operator_edits_and_retires_their_own(client: Client, world: World) -> None:
    local = _add_local(client, world)
    edit = reverse("diagnostics:competency_edit", kwargs={"pk": local.pk})
    assert client.post(edit, _data(name="Краеведение", is_active="")).status_code == 302
    local.refresh_from_db()
    assert (local.name, local.is_active, local.region_id) == ("Краеведение", False,
                                                             world.region.pk)
    # Whose it is never changes, whatever the form says.
    client.post(edit, _data(owner="federal", is_active="on"))
    local.refresh_from_db()
    assert local.region_id == world.region.pk


def test_a_region_operator_changes_no_federal_competency(client: Client, world: World) -> None:
    ensure_default_framework()
    federal = Competency.objects.get(code="ict.ai_lessons")
    client.force_login(world.olga)
    edit = reverse("diagnostics:competency_edit", kwargs={"pk": federal.pk})
    assert client.get(edit).status_code == 404
    assert client.post(edit, _data(code=federal.code, name="Своё имя")).status_code == 404
    refused = client.post(reverse("diagnostics:competency_create"),
                          _data(owner="federal", code="ict.mine"))
    assert "owner" in refused.context["form"].errors
    assert not Competency.objects.filter(code="ict.mine").exists()
    assert Competency.objects.get(pk=federal.pk).name != "Своё имя"


def test_regional_and_federal_codes_never_collide(client: Client, world: World,
                                                  other: Other) -> None:
    ensure_default_framework()
    client.force_login(world.olga)
    url = reverse("diagnostics:competency_create")
    for code in ("local_history", "other:local_history", "test:", "test:Краеведение"):
        form = client.post(url, _data(owner=str(world.region.pk), code=code)).context["form"]
        assert form.errors["code"] == [REGIONAL_CODE % {"prefix": "test:"}], code
    _add_local(client, world)
    form = client.post(url, _data(owner=str(world.region.pk))).context["form"]
    assert form.errors["code"] == [str(CODE_TAKEN)]
    client.force_login(federal_operator())
    form = client.post(url, _data(owner="federal", code="test:history")).context["form"]
    assert form.errors["code"] == [str(FEDERAL_CODE)]
    client.force_login(other.rita)  # her own prefix; she may not add to region A
    form = client.post(url, _data(owner=str(world.region.pk), code="test:x")).context["form"]
    assert "owner" in form.errors
    assert client.post(url, _data(owner=str(other.region.pk),
                                  code="other:local_history")).status_code == 302
    assert Competency.objects.filter(region=other.region).count() == 1


def _create_campaign(client: Client, user: User, unit: str, title: str) -> Campaign:
    client.force_login(user)
    response = client.post(reverse("diagnostics:campaign_create"), {
        "title": title, "kind": "initial", "unit": unit, "starts_on": "2027-01-10",
        "ends_on": "2027-01-31"})
    assert response.status_code == 302, response.context["form"].errors
    return Campaign.objects.get(title=title)


def test_a_regions_campaign_asks_about_its_competencies_and_no_other_region_does(
        client: Client, world: World, other: Other) -> None:
    _add_local(client, world)
    federal = FrameworkVersion.objects.current()
    assert federal is not None and LOCAL not in federal.codes()
    mine = _create_campaign(client, world.olga, f"o:{world.org_a.pk}", "Входная А")
    theirs = _create_campaign(client, other.rita, f"r:{other.region.pk}", "Входная Б")

    assert mine.framework.region == world.region
    # At the end of its area («subject», the last one).
    assert mine.framework.codes() == [*federal.codes(), LOCAL]
    assert mine.framework.area_of()[LOCAL] == "subject"
    assert theirs.framework == federal  # region B has none of its own
    # The questionnaire asks about it, and answers to it are taken.
    client.force_login(world.bob)
    bob_r = mine.responses.get(participant=world.bob_p)
    page = client.get(reverse("diagnostics:questionnaire", kwargs={"pk": bob_r.pk}))
    assert LOCAL_NAME in page.content.decode()
    assert page.content.decode().count("компетенция региона") == 1
    client.post(reverse("diagnostics:autosave", kwargs={"pk": bob_r.pk}),
                {"code": LOCAL, f"level-{LOCAL}": "2"})
    assert bob_r.answers.get(competency=LOCAL).level == 2
    client.force_login(other.vasya)
    vasya_r = theirs.responses.get(participant=other.vasya_p)
    page = client.get(reverse("diagnostics:questionnaire", kwargs={"pk": vasya_r.pk}))
    assert page.status_code == 200 and LOCAL_NAME not in page.content.decode()
    refused = client.post(reverse("diagnostics:autosave", kwargs={"pk": vasya_r.pk}),
                          {"code": LOCAL, f"level-{LOCAL}": "2"})
    assert refused.status_code == 422 and not vasya_r.answers.exists()


def test_the_regional_version_is_reused_until_either_part_changes(client: Client,
                                                                  world: World) -> None:
    local = _add_local(client, world)
    first = _create_campaign(client, world.olga, f"o:{world.org_a.pk}", "Первая")
    second = _create_campaign(client, world.olga, f"m:{world.municipality_b.pk}", "Вторая")
    assert first.framework == second.framework
    # The region's edit reaches its next campaign at once; the earlier ones keep theirs.
    client.post(reverse("diagnostics:competency_edit", kwargs={"pk": local.pk}),
                _data(name="Краеведение"))
    third = _create_campaign(client, world.olga, f"o:{world.org_a.pk}", "Третья")
    names = {c["code"]: c["name"] for c in third.framework.competencies()}
    assert third.framework != first.framework and names[LOCAL] == "Краеведение"
    first.refresh_from_db()
    assert {c["code"]: c["name"] for c in first.framework.competencies()}[LOCAL] == LOCAL_NAME
    # A new federal version: the region's next campaign takes it, with its own added.
    published = framework_publish(note="новая", user=None)
    fourth = _create_campaign(client, world.olga, f"o:{world.org_a.pk}", "Четвёртая")
    assert fourth.framework.region == world.region
    assert fourth.framework.number > published.number
    assert FrameworkVersion.objects.current() == published
    # Retired: the region's campaigns go back to the federal version.
    client.post(reverse("diagnostics:competency_edit", kwargs={"pk": local.pk}),
                _data(is_active=""))
    fifth = _create_campaign(client, world.olga, f"o:{world.org_a.pk}", "Пятая")
    assert fifth.framework == published


def test_publishing_the_federal_framework_leaves_regional_competencies_out(
        client: Client, world: World) -> None:
    _add_local(client, world)
    version = framework_publish(note="правка", user=None)
    assert version.region is None and LOCAL not in version.codes()
    assert FrameworkVersion.objects.current() == version


def test_the_api_shows_a_region_its_own_competencies_only(client: Client, world: World,
                                                          other: Other) -> None:
    _add_local(client, world)
    url = reverse("api:framework")
    for user in (world.bob, world.olga, world.alice):
        client.force_login(user)
        body = client.get(url).json()
        codes = [c["code"] for a in body["areas"] for c in a["competencies"]]
        assert LOCAL in codes and body["region"] == world.region.pk
    for user in (other.vasya, other.rita, federal_operator()):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200 and LOCAL not in response.content.decode()
    client.force_login(other.rita)
    assert client.get(url, {"region": world.region.pk}).status_code == 404


def test_resources_name_federal_and_their_own_regions_competencies_only(
        world: World, other: Other, client: Client) -> None:
    local = _add_local(client, world)
    rita = scope_for(other.rita)
    form = ResourceForm(scope=rita)
    offered = set(form.fields["competencies"].queryset.values_list("code", flat=True))  # type: ignore[attr-defined]
    assert LOCAL not in offered and "ict.ai_lessons" in offered
    assert LOCAL in set(ResourceForm(scope=scope_for(world.olga)).fields[
        "competencies"].queryset.values_list("code", flat=True))  # type: ignore[attr-defined]
    # The superuser may pick any, but a resource of region B never names A's own.
    root = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    form = ResourceForm({"title": "Курс", "kind": "course", "level": "region",
                         "format": "online", "owner": f"r:{other.region.pk}",
                         "competencies": [str(local.pk)], "is_active": "on"},
                        scope=scope_for(root))
    assert form.errors["competencies"] == [
        str(OTHER_REGIONS_COMPETENCY) % {"names": LOCAL_NAME}]
    catalogue = import_catalogue(owner=other.region, titles=set())
    assert LOCAL not in catalogue.competencies
    assert LOCAL in import_catalogue(owner=world.org_a, titles=set()).competencies
    # Task library and training cases: the same rule.
    assert LOCAL not in dict(selectors.competency_choices(region_ids=[other.region.pk]))
    assert LOCAL in dict(selectors.competency_choices(region_ids=[world.region.pk]))
    assert local not in competencies_active(region_id=other.region.pk)


def test_a_region_operator_changes_no_other_regions_resource(client: Client, world: World,
                                                             other: Other) -> None:
    """Resources were owned per unit already: each level keeps its own, and the regional
    and «federal»-level resources of region A are its operator's alone."""
    ensure_default_framework()
    for level in ("region", "federal"):
        resource = Resource.objects.create(title=f"Курс А {level}", kind="course", level=level,
                                           region=world.region)
        client.force_login(other.rita)
        edit = reverse("resources:edit", kwargs={"pk": resource.pk})
        assert client.get(edit).status_code == 404
        assert client.post(edit, {"title": "Чужое", "kind": "course", "level": level,
                                  "format": "online", "owner": f"r:{other.region.pk}"}
                           ).status_code == 404
        assert client.get(reverse("resources:detail", kwargs={"pk": resource.pk})
                          ).status_code == 404
        resource.refresh_from_db()
        assert resource.title == f"Курс А {level}" and resource.region == world.region



def _framework_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("diagnostics:framework"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_framework_page_queries_do_not_grow_with_regional_competencies(
        client: Client, world: World) -> None:
    local = _add_local(client, world)

    def grow(first: int, n: int) -> None:
        Competency.objects.bulk_create([Competency(
            area=local.area, region=world.region, code=f"test:extra_{i}", name=f"Своя {i}",
            description="-", descriptor_0="0", descriptor_1="1", descriptor_2="2",
            descriptor_3="3") for i in range(first, first + n)])

    grow(0, 2)
    few = _framework_queries(client)
    grow(2, 40)
    assert _framework_queries(client) == few


def test_a_regional_code_is_in_its_competencys_area(client: Client, world: World) -> None:
    """Map drafts and the technologies by area ask the competency for its area: a regional
    code («test:…») does not name one before a dot as federal codes do."""
    _add_local(client, world)
    assert selectors.areas_of([LOCAL, "ict.ai_lessons", "gone.code"]) == {
        LOCAL: "subject", "ict.ai_lessons": "ict", "gone.code": "gone"}


def test_the_dashboard_counts_a_regional_competency_in_its_area(client: Client,
                                                                 world: World) -> None:
    """Alice's, Bob's and Carol's only answer is a deficit in the region's own competency
    (three people: the release rule publishes it): the region's «subject» area shows it
    (the dashboard's areas are the federal version's)."""
    from tandem.access.filters import Filters
    from tandem.diagnostics import tallies
    from tandem.diagnostics.models import Answer, Response
    from tandem.monitoring import selectors as monitoring

    _add_local(client, world)
    campaign = _create_campaign(client, world.olga, f"o:{world.org_a.pk}", "Входная А")
    three = campaign.responses.filter(participant__in=[world.alice_p, world.bob_p,
                                                        world.carol_p])
    assert three.count() == 3
    Answer.objects.bulk_create([Answer(response=r, competency=LOCAL, self_level=0, level=0)
                                for r in three])
    three.update(status=Response.Status.SUBMITTED)
    tallies.rebuild([world.org_a.pk])  # written past the services
    data = monitoring.compute_dashboard(scope=scope_for(world.alice), filters=Filters())
    assert [f.mean for f in data.deficit_share["subject"]] == [100.0]
    assert [f.mean for f in data.deficit_share["ict"]] == [None]


def test_a_kept_code_stays_valid_after_the_region_code_changes(client: Client,
                                                               world: World) -> None:
    local = _add_local(client, world)
    world.region.code = "renamed"
    world.region.save()
    edit = reverse("diagnostics:competency_edit", kwargs={"pk": local.pk})
    assert client.post(edit, _data(name="Краеведение")).status_code == 302
    form = client.post(edit, _data(code="test:other")).context["form"]
    assert form.errors["code"] == [REGIONAL_CODE % {"prefix": "renamed:"}]
