from django.core import mail
from django.test import Client
from django.urls import reverse

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import scope_for
from tandem.access.services import CURATOR_INACTIVE
from tandem.directory.selectors import (
    organization_tree,
    organizations_listed,
    organizations_page,
)
from tandem.people import counts
from tandem.people.models import Participant
from tandem.testing import OrganizationFactory, ParticipantFactory, World


def test_tree_counts_active_participants_and_consents(world: World) -> None:
    # Through save(), as the product writes people (an update() would skip the audit
    # trail and the kept counts alike).
    carol = Participant.objects.get(pk=world.carol_p.pk)
    carol.personal_data_consent_date = None
    carol.save()
    bob = Participant.objects.get(pk=world.bob_p.pk)
    bob.is_active = False
    bob.save()
    scope = scope_for(world.olga)
    [region] = organization_tree(scope=scope)
    by_name = {m.municipality.name: m for m in region.municipalities}
    city = by_name["Город А"]
    assert (city.organization_count, city.participant_count, city.consent_count) == (1, 2, 1)
    [school] = organizations_page(scope=scope, ids=organizations_listed(
        scope=scope, municipality_id=world.municipality_a.pk))
    assert school.short_name == "Школа А"
    assert school.participant_count == 2  # type: ignore[attr-defined]  # Alice, Carol
    assert school.consent_count == 1  # type: ignore[attr-defined]  # Alice
    assert region.participant_count == 4
    assert region.organization_count == 2


def test_the_territory_page_lists_a_municipality_a_page_at_a_time(client: Client,
                                                                  world: World) -> None:
    """Worked example of the drill-down: 53 organizations in «Город А» (Школа А and 52 gymnasiums,
    more, three of them with people), the region page shows one row a municipality with
    the sums; the municipality's page shows 50 organizations, the second page the other
    3, each with its own counts; a search finds by name across municipalities."""
    for i in range(52):
        org = OrganizationFactory.create(municipality=world.municipality_a,
                                         name=f"Гимназия № {i + 1:02d}", code=f"s{i}")
        for _n in range((i % 26 == 0 and 2) or 0):  # № 01 and № 27: two people each
            ParticipantFactory.create(organization=org)
    counts.rebuild()
    client.force_login(world.olga)
    tree = client.get(reverse("territory:tree"))
    [region] = tree.context["tree"]
    assert [(m.municipality.name, m.organization_count, m.participant_count)
            for m in region.municipalities] == [("Город А", 53, 7), ("Район Б", 1, 2)]
    assert tree.context["page"] is None and "Гимназия № 01" not in tree.content.decode()
    url = f"{reverse('territory:tree')}?municipality={world.municipality_a.pk}"
    first = client.get(url).context["page"]
    names = [o.short_name for o in first.object_list]
    assert len(names) == 50 and names[:2] == ["Гимназия № 01", "Гимназия № 02"]
    assert first.object_list[0].participant_count == 2
    second = client.get(url + "&page=2").context["page"]
    assert [(o.short_name, o.participant_count) for o in second.object_list] == [
        ("Гимназия № 51", 0), ("Гимназия № 52", 0), ("Школа А", 3)]
    found = client.get(f"{reverse('territory:tree')}?q=творчества").context["page"]
    assert [o.short_name for o in found.object_list] == ["Дом творчества Б"]
    other = client.get(f"{reverse('territory:tree')}?municipality={world.municipality_b.pk}")
    assert [o.short_name for o in other.context["page"].object_list] == ["Дом творчества Б"]


def test_a_municipality_outside_the_scope_is_not_found(client: Client, world: World) -> None:
    client.force_login(world.dave)  # the coordinator of «Район Б»
    url = f"{reverse('territory:tree')}?municipality={world.municipality_a.pk}"
    assert client.get(url).status_code == 404
    # One municipality in scope: its organizations are listed straight away.
    page = client.get(reverse("territory:tree")).context["page"]
    assert [o.short_name for o in page.object_list] == ["Дом творчества Б"]


def test_coordinator_sees_own_municipality_only(world: World) -> None:
    [region] = organization_tree(scope=scope_for(world.dave))
    assert [m.municipality.name for m in region.municipalities] == ["Район Б"]


def test_coordinator_appoints_a_curator_who_gets_a_password_link(
    client: Client, world: World, django_capture_on_commit_callbacks: object
) -> None:
    client.force_login(world.erin)
    url = reverse("territory:detail", kwargs={"pk": world.org_a.pk})
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(url, {"participant": world.carol_p.pk})
    assert response.status_code == 302
    world.carol_p.refresh_from_db()
    assert world.carol_p.user is not None
    assert not world.carol_p.user.has_usable_password()
    assert RoleAssignment.objects.filter(user=world.carol_p.user, role=Role.CURATOR,
                                         organization=world.org_a).exists()
    [message] = mail.outbox
    assert message.to == ["carol@example.org"]
    assert "/accounts/password/reset/" in message.body
    assert "куратором" in message.body


def test_curator_cannot_appoint_curators(client: Client, world: World) -> None:
    client.force_login(world.alice)
    response = client.post(reverse("territory:detail", kwargs={"pk": world.org_a.pk}),
                           {"participant": world.carol_p.pk})
    assert response.status_code == 404  # outside the right: 404
    assert not RoleAssignment.objects.filter(user__participant=world.carol_p).exists()


def test_participant_of_another_organization_cannot_be_appointed(client: Client,
                                                                 world: World) -> None:
    client.force_login(world.olga)
    response = client.post(reverse("territory:detail", kwargs={"pk": world.org_a.pk}),
                           {"participant": world.someone_b.pk})
    assert response.status_code == 200
    assert "participant" in response.context["form"].errors
    assert not RoleAssignment.objects.filter(organization=world.org_a,
                                             user__participant=world.someone_b).exists()


def test_inactive_participant_cannot_be_curator(world: World) -> None:
    from tandem.access.services import RoleError, curator_assign
    Participant.objects.filter(pk=world.carol_p.pk).update(is_active=False)
    world.carol_p.refresh_from_db()
    try:
        curator_assign(organization=world.org_a, participant=world.carol_p, base_url="http://x/")
    except RoleError as error:
        assert str(error) == str(CURATOR_INACTIVE)
    else:
        raise AssertionError("an inactive participant was appointed")
