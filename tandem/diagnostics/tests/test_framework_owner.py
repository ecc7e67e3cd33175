"""#13 item 13: the federal competency framework is shared by every region, so only its
owner — the federal operator (or the superuser) — changes its competencies and publishes
versions; a region operator reads it (and adds their region's own: test_regional.py)."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import scope_for
from tandem.access.tests.personas import federal_operator
from tandem.diagnostics.models import Competency, FrameworkVersion
from tandem.testing import World


def _edit_data(competency: Competency, name: str) -> dict[str, object]:
    data: dict[str, object] = {f: getattr(competency, f) for f in (
        "code", "description", "descriptor_0", "descriptor_1", "descriptor_2", "descriptor_3",
        "typical_direction", "order")}
    data.update(area=competency.area_id, name=name, is_active="on", owner="federal")
    return data


def _new_data(competency: Competency) -> dict[str, object]:
    return _edit_data(competency, "Новая компетенция") | {"code": "ict.new_one"}


def test_region_operator_reads_the_federal_framework_but_changes_none_of_it(
        client: Client, world: World) -> None:
    competency = Competency.objects.order_by("pk").first()
    assert competency is not None
    before = (Competency.objects.count(), FrameworkVersion.objects.count(), competency.name)
    client.force_login(world.olga)
    page = client.get(reverse("diagnostics:framework"))
    assert page.status_code == 200
    edit = reverse("diagnostics:competency_edit", kwargs={"pk": competency.pk})
    assert edit not in page.content.decode()
    assert client.get(edit).status_code == 404
    assert client.post(edit, _edit_data(competency, "Чужое имя")).status_code == 404
    # «Federal» is no choice of hers: the form says so and nothing is added.
    refused = client.post(reverse("diagnostics:competency_create"), _new_data(competency))
    assert refused.status_code == 200
    assert "owner" in refused.context["form"].errors
    assert client.post(reverse("diagnostics:publish"), {"note": "своя версия"}).status_code == 403
    competency.refresh_from_db()
    assert (Competency.objects.count(), FrameworkVersion.objects.count(),
            competency.name) == before


def test_federal_operator_changes_and_publishes(client: Client, world: World) -> None:
    competency = Competency.objects.order_by("pk").first()
    assert competency is not None
    versions = FrameworkVersion.objects.count()
    client.force_login(federal_operator())
    assert reverse("diagnostics:competency_create") in client.get(
        reverse("diagnostics:framework")).content.decode()
    assert client.post(reverse("diagnostics:competency_edit", kwargs={"pk": competency.pk}),
                       _edit_data(competency, "Имя от владельца")).status_code == 302
    assert client.post(reverse("diagnostics:competency_create"),
                       _new_data(competency)).status_code == 302
    assert client.post(reverse("diagnostics:publish"), {"note": "правка"}).status_code == 302
    competency.refresh_from_db()
    assert competency.name == "Имя от владельца"
    assert Competency.objects.filter(code="ict.new_one").exists()
    assert FrameworkVersion.objects.count() == versions + 1


def test_federal_operator_sees_no_region(world: World) -> None:
    scope = scope_for(federal_operator())
    assert scope.is_federal_operator and scope.can_edit_framework
    assert not scope.is_staff and not scope.is_region_operator
    assert not scope.participants().exists()
    assert not scope.organizations().exists()
    region = scope_for(world.olga)
    assert region.is_region_operator and not region.can_edit_framework


def test_federal_role_names_no_unit(world: World) -> None:
    with transaction.atomic(), pytest.raises(IntegrityError):
        RoleAssignment.objects.create(user=world.olga, role=Role.FEDERAL_OPERATOR,
                                      region=world.region)
