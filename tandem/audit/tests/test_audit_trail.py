import pytest
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


@pytest.mark.django_db
def test_entries_written_in_bulk_carry_the_actor_address_and_correlation_id(
        world: World) -> None:
    """As an entry saved alone: ``write_entries`` runs auditlog's ``pre_save`` (actor,
    address) and takes the correlation id of the request or task at work."""
    from auditlog.cid import set_cid
    from auditlog.context import set_actor
    from django.contrib.contenttypes.models import ContentType
    from django.test import RequestFactory

    from tandem.audit.entries import write_entries
    from tandem.people.models import Participant

    content_type = ContentType.objects.get_for_model(Participant)

    def entry(pk: int) -> LogEntry:
        return LogEntry(content_type=content_type, object_pk=str(pk), object_id=pk,
                        object_repr="x", action=LogEntry.Action.UPDATE, changes={},
                        additional_data={"organization_id": world.org_a.pk})

    set_cid(RequestFactory().get("/", headers={"X-Correlation-ID": "cid-42"}))
    try:
        with set_actor(world.alice, remote_addr="10.0.0.7"):
            write_entries([entry(world.bob_p.pk), entry(world.carol_p.pk)])
    finally:
        set_cid(None)
    written = LogEntry.objects.filter(content_type=content_type, object_repr="x")
    assert [(e.actor_id, e.remote_addr, e.cid) for e in written] == [
        (world.alice.pk, "10.0.0.7", "cid-42")] * 2
    write_entries([entry(world.bob_p.pk)])  # no request, no task: nobody
    assert LogEntry.objects.filter(object_repr="x", actor__isnull=True).count() == 1
