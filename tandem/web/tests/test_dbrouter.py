"""The replica router (#16, 7): reports and exports read from ``replica`` only inside
``reading_from_replica()`` and only when ``DATABASE_REPLICA_URL`` is set; writes never
leave the primary. The real standby is exercised by bin/replica-drill
(tandem/web/tests/test_replica_drill.py)."""

import json
import logging
import threading

import pytest
from django.conf import settings
from django.db import connection
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


def test_a_job_reads_the_replica_only_once_it_has_replayed_the_take(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """``fresh_as_of``: a replica that has not replayed the primary's position of the
    job's take (an anonymisation committed just before) is not read — after a short wait
    the reads stay on the primary, with an INFO line; one that has is read as before."""
    from tandem.web import dbrouter

    replays: list[bool] = []
    caught_up = [False]

    def replayed(lsn: str, **kwargs: object) -> bool:
        replays.append(caught_up[0])
        return caught_up[0]

    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)
    monkeypatch.setattr(dbrouter, "replayed", replayed)
    monkeypatch.setattr(dbrouter, "REPLAY_WAIT_SECONDS", 0.0)
    with caplog.at_level(logging.INFO, logger="tandem.web.dbrouter"):
        with reading_from_replica(fresh_as_of="0/16B3748"):
            assert dbrouter._wanted.get() is False  # the primary
    assert replays and "0/16B3748" in caplog.text
    caught_up[0] = True
    with reading_from_replica(fresh_as_of="0/16B3748"):
        assert dbrouter._wanted.get() is True
    with reading_from_replica():  # a page's report: no position, as before
        assert dbrouter._wanted.get() is True


def test_without_a_replica_a_job_notes_no_position_and_waits_for_nothing() -> None:
    from tandem.web import dbrouter

    assert dbrouter.primary_lsn() is None
    with reading_from_replica(fresh_as_of="0/16B3748"):
        assert dbrouter._wanted.get() is True  # and the router, not installed, reads default


@pytest.mark.django_db
def test_a_primary_counts_as_replayed_a_standby_that_has_not_does_not() -> None:
    """``replayed`` on a server that is no standby (a test's replica alias mirrors the
    primary) is true for any position; the SQL compares WAL positions as ``pg_lsn``."""
    if connection.vendor != "postgresql":
        pytest.skip("WAL positions are PostgreSQL's")
    from tandem.web import dbrouter

    assert dbrouter.replayed("FFFFFFFF/FFFFFFFF", alias=PRIMARY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(NULL::pg_lsn >= %s::pg_lsn, false)", ["0/1"])
        assert cursor.fetchone()[0] is False  # a standby that replayed nothing yet


def test_a_replica_that_cannot_be_asked_counts_as_not_replayed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A replica that cannot be reached (its connection raises) is not fresh: the job's
    reads stay on the primary instead of the job failing (review finding)."""
    from django.db import DatabaseError

    from tandem.web import dbrouter

    class Unreachable:
        def cursor(self) -> object:
            raise DatabaseError("connection refused")

        def close(self) -> None:
            pass

    monkeypatch.setattr(dbrouter, "_down_until", 0.0)  # restored: no other test skips it
    monkeypatch.setattr(dbrouter, "connections", {"replica": Unreachable()})
    assert dbrouter.replayed("0/1", alias="replica") is False


def test_an_unreachable_replica_is_not_tried_again_for_a_while(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Review: an immediate report asks the replica twice (is the file large, then its
    rows), and each try at an unreachable one waits the connection's timeout; a job's wait
    polled it till its deadline. Once unreachable, the replica is not tried again for
    ``DOWN_SECONDS`` (this process): no wait at all, the primary is read."""
    from django.db import DatabaseError

    from tandem.web import dbrouter

    tries: list[str] = []

    class Unreachable:
        def cursor(self) -> object:
            tries.append("connect")
            raise DatabaseError("connection refused")

        def close(self) -> None:
            pass

    clock = [1000.0]
    monkeypatch.setattr(dbrouter.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(dbrouter, "_down_until", 0.0)
    monkeypatch.setattr(dbrouter, "connections", {"replica": Unreachable()})
    monkeypatch.setattr(dbrouter, "replica_configured", lambda: True)
    monkeypatch.setattr(dbrouter.time, "sleep", lambda seconds: pytest.fail("waited"))
    assert dbrouter.replica_fresh("0/1", wait=5.0) is False
    assert dbrouter.replica_fresh("0/1", wait=5.0) is False
    assert tries == ["connect"]  # the second asked nobody and waited for nothing
    clock[0] += dbrouter.DOWN_SECONDS
    assert dbrouter.replica_fresh("0/1", wait=0.0) is False
    assert tries == ["connect", "connect"]  # tried again once the while is over
