"""Resources through the API: each level keeps its own, as on the page."""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from tandem.accounts.models import User
from tandem.api.tests.conftest import error
from tandem.resources.forms import LEVEL_NOT_YOURS
from tandem.resources.models import Resource
from tandem.testing import World, build_resources

Api = Callable[[User | None], APIClient]
URL = "/api/v1/resources/"


def _new(world: World, **changes: Any) -> dict[str, Any]:
    return {"owner": f"o:{world.org_a.pk}", "title": "Клуб цифровых педагогов",
            "kind": "community", "level": "organization", "format": "mixed",
            "competencies": ["ict.ai_lessons"], **changes}


def test_a_curator_adds_to_their_organizations_catalogue(api: Api, world: World) -> None:
    build_resources(world)
    response = api(world.alice).post(URL, _new(world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["owner"], body["organization"], body["competencies"]) == (
        f"o:{world.org_a.pk}", world.org_a.pk, ["ict.ai_lessons"])
    assert Resource.objects.get(pk=body["id"]).created_by == world.alice


def test_a_curator_cannot_make_a_regional_resource(api: Api, world: World) -> None:
    build_resources(world)
    client = api(world.alice)
    response = client.post(URL, _new(world, level="region"), format="json")
    assert error(response)["fields"] == {"level": [str(LEVEL_NOT_YOURS)]}
    response = client.post(URL, _new(world, owner=f"r:{world.region.pk}"), format="json")
    assert "owner" in error(response)["fields"]
    response = client.post(URL, _new(world, competencies=["no.such"]), format="json")
    assert error(response)["fields"] == {"competencies": ["Неизвестный код компетенции: no.such."]}


def test_only_the_keeper_changes_a_resource(api: Api, world: World) -> None:
    resources = build_resources(world)
    a = resources["a"]
    assert isinstance(a, Resource)
    assert api(world.charlie).patch(f"{URL}{a.pk}/", {"title": "x"},
                                    format="json").status_code == 404
    # Olga sees it but keeps only regional and federal resources.
    assert api(world.olga).patch(f"{URL}{a.pk}/", {"title": "x"},
                                 format="json").status_code == 404
    response = api(world.alice).patch(f"{URL}{a.pk}/", {"title": "Новое название"},
                                      format="json")
    assert response.status_code == 200, response.json()
    a.refresh_from_db()
    assert a.title == "Новое название" and list(
        a.competencies.values_list("code", flat=True)) == ["ict.ai_lessons"]


def test_a_teacher_reads_the_catalogue_but_adds_nothing(api: Api, world: World) -> None:
    build_resources(world)
    client = api(world.bob)
    titles = {r["title"] for r in client.get(URL).json()["results"]}
    assert titles == {"Ресурс Школы А", "Областной курс"}
    assert client.post(URL, _new(world), format="json").status_code == 403


def test_updated_since_and_organization(api: Api, world: World) -> None:
    resources = build_resources(world)
    Resource.objects.update(updated_at=timezone.now() - dt.timedelta(days=10))
    region = resources["region"]
    assert isinstance(region, Resource)
    region.save()
    client = api(world.olga)
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert [r["title"] for r in client.get(URL, {"updated_since": since}).json()["results"]] \
        == ["Областной курс"]
    assert [r["title"] for r in client.get(URL, {"organization": world.org_a.pk})
            .json()["results"]] == ["Ресурс Школы А"]
