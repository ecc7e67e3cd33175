from django.core import mail
from django.test import Client
from django.urls import reverse

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import scope_for
from tandem.access.services import CURATOR_INACTIVE
from tandem.directory.selectors import organization_tree
from tandem.people.models import Participant
from tandem.testing import World


def test_tree_counts_active_participants_and_consents(world: World) -> None:
    # Through save(), as the product writes people (an update() would skip the audit
    # trail and the kept counts alike).
    carol = Participant.objects.get(pk=world.carol_p.pk)
    carol.personal_data_consent_date = None
    carol.save()
    bob = Participant.objects.get(pk=world.bob_p.pk)
    bob.is_active = False
    bob.save()
    [region] = organization_tree(scope=scope_for(world.olga))
    by_name = {o.short_name: o for m in region.municipalities for o in m.organizations}
    school = by_name["Школа А"]
    assert school.participant_count == 2  # type: ignore[attr-defined]  # Alice, Carol
    assert school.consent_count == 1  # type: ignore[attr-defined]  # Alice
    assert region.participant_count == 4
    assert region.organization_count == 2


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
