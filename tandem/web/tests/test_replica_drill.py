"""The replica drill (#16, 7; bin/replica-drill): against a real streaming hot standby, the
report files and the participants export read from the standby and write to the primary.

Runs only with ``DATABASE_REPLICA_URL`` (the drill sets it); otherwise skipped and says
why. The tests commit (transactional): the standby sees only what the primary committed.
The proof that a read went to the standby: replay is paused on it, a participant is added
on the primary, and the file does not have them — until replay resumes and catches up.
"""

import csv
import io
import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.access.scope import scope_for
from tandem.monitoring.tests import sheets
from tandem.roster import tasks
from tandem.roster.models import RosterExport
from tandem.testing import ParticipantFactory, World, build_world
from tandem.web.dbrouter import PRIMARY, REPLICA

pytestmark = [
    pytest.mark.skipif(
        REPLICA not in settings.DATABASES,
        reason="DATABASE_REPLICA_URL is not set: the standby drill runs from bin/replica-drill",
    ),
    pytest.mark.django_db(transaction=True, databases=[PRIMARY, REPLICA]),
]

NEWCOMER = "Репликова"


def _one(alias: str, sql: str, params: list[str] | None = None) -> object:
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _caught_up() -> None:
    """Waits until the standby has replayed everything the primary has committed so far."""
    lsn = str(_one(PRIMARY, "select pg_current_wal_lsn()::text"))
    for _ in range(200):
        if _one(REPLICA, "select pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]):
            return
        time.sleep(0.05)
    pytest.fail(f"the standby has not replayed {lsn} in 10 s")


@pytest.fixture
def paused(transactional_db: None) -> Iterator[World]:
    """The test world on both servers, then replay paused on the standby."""
    world = build_world()
    cache.clear()
    _caught_up()
    _one(REPLICA, "select pg_wal_replay_pause()::text")
    try:
        for _ in range(200):
            if _one(REPLICA, "select pg_get_wal_replay_pause_state()") == "paused":
                break
            time.sleep(0.05)
        yield world
    finally:
        _one(REPLICA, "select pg_wal_replay_resume()::text")
        _caught_up()


def _newcomer(world: World) -> None:
    ParticipantFactory.create(organization=world.org_a, surname=NEWCOMER, name="Вера")


def test_the_replica_alias_is_a_standby_of_the_primary_test_database() -> None:
    assert _one(REPLICA, "select pg_is_in_recovery()") is True
    assert _one(PRIMARY, "select pg_is_in_recovery()") is False
    assert _one(REPLICA, "select current_database()") == _one(PRIMARY, "select current_database()")
    assert connections[REPLICA].settings_dict["PORT"] != connections[PRIMARY].settings_dict["PORT"]


def _report_names(client: Client, world: World) -> set[str]:
    client.force_login(world.olga)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(reverse("monitoring:report", args=["participants"]))
    assert response.status_code == 200
    assert len(on_replica.captured_queries) > 0
    return {str(row[0]) for row in sheets.read(response.content).rows}


def test_the_report_file_reads_the_standby(client: Client, paused: World) -> None:
    _newcomer(paused)
    names = _report_names(client, paused)
    assert any(n.startswith("Бобров") for n in names)  # replayed before the pause
    assert not any(n.startswith(NEWCOMER) for n in names)  # the standby has not seen it yet
    _one(REPLICA, "select pg_wal_replay_resume()::text")
    _caught_up()
    assert any(n.startswith(NEWCOMER) for n in _report_names(client, paused))


def test_the_export_task_reads_the_standby_and_writes_the_primary(
    paused: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "EXPORT_STEP", 1)  # a progress write after every row
    _newcomer(paused)
    # The job exists on the primary only (replay is paused): the task must read it there.
    job = RosterExport.objects.create(requested_by=paused.alice, fmt="csv", total=4,
                                      rights=scope_for(paused.alice).fingerprint)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        done = tasks.export_participants.call(export_id=job.pk)
    assert len(on_replica.captured_queries) > 0
    assert not any("UPDATE" in q["sql"] for q in on_replica.captured_queries)
    job.refresh_from_db()  # a write on the standby would have failed: it is read-only
    assert job.status == RosterExport.Status.DONE and job.done == done == 3
    text = io.StringIO(bytes(job.content).decode("utf-8-sig"), newline="")
    names = {row[0] for row in csv.reader(text, delimiter=";")}  # the surname first
    assert any(n.startswith("Бобров") for n in names)
    assert not any(n.startswith(NEWCOMER) for n in names)


def test_the_summary_reads_the_primary_whose_cache_the_page_shares(
    client: Client, paused: World
) -> None:
    _newcomer(paused)
    client.force_login(paused.olga)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(reverse("monitoring:report", args=["summary"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert on_replica.captured_queries == []
