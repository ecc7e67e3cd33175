import pytest
from django.test import Client

from tandem.testing import World, build_world


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: object) -> None:
    # Argon2 is slow by design; tests that check it ask for it explicitly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: object, tmp_path: object) -> None:
    # Uploaded evidence goes to a folder of the test's own.
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined, operator]


@pytest.fixture
def world(db: None) -> World:
    return build_world()


@pytest.fixture
def client_for(client: Client):  # type: ignore[no-untyped-def]
    """``client_for(user)``: the test client logged in as ``user`` (or anonymous for None)."""

    def login(user: object) -> Client:
        client.logout()
        if user is not None:
            client.force_login(user)  # type: ignore[arg-type]
        return client

    return login
