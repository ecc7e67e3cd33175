"""Fault injection: a worker killed mid-way (SIGKILL — as the kernel's OOM killer or a
power cut would stop it) leaves its job failed-and-retryable within the lease, and the
all-or-nothing guarantee holds: none of the rows its transaction had written survive, and
the retry writes them all. Also: a check whose web process died, a matching run whose
worker died, and the pages that notice them."""

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator

import pytest
from django.db import connections
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from tandem.access.scope import scope_for
from tandem.people.models import Participant
from tandem.roster import services
from tandem.roster.models import RosterImport
from tandem.roster.tests.files import person, roster_csv, row_of
from tandem.testing import build_pairs, build_world
from tandem.web import jobs

LEASE = 1  # second


@pytest.fixture
def short_lease() -> Iterator[None]:
    with override_settings(TANDEM_JOB_LEASE_SECONDS=LEASE):
        yield


def _commit_then_hang(upload_pk: int, started: "multiprocessing.synchronize.Event") -> None:
    """In the child: the commit writes the new people, then hangs on the changed one."""
    def hang(row: object) -> object:
        started.set()
        time.sleep(600)
        raise AssertionError("not killed")

    services._update = hang  # type: ignore[assignment]
    upload = RosterImport.objects.select_related("uploaded_by").get(pk=upload_pk)
    try:
        services.roster_import_commit(upload=upload, scope=scope_for(upload.uploaded_by))
    finally:
        os._exit(0)


@pytest.mark.django_db(transaction=True)
def test_killed_commit_worker_is_failed_and_retryable_within_the_lease(
        short_lease: None) -> None:
    world = build_world()
    content = roster_csv([person(), person(**{"E-mail": "second@example.org",
                                              "Фамилия": "Вторая"}),
                          row_of(world.bob_p, **{"Стаж (лет)": 3})])
    upload = services.roster_import_store(user=world.alice, filename="r.csv", content=content)
    services.roster_import_check(upload=upload, scope=scope_for(world.alice))
    services.mark_committing(upload=upload)
    before = Participant.objects.count()

    connections.close_all()  # the child opens its own connection
    context = multiprocessing.get_context("fork")
    started = context.Event()
    child = context.Process(target=_commit_then_hang, args=(upload.pk, started))
    child.start()
    try:
        assert started.wait(60), "the child never reached the write"
        time.sleep(LEASE + 0.5)  # its heartbeat is old now, but it is alive
        if connections["default"].vendor == "sqlite":
            # A live writer holds SQLite's write lock: it is not taken for dead.
            assert services.expire_stale(pk=upload.pk) == 0
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        child.join(10)
    finally:
        if child.is_alive():
            child.kill()
    assert child.exitcode == -signal.SIGKILL

    killed_at = time.monotonic()
    deadline = killed_at + LEASE + 5
    while services.expire_stale(pk=upload.pk) == 0:
        assert time.monotonic() < deadline, "still «committing» after the lease"
        time.sleep(0.2)
    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.CHECKED  # the button commits again
    assert "прервалась" in upload.failure and "ещё раз" in upload.failure
    assert Participant.objects.count() == before  # the killed transaction wrote nothing
    assert not Participant.objects.filter(email="novikova@example.org").exists()

    # The retry: the same upload, committed again, writes every row.
    services.mark_committing(upload=upload)
    written = services.roster_import_commit(upload=upload, scope=scope_for(world.alice))
    assert (written.created, written.updated) == (2, 1)
    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.DONE and upload.failure == ""


@pytest.mark.django_db
def test_check_of_a_killed_web_process_fails_on_the_page(
        client: Client, short_lease: None) -> None:
    world = build_world()
    upload = services.roster_import_store(user=world.alice, filename="r.csv",
                                          content=roster_csv([person()]))
    # The web process began a synchronous check at 0 % and died.
    RosterImport.objects.filter(pk=upload.pk).update(
        heartbeat_at=timezone.now() - jobs.lease() * 2)
    client.force_login(world.alice)
    progress = client.get(reverse("roster:progress", kwargs={"pk": upload.pk}))
    assert progress.status_code == 200  # the bar stops: the page reloads
    page = client.get(reverse("roster:preview", kwargs={"pk": upload.pk})).content.decode()
    assert "Проверка прервалась" in page and "Загрузить файл заново" in page
    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.FAILED


@pytest.mark.django_db
def test_queued_job_is_not_taken_for_dead(short_lease: None) -> None:
    """Waiting for a worker (no heartbeat yet) is not a killed worker."""
    world = build_world()
    upload = services.roster_import_store(user=world.alice, filename="r.csv",
                                          content=roster_csv([person()]))
    RosterImport.objects.filter(pk=upload.pk).update(
        created_at=timezone.now() - jobs.lease() * 10)
    assert services.expire_stale() == 0
    assert RosterImport.objects.get(pk=upload.pk).status == RosterImport.Status.CHECKING


@pytest.mark.django_db
def test_matching_run_of_a_killed_worker_fails_and_offers_a_rerun(
        client: Client, short_lease: None) -> None:
    from tandem.pairs import tasks
    from tandem.pairs.models import MatchingRun

    world = build_world()
    run = build_pairs(world).run
    assert isinstance(run, MatchingRun)
    MatchingRun.objects.filter(pk=run.pk).update(
        status=MatchingRun.Status.RUNNING, progress=95,
        heartbeat_at=timezone.now() - jobs.lease() * 2)
    fresh = MatchingRun.objects.create(organization=world.org_a, instance=run.instance,
                                       status=MatchingRun.Status.RUNNING,
                                       heartbeat_at=timezone.now())
    assert jobs.sweep() == {"monitoring_reports": 0, "pairs": 1, "roster": 0,
                            "roster_exports": 0}
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.FAILED and "прервался" in run.error
    assert MatchingRun.objects.get(pk=fresh.pk).status == MatchingRun.Status.RUNNING
    # The worker, late, finds the run given up and does not overwrite it.
    assert tasks.run_matching.call(run_id=run.pk) == 0
    client.force_login(world.alice)
    page = client.get(reverse("pairs:run", kwargs={"pk": run.pk})).content.decode()
    assert "Подбор прервался" in page and "Запустить подбор ещё раз" in page
