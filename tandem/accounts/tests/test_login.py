import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.test import Client
from django.urls import reverse

import tandem.settings as project_settings
from tandem.testing import World


def test_passwords_are_hashed_with_argon2(world: World, settings: object) -> None:
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # type: ignore[attr-defined]
    world.bob.set_password("a long and fine password")
    world.bob.save()
    assert identify_hasher(world.bob.password).algorithm == "argon2"


def test_login_with_the_right_password(client: Client, world: World) -> None:
    response = client.post(reverse("login"), {"username": "bob",
                                              "password": "correct horse battery"})
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("dashboard")


def test_wrong_password_gets_a_russian_message(client: Client, world: World) -> None:
    response = client.post(reverse("login"), {"username": "bob", "password": "nope"})
    assert response.status_code == 200
    assert "Неверный логин или пароль" in response.content.decode()


def test_repeated_failures_lock_the_login(client: Client, world: World) -> None:
    for _ in range(5):
        client.post(reverse("login"), {"username": "bob", "password": "wrong"})
    # Even the right password is refused while the lock-out lasts.
    response = client.post(reverse("login"), {"username": "bob",
                                              "password": "correct horse battery"})
    assert response.status_code == 429
    assert "Вход приостановлен" in response.content.decode()
    # Another user from the same address is not locked out.
    other = client.post(reverse("login"), {"username": "alice",
                                           "password": "correct horse battery"})
    assert other.status_code == 302


def test_password_reset_mails_a_link(client: Client, world: World) -> None:
    response = client.post(reverse("password_reset"), {"email": "bob@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["bob@example.org"]
    assert "/accounts/password/reset/" in message.body


@pytest.mark.parametrize("name", ["login", "password_reset"])
def test_auth_pages_are_in_russian(client: Client, db: None, name: str) -> None:
    html = client.get(reverse(name)).content.decode()
    assert 'lang="ru"' in html
    assert "Тандем" in html
