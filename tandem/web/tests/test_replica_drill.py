"""The replica drill (#16, 7; bin/replica-drill): against a real streaming hot standby, the
report files and the participants export read from the standby and write to the primary.

Runs only with ``DATABASE_REPLICA_URL`` (the drill sets it); otherwise skipped and says
why. The tests commit (transactional): the standby sees only what the primary committed.
The proof that a read went to the standby: the statements it got. Neither a report file
answered at once nor a background export reads a standby behind the primary's position
(of the request, of the job's take): replay paused on it, a participant added on the
primary is in the file all the same — read on the primary.
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
from tandem.web.personal_cache import personal_cache

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
    personal_cache().clear()
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


def _report(client: Client, world: World) -> tuple[set[str], list[str]]:
    """The first cells of the participants' report file asked on the page, and the
    statements the standby got."""
    client.force_login(world.olga)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(reverse("monitoring:report", args=["participants"]))
    assert response.status_code == 200
    return ({str(row[0]) for row in sheets.read(response.content).rows},
            [q["sql"] for q in on_replica.captured_queries])


def test_the_report_file_reads_the_standby_once_it_has_the_users_writes(
    client: Client, paused: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read-your-writes: replay paused, a participant added on the primary — the file
    answered at once has them, read on the primary (the standby gets only the position
    check); replay resumed and caught up, the file is read on the standby."""
    from tandem.web import dbrouter

    monkeypatch.setattr(dbrouter, "REQUEST_REPLAY_WAIT_SECONDS", 0.3)
    _newcomer(paused)
    names, on_replica = _report(client, paused)
    assert not any("people_participant" in sql for sql in on_replica)  # only the check
    assert any(n.startswith(NEWCOMER) for n in names)
    _one(REPLICA, "select pg_wal_replay_resume()::text")
    _caught_up()
    names, on_replica = _report(client, paused)
    assert any("people_participant" in sql for sql in on_replica)  # the rows: the standby
    assert any(n.startswith(NEWCOMER) for n in names)


def _export(world: World) -> tuple[RosterExport, set[str], list[str]]:
    """An export of Alice's people run by the task: the job, the surnames in its file and
    the statements the standby got."""
    job = RosterExport.objects.create(requested_by=world.alice, fmt="csv", total=4,
                                      rights=scope_for(world.alice).fingerprint)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        done = tasks.export_participants.call(export_id=job.pk)
    job.refresh_from_db()  # a write on the standby would have failed: it is read-only
    assert job.status == RosterExport.Status.DONE and job.done == done
    text = io.StringIO(bytes(job.content).decode("utf-8-sig"), newline="")
    names = {row[0] for row in csv.reader(text, delimiter=";")}  # the surname first
    return job, names, [q["sql"] for q in on_replica.captured_queries]


def test_the_export_task_reads_the_standby_and_writes_the_primary(
    transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "EXPORT_STEP", 1)  # a progress write after every row
    world = build_world()
    _newcomer(world)
    # The job exists on the primary; the standby replays its take within the wait.
    job, names, on_replica = _export(world)
    assert any("people_participant" in sql for sql in on_replica)  # the rows: the standby
    assert not any("UPDATE" in sql for sql in on_replica)
    assert job.done == 4 and any(n.startswith(NEWCOMER) for n in names)


def test_an_export_does_not_read_a_standby_behind_its_take(
    paused: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replay paused: the standby has not seen what the primary committed before the job
    was taken (a newcomer here; an anonymisation's erased name in life). After a short
    wait the task reads the primary: its file has the newcomer."""
    from tandem.web import dbrouter

    monkeypatch.setattr(dbrouter, "REPLAY_WAIT_SECONDS", 0.5)
    _newcomer(paused)
    job, names, on_replica = _export(paused)
    assert not any("people_participant" in sql for sql in on_replica)  # only the check
    assert job.done == 4 and any(n.startswith(NEWCOMER) for n in names)


def test_the_summary_reads_the_primary_whose_cache_the_page_shares(
    client: Client, paused: World
) -> None:
    _newcomer(paused)
    client.force_login(paused.olga)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get(reverse("monitoring:report", args=["summary"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert on_replica.captured_queries == []
