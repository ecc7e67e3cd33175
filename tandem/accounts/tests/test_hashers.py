"""The password hasher's memory cost: a log-in must not add Django's 100 MiB to a worker for
each log-in in flight (docs/performance.md, «Память рабочего под 8 клиентами»)."""

import threading

import argon2
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    check_password,
    get_hasher,
    identify_hasher,
    make_password,
)
from django.test import Client
from django.urls import reverse

import tandem.settings as project_settings
from tandem.accounts.hashers import ONE_AT_A_TIME, BoundedArgon2PasswordHasher
from tandem.testing import World

PASSWORD = "correct horse battery"  # noqa: S105 (the test world's password)


def test_the_project_hashes_with_argon2id_at_46_mib_one_pass(settings: object) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # type: ignore[attr-defined]
    encoded = make_password("a long and fine password")
    parameters = argon2.extract_parameters(encoded.removeprefix("argon2"))
    assert identify_hasher(encoded).algorithm == "argon2"
    assert parameters.type is argon2.Type.ID
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (
        46 * 1024, 1, 1)
    assert check_password("a long and fine password", encoded)
    assert not check_password("another password", encoded)


def test_a_hash_with_djangos_parameters_still_verifies_and_is_marked_for_re_hashing(
        settings: object) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # type: ignore[attr-defined]
    old = Argon2PasswordHasher().encode("a long and fine password", "saltsaltsaltsalt")
    assert argon2.extract_parameters(old.removeprefix("argon2")).memory_cost == 102400
    hasher = get_hasher("argon2")
    assert isinstance(hasher, BoundedArgon2PasswordHasher)
    assert hasher.verify("a long and fine password", old)
    assert hasher.must_update(old)
    assert not hasher.must_update(make_password("a long and fine password"))


def test_a_log_in_re_hashes_an_old_password_with_the_bounded_parameters(
        client: Client, world: World, settings: object) -> None:
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # type: ignore[attr-defined]
    world.bob.password = Argon2PasswordHasher().encode(PASSWORD, "saltsaltsaltsalt")
    world.bob.save(update_fields=["password"])
    response = client.post(reverse("login"), {"username": "bob", "password": PASSWORD})
    assert response.status_code == 302
    world.bob.refresh_from_db()
    parameters = argon2.extract_parameters(world.bob.password.removeprefix("argon2"))
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (
        46 * 1024, 1, 1)
    assert check_password(PASSWORD, world.bob.password)


def test_a_process_hashes_one_password_at_a_time(settings: object) -> None:
    """A threaded worker with several log-ins at once checks them in turn: while one hash
    holds the lock, another thread's check waits (it cannot have finished), then ends."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # type: ignore[attr-defined]
    encoded = make_password("a long and fine password")
    results: list[bool] = []
    other = threading.Thread(target=lambda: results.append(
        check_password("a long and fine password", encoded)))
    with ONE_AT_A_TIME:
        other.start()
        other.join(0.5)
        assert other.is_alive()
        assert results == []
    other.join()
    assert results == [True]
