import pytest
from django.test import Client
from django.urls import reverse

from tandem.resources.forms import LEVEL_NOT_YOURS
from tandem.resources.models import Resource
from tandem.testing import World, build_resources


@pytest.fixture
def res(world: World) -> dict[str, object]:
    return build_resources(world)


def _titles(client: Client, **params: str) -> list[str]:
    response = client.get(reverse("resources:catalogue"), params)
    return [r.title for r in response.context["page"].object_list]


def test_each_sees_own_levels(client: Client, world: World, res: dict[str, object]) -> None:
    client.force_login(world.bob)  # a teacher of A: A's, and the region's
    assert _titles(client) == ["Областной курс", "Ресурс Школы А"]
    client.force_login(world.dave)  # coordinator of B's municipality
    assert _titles(client) == ["Областной курс", "Ресурс района Б"]
    client.force_login(world.olga)
    assert len(_titles(client)) == 3


def test_filters(client: Client, world: World, res: dict[str, object]) -> None:
    client.force_login(world.olga)
    assert _titles(client, competency="comm.parents") == ["Областной курс", "Ресурс района Б"]
    assert _titles(client, level="organization") == ["Ресурс Школы А"]
    assert _titles(client, kind="webinar") == ["Ресурс района Б"]
    assert _titles(client, q="ОБЛАСТНОЙ") == ["Областной курс"]


def test_curator_adds_an_organization_resource(client: Client, world: World,
                                               res: dict[str, object]) -> None:
    client.force_login(world.alice)
    response = client.post(reverse("resources:create"), {
        "title": "Открытое занятие", "kind": "event", "level": "organization",
        "format": "offline", "owner": f"o:{world.org_a.pk}", "is_active": "on",
        "competencies": [res["a"].competencies.first().pk]})  # type: ignore[attr-defined]
    assert response.status_code == 302
    created = Resource.objects.get(title="Открытое занятие")
    assert created.organization == world.org_a and created.permanent


def test_level_must_match_the_keeper(client: Client, world: World,
                                     res: dict[str, object]) -> None:
    client.force_login(world.alice)
    response = client.post(reverse("resources:create"), {
        "title": "Федеральный?", "kind": "course", "level": "federal", "format": "online",
        "owner": f"o:{world.org_a.pk}"})
    assert str(LEVEL_NOT_YOURS) in response.content.decode()
    forged = client.post(reverse("resources:create"), {
        "title": "Чужой", "kind": "course", "level": "organization", "format": "online",
        "owner": f"o:{world.org_b.pk}"})
    assert "owner" in forged.context["form"].errors
    assert not Resource.objects.filter(title__in=["Федеральный?", "Чужой"]).exists()


def test_region_operator_cannot_edit_a_schools_resource(client: Client, world: World,
                                                        res: dict[str, object]) -> None:
    client.force_login(world.olga)
    url = reverse("resources:edit", kwargs={"pk": res["a"].pk})  # type: ignore[attr-defined]
    assert client.get(url).status_code == 404
