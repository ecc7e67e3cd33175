"""The region operator adds municipalities and organizations; nobody else can."""

import pytest
from django.test import Client
from django.urls import reverse

from tandem.directory.forms import CODE_TAKEN
from tandem.territory.models import Municipality, Organization
from tandem.testing import RegionFactory, World


def test_region_operator_adds_a_municipality_and_an_organization(client: Client,
                                                                   world: World) -> None:
    client.force_login(world.olga)
    page = client.get(reverse("territory:tree")).content.decode()
    assert reverse("territory:municipality_create") in page

    response = client.post(reverse("territory:municipality_create"), {
        "region": world.region.pk, "name": "Лесной район", "kind": "district",
        "code": "lesnoy"})
    assert response.status_code == 302
    mun = Municipality.objects.get(code="lesnoy")
    assert (mun.region, mun.name) == (world.region, "Лесной район")

    response = client.post(reverse("territory:organization_create"), {
        "municipality": mun.pk, "name": "МАУ ДО «Дом творчества»", "short_name": "ДДТ Лесной",
        "sector": "supplementary", "code": "ddt-lesnoy"})
    org = Organization.objects.get(code="ddt-lesnoy")
    assert response.headers["Location"] == reverse("territory:detail", kwargs={"pk": org.pk})
    assert org.municipality == mun and org.is_active
    # The new organization's page offers to add the first member of staff.
    detail = client.get(response.headers["Location"]).content.decode()
    assert f"{reverse('people:create')}?organization={org.pk}" in detail
    form = client.get(f"{reverse('people:create')}?organization={org.pk}").content.decode()
    assert f'<option value="{org.pk}" selected>' in form


def test_a_taken_code_is_refused_by_name(client: Client, world: World) -> None:
    client.force_login(world.olga)
    response = client.post(reverse("territory:organization_create"), {
        "municipality": world.municipality_a.pk, "name": "Другая школа", "short_name": "Другая",
        "sector": "school", "code": world.org_a.code})
    assert response.status_code == 200
    assert str(CODE_TAKEN) in response.content.decode()
    assert not Organization.objects.filter(name="Другая школа").exists()


def test_operator_cannot_add_to_another_region(client: Client, world: World) -> None:
    other = RegionFactory.create(name="Соседняя область", code="other")
    client.force_login(world.olga)
    response = client.post(reverse("territory:municipality_create"), {
        "region": other.pk, "name": "Чужой район", "kind": "district", "code": "alien"})
    assert response.status_code == 200
    assert not Municipality.objects.filter(code="alien").exists()
    foreign = Municipality.objects.create(region=other, name="Чужой", code="alien2")
    client.post(reverse("territory:organization_create"), {
        "municipality": foreign.pk, "name": "Чужая школа", "short_name": "Чужая",
        "sector": "school", "code": "alien-school"})
    assert not Organization.objects.filter(code="alien-school").exists()


@pytest.mark.parametrize("persona", ["alice", "erin", "bob"])
def test_only_region_operators_add_units(client: Client, world: World, persona: str) -> None:
    client.force_login(getattr(world, persona))
    for name in ("territory:municipality_create", "territory:organization_create"):
        assert client.get(reverse(name)).status_code == 403
    assert reverse("territory:organization_create") not in client.get(
        reverse("territory:tree")).content.decode()
