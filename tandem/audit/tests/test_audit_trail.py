from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse

from tandem.access.models import Role, RoleAssignment
from tandem.testing import (
    MunicipalityFactory,
    OrganizationFactory,
    ParticipantFactory,
    UserFactory,
    World,
)


def test_change_through_the_ui_is_recorded_with_its_author(client: Client, world: World) -> None:
    client.force_login(world.alice)
    client.post(reverse("people:deactivate", kwargs={"pk": world.carol_p.pk}),
                {"reason": "декрет"})
    entry = LogEntry.objects.get_for_object(world.carol_p).order_by("-pk").first()
    assert entry is not None
    assert entry.actor == world.alice
    assert entry.changes_dict["is_active"] == ["True", "False"]
    assert entry.additional_data == {"organization_id": world.org_a.pk,
                                     "region_id": world.region.pk}


def test_region_operator_sees_own_region_only(client: Client, world: World) -> None:
    other_org = OrganizationFactory.create(municipality=MunicipalityFactory.create(),
                                           name="Чужая школа")
    ParticipantFactory.create(organization=other_org, surname="Чужаков")
    client.force_login(world.olga)
    html = client.get(reverse("audit:log")).content.decode()
    assert "Каролёва" in html
    assert "Чужаков" not in html


def test_a_superuser_sees_every_region(client: Client, world: World) -> None:
    other_org = OrganizationFactory.create(municipality=MunicipalityFactory.create(),
                                           name="Чужая школа")
    ParticipantFactory.create(organization=other_org, surname="Чужаков")
    root = UserFactory.create(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    html = client.get(reverse("audit:log")).content.decode()
    assert "Чужаков" in html and "Каролёва" in html


def test_changes_are_shown_in_words(client: Client, world: World) -> None:
    client.force_login(world.olga)
    RoleAssignment.objects.create(user=world.bob, role=Role.CURATOR, organization=world.org_a)
    html = client.get(reverse("audit:log"), {"model": "roleassignment"}).content.decode()
    assert "куратор организации" in html  # the role's label, not its code
    assert "Школа А" in html  # the organization's name, not its id


def test_password_hashes_never_reach_the_trail(world: World) -> None:
    world.bob.set_password("a new and long password")
    world.bob.save()
    for entry in LogEntry.objects.get_for_object(world.bob):
        assert "password" not in entry.changes_dict
