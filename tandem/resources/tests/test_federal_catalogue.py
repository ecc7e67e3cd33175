"""The federal catalogue (issue #16, item 1): the federal operator keeps the country's
resources, every region's people see them, nobody else changes them; the federal operator
sees no region's own catalogue. Maps, programmes and cases draw on it through the one rule
``Resource.objects.reachable``."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from tandem.access.scope import scope_for
from tandem.access.tests.personas import federal_operator
from tandem.accounts.models import User
from tandem.diagnostics.defaults import ensure_default_framework
from tandem.diagnostics.models import Competency
from tandem.maps.services import resources_for
from tandem.pairs.models import Pair
from tandem.programmes.selectors import resources_for_organization
from tandem.resources.forms import FEDERAL_CHOICE, LEVEL_NOT_YOURS, owner_choices
from tandem.resources.models import FEDERAL_CATALOGUE, Resource
from tandem.resources.selectors import resources_manageable, resources_visible
from tandem.territory.models import Municipality, Organization, Region
from tandem.testing import World, build_resources
from tandem.training.services import resources_for_case


@pytest.fixture
def fred(db: None) -> User:
    return federal_operator()


@pytest.fixture
def res(world: World) -> dict[str, object]:
    return build_resources(world)


def _federal(title: str = "Курс Академии") -> Resource:
    return Resource.objects.create(title=title, kind="course", level="federal")


def _form(**extra: object) -> dict[str, object]:
    ai = ensure_default_framework() and Competency.objects.get(code="ict.ai_lessons")
    return {"title": "Курс Академии", "kind": "course", "level": "federal",
            "format": "online", "owner": FEDERAL_CHOICE, "is_active": "on",
            "competencies": [ai.pk], **extra}


def test_the_federal_operator_keeps_the_federal_catalogue(client: Client, world: World,
                                                         fred: User) -> None:
    client.force_login(fred)
    choices = [value for value, _label in owner_choices(scope_for(fred))]
    assert choices == [FEDERAL_CHOICE]  # and no region's catalogue
    response = client.post(reverse("resources:create"), _form())
    assert response.status_code == 302
    created = Resource.objects.get(title="Курс Академии")
    assert created.unit is None and created.owner == FEDERAL_CATALOGUE
    # A regional level is not the country's to keep.
    refused = client.post(reverse("resources:create"), _form(title="Областной?", level="region"))
    assert str(LEVEL_NOT_YOURS) in refused.content.decode()
    assert not Resource.objects.filter(title="Областной?").exists()
    edit = client.get(reverse("resources:edit", kwargs={"pk": created.pk}))
    assert edit.status_code == 200 and edit.context["form"].initial["owner"] == FEDERAL_CHOICE


def test_everyone_sees_it_and_nobody_else_changes_it(client: Client, world: World,
                                                     res: dict[str, object], fred: User) -> None:
    federal = _federal()
    for user in (world.bob, world.alice, world.dave, world.olga):
        scope = scope_for(user)
        assert resources_visible(scope=scope).filter(pk=federal.pk).exists(), user
        assert not resources_manageable(scope=scope).filter(pk=federal.pk).exists(), user
        assert FEDERAL_CHOICE not in dict(owner_choices(scope)), user
        client.force_login(user)
        assert client.get(reverse("resources:edit", kwargs={"pk": federal.pk})).status_code in (
            403, 404)
    # A region operator who forges the federal choice is refused, and nothing is written.
    client.force_login(world.olga)
    forged = client.post(reverse("resources:create"), _form(title="Подделка"))
    assert "owner" in forged.context["form"].errors
    assert not Resource.objects.filter(title="Подделка").exists()


def test_the_federal_operator_sees_no_regions_catalogue(world: World, res: dict[str, object],
                                                        fred: User) -> None:
    federal = _federal()
    visible = set(resources_visible(scope=scope_for(fred)).values_list("pk", flat=True))
    assert visible == {federal.pk}


def test_a_catalogue_is_anchored_to_one_unit_or_is_the_countrys(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Resource.objects.create(title="Ничей региональный", kind="course", level="region")
    assert _federal().owner == FEDERAL_CATALOGUE


def test_maps_programmes_and_cases_draw_on_it(world: World, res: dict[str, object]) -> None:
    federal = _federal()
    retired = _federal("Снятый курс")
    retired.is_active = False
    retired.save()
    other_region = Region.objects.create(name="Соседняя область", code="other")
    other_org = Organization.objects.create(
        municipality=Municipality.objects.create(region=other_region, name="Соседний район",
                                                 code="other-district"),
        name="Соседняя школа", code="other-school")
    theirs = Resource.objects.create(title="Их курс", kind="course", level="organization",
                                     organization=other_org)
    pair = Pair(a=world.alice_p, b=world.bob_p, organization=world.org_a)
    for catalogue in (resources_for(pair), resources_for_organization(world.org_a),
                      resources_for_case(world.region)):
        titles = set(catalogue.values_list("title", flat=True))
        assert federal.title in titles and "Областной курс" in titles
        assert retired.title not in titles and theirs.title not in titles


def test_the_api_writes_and_reads_the_federal_catalogue(client: Client, world: World,
                                                        fred: User) -> None:
    client.force_login(fred)
    body = {"owner": FEDERAL_CHOICE, "title": "Вебинар центра", "kind": "webinar",
            "level": "federal", "format": "online", "competencies": ["ict.ai_lessons"]}
    ensure_default_framework()
    created = client.post("/api/v1/resources/", json.dumps(body),
                          content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["owner"] == FEDERAL_CHOICE
    pk = created.json()["id"]
    patched = client.patch(f"/api/v1/resources/{pk}/", json.dumps({"title": "Вебинар ЦНППМ"}),
                           content_type="application/json")
    assert patched.status_code == 200 and patched.json()["owner"] == FEDERAL_CHOICE
    client.force_login(world.olga)
    assert client.get(f"/api/v1/resources/{pk}/").json()["title"] == "Вебинар ЦНППМ"
    refused = client.patch(f"/api/v1/resources/{pk}/", json.dumps({"title": "Чужое"}),
                           content_type="application/json")
    assert refused.status_code == 404
    forged = client.post("/api/v1/resources/", json.dumps({**body, "title": "Подделка"}),
                         content_type="application/json")
    assert forged.status_code == 400
    assert not Resource.objects.filter(title__in=["Чужое", "Подделка"]).exists()


def test_a_regions_operator_still_recommends_a_federal_course(client: Client,
                                                              world: World) -> None:
    """A region may list a federal course for its own people: it stays the region's."""
    client.force_login(world.olga)
    response = client.post(reverse("resources:create"), _form(
        title="Курс для наших", owner=f"r:{world.region.pk}"))
    assert response.status_code == 302
    assert Resource.objects.get(title="Курс для наших").region == world.region


def test_the_federal_operator_fills_the_catalogue_from_a_file(client: Client, world: World,
                                                              res: dict[str, object],
                                                              fred: User) -> None:
    """Through the same upload as a region's: rows join the country's catalogue; a level
    not the country's is refused with the row named, and nothing is written then."""
    header = "название;тип;уровень;описание;ссылка;начало;окончание;формат;кто проводит;компетенции"
    client.force_login(fred)
    bad = "\n".join([header, "Курс;course;федеральный;;;;;online;;ict.ai_lessons",
                     "Областной;course;региональный;;;;;online;;"]).encode()
    preview = client.post(reverse("resources:import"), {
        "owner": FEDERAL_CHOICE, "file": SimpleUploadedFile("c.csv", bad)}).context["preview"]
    assert not preview.ok and [r.number for r in preview.rows if r.errors] == [3]
    good = "\n".join([header, "Курс;course;федеральный;;;;;online;;ict.ai_lessons"]).encode()
    response = client.post(reverse("resources:import"), {
        "owner": FEDERAL_CHOICE, "file": SimpleUploadedFile("c.csv", good)})
    upload = response.context["upload"]
    assert response.context["preview"].ok
    client.post(reverse("resources:import_commit", kwargs={"upload_pk": upload.pk}))
    created = Resource.objects.get(title="Курс")
    assert created.owner == FEDERAL_CATALOGUE
    assert list(created.competencies.values_list("code", flat=True)) == ["ict.ai_lessons"]


def test_the_federal_operators_overview_says_what_to_do(client: Client, fred: User) -> None:
    client.force_login(fred)
    body = client.get("/").content.decode()
    for url in (reverse("monitoring:index"), reverse("diagnostics:framework"),
                reverse("resources:catalogue")):
        assert f'href="{url}"' in body
