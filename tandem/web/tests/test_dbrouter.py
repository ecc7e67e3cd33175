"""The replica router (#16, 7): reports and exports read from ``replica`` only inside
``reading_from_replica()`` and only when ``DATABASE_REPLICA_URL`` is set; writes never
leave the primary. The real standby is exercised by bin/replica-drill
(tandem/web/tests/test_replica_drill.py)."""

import json
import threading

from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from tandem.people.models import Participant
from tandem.web.dbrouter import (
    PRIMARY,
    REPLICA,
    ReplicaRouter,
    read_alias,
    reading_from_replica,
)
from tandem.web.tests.test_settings import _run


def test_without_the_setting_there_is_no_replica_and_no_router() -> None:
    assert REPLICA not in settings.DATABASES
    assert settings.DATABASE_ROUTERS == []
    with reading_from_replica():
        assert ReplicaRouter().db_for_read(Participant) is None  # Django's default


def test_reads_go_to_the_replica_only_inside_the_context() -> None:
    assert read_alias(replica_configured=True, wanted=False, app_label="people") is None
    assert read_alias(replica_configured=True, wanted=True, app_label="people") == REPLICA


def test_the_shared_cache_is_read_on_the_primary_even_inside() -> None:
    assert read_alias(replica_configured=True, wanted=True, app_label="django_cache") is None


@given(
    configured=st.booleans(),
    wanted=st.booleans(),
    app_label=st.sampled_from(["people", "pairs", "auditlog", "django_cache", "accounts"]),
)
def test_the_replica_needs_all_three(configured: bool, wanted: bool, app_label: str) -> None:
    alias = read_alias(replica_configured=configured, wanted=wanted, app_label=app_label)
    assert (alias == REPLICA) == (configured and wanted and app_label != "django_cache")
    assert alias in (None, REPLICA)


def test_writes_always_go_to_the_primary() -> None:
    router = ReplicaRouter()
    assert router.db_for_write(Participant) == PRIMARY
    with reading_from_replica():
        assert router.db_for_write(Participant) == PRIMARY


def test_only_the_primary_is_migrated() -> None:
    router = ReplicaRouter()
    assert router.allow_migrate(PRIMARY, "people") is True
    assert router.allow_migrate(REPLICA, "people") is False


def test_the_context_nests_and_ends_even_on_an_error() -> None:
    from tandem.web import dbrouter

    with reading_from_replica():
        with reading_from_replica():
            assert dbrouter._wanted.get() is True
        assert dbrouter._wanted.get() is True
    assert dbrouter._wanted.get() is False
    try:
        with reading_from_replica():
            raise ValueError
    except ValueError:
        pass
    assert dbrouter._wanted.get() is False


def test_another_thread_is_not_affected() -> None:
    from tandem.web import dbrouter

    seen: list[bool] = []
    with reading_from_replica():
        thread = threading.Thread(target=lambda: seen.append(dbrouter._wanted.get()))
        thread.start()
        thread.join()
    assert seen == [False]


SHOW = (
    "import json, tandem.settings as s; print(json.dumps({'dbs': s.DATABASES, "
    "'routers': getattr(s, 'DATABASE_ROUTERS', [])}, default=str))"
)


def test_the_setting_adds_a_replica_alias_and_the_router() -> None:
    result = _run(
        SHOW,
        DATABASE_URL="postgres://app@db1.example.org:5432/tandem",
        DATABASE_REPLICA_URL="postgres://app@db2.example.org:5433/tandem",
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    replica = shown["dbs"]["replica"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"]) == (
        "db2.example.org",
        5433,
        "tandem",
    )
    # Under tests only the NAME follows the primary's test database; the server stays its own.
    assert replica["TEST"] == {"MIRROR": "default"}
    assert shown["routers"] == ["tandem.web.dbrouter.ReplicaRouter"]


def test_without_the_setting_the_database_settings_stay_as_they_were() -> None:
    result = _run(SHOW, DATABASE_URL="postgres://app@db1.example.org:5432/tandem")
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert list(shown["dbs"]) == ["default"] and shown["routers"] == []


def test_a_replica_of_sqlite_fails_loudly() -> None:
    result = _run(
        "import tandem.settings",
        DATABASE_URL="sqlite:///:memory:",
        DATABASE_REPLICA_URL="postgres://app@db2.example.org:5433/tandem",
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URL needs PostgreSQL" in result.stderr
