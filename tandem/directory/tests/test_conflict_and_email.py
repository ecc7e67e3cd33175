"""#13 item 15: two people editing one card — the second save is refused, nothing is
overwritten, the newer data is shown. #13 item 6: a duplicate e-mail is refused with one
message that says nothing about where the other card is."""

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tandem.api.services import api_token_issue
from tandem.directory.forms import EMAIL_TAKEN
from tandem.people.models import Participant
from tandem.testing import World


def _card(p: Participant, **changes: str) -> dict[str, str]:
    data = {"organization": str(p.organization_id), "surname": p.surname, "name": p.name,
            "patronymic": p.patronymic, "position": p.position, "subject": p.subject,
            "experience_years": str(p.experience_years), "age_band": p.age_band,
            "email": p.email, "phone": p.phone, "version": str(p.version)}
    return data | changes


def test_second_save_of_an_old_version_is_refused(client: Client, world: World) -> None:
    carol = Participant.objects.get(pk=world.carol_p.pk)
    opened_by_alice = _card(carol, position="завуч")
    opened_by_erin = _card(carol, position="директор")
    url = reverse("people:edit", kwargs={"pk": carol.pk})
    client.force_login(world.erin)
    assert client.post(url, opened_by_erin).status_code == 302
    client.force_login(world.alice)
    response = client.post(url, opened_by_alice)
    assert response.status_code == 200
    page = response.content.decode()
    assert "её сохранил другой пользователь" in page
    assert "директор" in page  # the newer data, in the form
    assert "завуч" in page  # and what Alice typed, to enter again
    carol.refresh_from_db()
    assert carol.position == "директор" and carol.version == 2
    # From the new version, her edit goes through.
    assert client.post(url, _card(carol, position="завуч")).status_code == 302
    carol.refresh_from_db()
    assert carol.position == "завуч" and carol.version == 3


def test_api_update_with_an_old_version_is_409(world: World) -> None:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=world.alice)}")
    url = f"/api/v1/participants/{world.carol_p.pk}/"
    version = api.get(url).json()["version"]
    assert api.patch(url, {"position": "методист", "version": version},
                     format="json").status_code == 200
    stale = api.patch(url, {"position": "завуч", "version": version}, format="json")
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "conflict"
    assert Participant.objects.get(pk=world.carol_p.pk).position == "методист"


def test_duplicate_email_same_answer_in_scope_and_out(client: Client, world: World) -> None:
    client.force_login(world.alice)
    template = Participant.objects.get(pk=world.carol_p.pk)
    answers = []
    # Bob is of Alice's organization; Charlie of organization B (another territory).
    for other in (world.bob_p, world.charlie_p):
        data = _card(template, surname="Новая", email=other.email.upper())
        data.pop("version")
        response = client.post(reverse("people:create"), data)
        assert response.status_code == 200
        page = response.content.decode()
        answers.append(str(EMAIL_TAKEN) in page)
        assert other.organization.short_name not in page.split("<form")[1].split(
            "</form>")[0].replace(template.organization.short_name, "")
    assert answers == [True, True]
    assert not Participant.objects.filter(surname="Новая").exists()
