"""Keys: issued on the page or by the command, bound to their user's scope, revocable."""

from collections.abc import Callable
from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tandem.accounts.models import User
from tandem.api.models import ApiToken
from tandem.api.tests.conftest import error
from tandem.people.models import Participant
from tandem.testing import World

Api = Callable[[User | None], APIClient]
PARTICIPANTS = "/api/v1/participants/"


def _names(response: object) -> set[str]:
    return {p["surname"] for p in response.json()["results"]}  # type: ignore[attr-defined]


def test_a_key_acts_as_its_user_within_their_scope(api: Api, world: World) -> None:
    assert _names(api(world.alice).get(PARTICIPANTS)) == {"Алисова", "Бобров", "Каролёва"}
    assert _names(api(world.charlie).get(PARTICIPANTS)) == {"Чарлин", "Бэшкина"}
    assert _names(api(world.bob).get(PARTICIPANTS)) == {"Бобров"}


def test_without_credentials_it_answers_401_not_the_login_page(world: World) -> None:
    response = APIClient().get(PARTICIPANTS)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert error(response)["code"] == "not_authenticated"


def test_a_wrong_key_is_refused(world: World) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token tdm_nonsense")
    response = client.get(PARTICIPANTS)
    assert response.status_code == 401
    assert error(response)["message_ru"] == "Ключ API неверен или отозван."


def test_a_revoked_key_stops_working(world: World) -> None:
    key = _issue("alice")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(PARTICIPANTS).status_code == 200
    call_command("api-token", "alice", "--revoke", stdout=StringIO())
    assert client.get(PARTICIPANTS).status_code == 401


def test_a_new_key_replaces_the_old(world: World) -> None:
    old, new = _issue("alice"), _issue("alice")
    for key, expected in ((old, 401), (new, 200)):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        assert client.get(PARTICIPANTS).status_code == expected


def test_a_key_of_a_disabled_account_is_refused(api: Api, world: World) -> None:
    client = api(world.alice)
    User.objects.filter(pk=world.alice.pk).update(is_active=False)
    assert client.get(PARTICIPANTS).status_code == 401


def test_the_key_is_stored_only_as_a_hash(world: World) -> None:
    key = _issue("alice")
    token = ApiToken.objects.get(user=world.alice)
    assert key not in (token.digest, token.hint) and key.startswith(token.hint)


def test_the_page_shows_a_new_key_once_and_revokes_it(client: Client, world: World) -> None:
    client.force_login(world.bob)
    url = reverse("api:token")
    assert "Ключа нет" in client.get(url).content.decode()
    page = client.post(url, {"action": "issue"}).content.decode()
    key = page.split('<code id="api-key"')[1].split(">", 1)[1].split("</code>")[0]
    assert ApiToken.objects.filter(user=world.bob).exists()
    assert key not in client.get(url).content.decode()
    client.post(url, {"action": "revoke"})
    assert not ApiToken.objects.filter(user=world.bob).exists()


def test_session_users_use_the_api_too(client: Client, world: World) -> None:
    client.force_login(world.alice)
    assert client.get(PARTICIPANTS).status_code == 200


def test_a_token_write_names_its_author_in_the_audit_trail(api: Api, world: World) -> None:
    from auditlog.models import LogEntry

    response = api(world.alice).patch(f"{PARTICIPANTS}{world.carol_p.pk}/",
                                      {"position": "методист"}, format="json")
    assert response.status_code == 200, response.json()
    entry = LogEntry.objects.get_for_object(Participant.objects.get(pk=world.carol_p.pk)).first()
    assert entry is not None and entry.actor == world.alice


def _issue(username: str) -> str:
    out = StringIO()
    call_command("api-token", username, stdout=out)
    return out.getvalue().strip()
