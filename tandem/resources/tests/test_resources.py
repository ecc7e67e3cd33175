from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from tandem.access.forms import ORGANIZATION_NOT_YOURS, OWN_ORGANIZATION_NOT_FILTERED
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


def test_one_organizations_resources_name_it_and_its_page_leads_there(
        client: Client, world: World, res: dict[str, object]) -> None:
    """The organization's page links to its resources; the list names the organization
    whose resources it shows (the short name, as its page heads it)."""
    client.force_login(world.olga)
    page = client.get(reverse("territory:detail", kwargs={"pk": world.org_a.pk}))
    link = f'href="{reverse("resources:catalogue")}?organization={world.org_a.pk}"'
    assert link in page.content.decode()
    response = client.get(reverse("resources:catalogue"), {"organization": world.org_a.pk})
    html = response.content.decode()
    assert f"Показаны ресурсы организации: {world.org_a.short_name}." in unescape(html)
    assert [r.title for r in response.context["page"].object_list] == ["Ресурс Школы А"]
    assert "Показаны ресурсы организации" not in client.get(
        reverse("resources:catalogue")).content.decode()


def test_a_teacher_asking_for_her_own_organization_is_told_it_is_hers(
        client: Client, world: World, res: dict[str, object]) -> None:
    """Teachers filter by no organization (``access.forms.unit_filter``): their own is
    refused too, but not as «нет среди ваших», which is untrue of it; another one is."""
    client.force_login(world.bob)  # a teacher of A
    own = unescape(client.get(reverse("resources:catalogue"),
                              {"organization": world.org_a.pk}).content.decode())
    assert str(OWN_ORGANIZATION_NOT_FILTERED) in own and "нет среди ваших" not in own
    assert "Показаны ресурсы организации" not in own
    other = unescape(client.get(reverse("resources:catalogue"),
                                {"organization": world.org_b.pk}).content.decode())
    assert str(ORGANIZATION_NOT_YOURS) in other and "Это ваша организация" not in other
