"""Background report jobs (tandem/web/exports.py) against changes around them (review
findings): the owner's rights shrinking after the request or while the job runs, a long
data step outliving the lease, an anonymisation racing a job on PostgreSQL."""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.access.models import Role, RoleAssignment
from tandem.access.scope import fingerprint_now, forget_scope, scope_for
from tandem.accounts.models import User
from tandem.monitoring import tasks
from tandem.monitoring.models import ReportJob
from tandem.monitoring.tests import sheets
from tandem.testing import (
    HeldRace,
    MunicipalityFactory,
    OrganizationFactory,
    RegionFactory,
    UserFactory,
    World,
    build_world,
)
from tandem.web import exports, jobs

RIGHTS_CHANGED = "Ваши права изменились после заказа отчёта — сформируйте отчёт заново"


def _job(user: User, *, report: str = "participants", **fields: Any) -> ReportJob:
    """A job as ``report_soon`` makes it: the owner's rights fingerprinted."""
    forget_scope(user)
    return ReportJob.objects.create(requested_by=user, report=report, fmt="xlsx", total=3,
                                    rights=scope_for(user).fingerprint, **fields)


def _shrink(world: World) -> None:
    """Olga, the region's operator, becomes the coordinator of municipality A only."""
    RoleAssignment.objects.filter(user=world.olga).delete()
    RoleAssignment.objects.create(user=world.olga, role=Role.MUNICIPAL_COORDINATOR,
                                  municipality=world.municipality_a)
    forget_scope(world.olga)


def _page(client: Client, job: ReportJob, view: str = "monitoring:report_job") -> Any:
    return client.get(reverse(view, kwargs={"pk": job.pk}))


def test_the_fingerprint_follows_the_roles_and_nothing_else(world: World) -> None:
    before = fingerprint_now(world.olga.pk)
    assert before == scope_for(world.olga).fingerprint
    assert before != fingerprint_now(world.erin.pk)  # another role, another string
    world.region.time_zone = "Asia/Tokyo"  # the zone is no right
    world.region.save()
    assert fingerprint_now(world.olga.pk) == before
    _shrink(world)
    assert fingerprint_now(world.olga.pk) not in (before, "")
    world.olga.is_active = False
    world.olga.save()
    assert fingerprint_now(world.olga.pk) == fingerprint_now(None)


def test_a_file_made_under_wider_rights_is_not_handed_out_after_they_shrink(
        client: Client, world: World) -> None:
    """(a) The region's file, made for the region's operator, is no longer hers once she
    coordinates one municipality: the page says so in Russian, the file is a 404, the
    poll reloads the page; her rights given back, the file is hers again."""
    job = _job(world.olga, status=ReportJob.Status.DONE, content=b"file", done=3,
               filename="participants.xlsx")
    client.force_login(world.olga)
    assert _page(client, job, "monitoring:report_file").content == b"file"
    _shrink(world)
    page = _page(client, job)
    assert page.status_code == 200 and RIGHTS_CHANGED in page.content.decode()
    assert "Скачать" not in page.content.decode()
    assert _page(client, job, "monitoring:report_file").status_code == 404
    running = _job(world.olga, status=ReportJob.Status.RUNNING, heartbeat_at=timezone.now())
    ReportJob.objects.filter(pk=running.pk).update(rights=job.rights)  # asked before
    assert client.get(reverse("monitoring:report_job", kwargs={"pk": running.pk}),
                      headers={"HX-Request": "true"})["HX-Refresh"] == "true"
    RoleAssignment.objects.filter(user=world.olga).delete()
    RoleAssignment.objects.create(user=world.olga, role=Role.REGION_OPERATOR,
                                  region=world.region)
    assert _page(client, job, "monitoring:report_file").content == b"file"


def test_rights_shrunk_before_the_job_ran_are_a_message_and_a_warning(
        client: Client, world: World, caplog: pytest.LogCaptureFixture) -> None:
    """(c) Not a server error with a traceback: the job is refused, the page says why,
    the log has one warning line."""
    job = _job(world.olga)
    _shrink(world)
    with caplog.at_level(logging.INFO, logger="tandem"):
        assert tasks.make_report.call(job_id=job.pk) == 0
    job.refresh_from_db()
    assert job.status == ReportJob.Status.REFUSED and not job.content
    records = [r for r in caplog.records if r.name.startswith("tandem.web")]
    assert [(r.levelname, r.exc_info) for r in records] == [("WARNING", None)]
    client.force_login(world.olga)
    page = _page(client, job).content.decode()
    assert RIGHTS_CHANGED in page and "ошибки на сервере" not in page


def test_rights_shrunk_while_the_job_ran_store_no_file(
        client: Client, world: World, caplog: pytest.LogCaptureFixture) -> None:
    """(c) The rights change during the data step: the file made under the old ones is
    not stored, the job is refused — and says so even to an owner whose rights are back."""
    job = _job(world.olga)

    def make(running: ReportJob, counted: Any) -> tuple[bytes, str]:
        _shrink(world)
        return b"the region's file", "participants.xlsx"

    with caplog.at_level(logging.WARNING, logger="tandem"):
        assert exports.write(ReportJob, job.pk, make, rights_now=fingerprint_now) == 0
    job.refresh_from_db()
    assert job.status == ReportJob.Status.REFUSED and not job.content and not job.filename
    assert [r.exc_info for r in caplog.records] == [None]
    RoleAssignment.objects.filter(user=world.olga).delete()
    RoleAssignment.objects.create(user=world.olga, role=Role.REGION_OPERATOR,
                                  region=world.region)
    client.force_login(world.olga)
    assert RIGHTS_CHANGED in _page(client, job).content.decode()


def test_filters_out_of_the_scope_now_are_refused_too(world: World) -> None:
    """The page's organization filter is no longer in the owner's scope (the scope is the
    same string, the filter's organization moved away): refused, not failed."""
    job = _job(world.alice, query=f"organization={world.org_b.pk}")
    assert tasks.make_report.call(job_id=job.pk) == 0
    job.refresh_from_db()
    assert job.status == ReportJob.Status.REFUSED


def test_a_school_leaving_the_owners_territory_changes_her_rights(
        client: Client, world: World) -> None:
    """The coordinator's roles stay, her municipality's school moves to another one: the
    report made while it was hers is not handed out (review finding)."""
    job = _job(world.erin, status=ReportJob.Status.DONE, content=b"file", done=3,
               filename="participants.xlsx")
    client.force_login(world.erin)
    assert _page(client, job, "monitoring:report_file").content == b"file"
    world.org_a.municipality = world.municipality_b
    world.org_a.save()
    assert fingerprint_now(world.erin.pk) != job.rights
    assert _page(client, job, "monitoring:report_file").status_code == 404
    assert RIGHTS_CHANGED in _page(client, job).content.decode()


def test_rows_read_under_other_rights_than_the_checks_saw_are_refused(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """``make`` computes the scope it reads under apart from :func:`exports.write`'s
    checks: it compares that scope's fingerprint with the job's too (review finding)."""
    job = _job(world.olga)
    monkeypatch.setattr(tasks, "fingerprint_now", lambda user_id: job.rights)
    _shrink(world)
    assert tasks.make_report.call(job_id=job.pk) == 0
    job.refresh_from_db()
    assert job.status == ReportJob.Status.REFUSED and not job.content


def test_a_job_of_before_the_fingerprints_asks_to_report_again_neutrally(
        client: Client, world: World) -> None:
    """``rights=""`` (asked for before the deploy): no file, and no untrue «права
    изменились» — a neutral request to make the report again."""
    job = _job(world.olga, status=ReportJob.Status.DONE, content=b"file", done=3,
               filename="participants.xlsx")
    ReportJob.objects.filter(pk=job.pk).update(rights="")
    client.force_login(world.olga)
    page = _page(client, job).content.decode()
    assert "Этот отчёт заказали до обновления системы — сформируйте отчёт заново" in page
    assert RIGHTS_CHANGED not in page and "Скачать" not in page
    assert _page(client, job, "monitoring:report_file").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_a_finished_job_waiting_for_an_anonymisation_keeps_its_lease() -> None:
    """PostgreSQL: the file is made, and its store waits for an anonymisation holding the
    erasure lock longer than the lease. The heartbeat goes on during the wait: the sweep
    leaves the job alone, and it stores its file once the lock is free. (Before: the beat
    had stopped with the data step, and the sweep failed a finished job.)"""
    if connection.vendor != "postgresql":
        pytest.skip("блокировка анонимизации есть только на PostgreSQL (SQLite пишет по очереди)")
    world = build_world()
    job = _job(world.olga)
    made, held = threading.Event(), threading.Event()
    swept: list[int] = []
    errors: list[BaseException] = []

    def anonymisation() -> None:  # holds the lock alone, as participant_anonymise does
        try:
            with transaction.atomic():
                exports.erasure_lock(shared=False)
                held.set()
                assert made.wait(30)
                finished = timezone.now()
                for _ in range(300):  # until a beat is a whole lease past the data step
                    beat = ReportJob.objects.values_list("heartbeat_at", flat=True).get(
                        pk=job.pk)
                    if beat is not None and beat - finished > jobs.lease():
                        break
                    time.sleep(0.1)
                swept.append(jobs.sweep()["monitoring_reports"])
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)
        finally:
            connections.close_all()

    def make(running: ReportJob, counted: Any) -> tuple[bytes, str]:
        assert held.wait(30)
        made.set()
        return b"file", "participants.xlsx"

    eraser = threading.Thread(target=anonymisation)
    # (a lease of 1 s failed once in a full run at load 8–9: a starved heartbeat thread)
    with override_settings(TANDEM_JOB_LEASE_SECONDS=3):
        eraser.start()
        exports.write(ReportJob, job.pk, make, rights_now=fingerprint_now)
        eraser.join(60)
    assert not errors, [repr(e) for e in errors]
    job.refresh_from_db()
    assert swept == [0] and job.status == ReportJob.Status.DONE and bytes(job.content) == b"file"
    assert "tandem-heartbeat" not in {t.name for t in threading.enumerate()}  # stopped


@pytest.mark.django_db(transaction=True)
def test_a_long_data_step_keeps_its_lease() -> None:
    """(e) A data step longer than the lease writes no progress, but the job's heartbeat
    goes on from its own thread: the sweep, run while the step is still busy past the
    lease, leaves the job alone, and its file is stored. (Before: the sweep failed it.)"""
    world = build_world()
    job = _job(world.olga)
    started = ReportJob.objects.values_list("created_at", flat=True).get(pk=job.pk)
    swept: list[int] = []

    def make(running: ReportJob, counted: Any) -> tuple[bytes, str]:
        # Busy until the heartbeat written by the thread is a whole lease past the start
        # (a job that beat only at its start would be stale by now), then the sweep.
        for _ in range(600):
            beat = ReportJob.objects.values_list("heartbeat_at", flat=True).get(pk=job.pk)
            if beat is not None and beat - started > jobs.lease():
                break
            time.sleep(0.1)
        swept.append(jobs.sweep()["monitoring_reports"])
        return b"file", "participants.xlsx"

    with override_settings(TANDEM_JOB_LEASE_SECONDS=1):
        assert exports.write(ReportJob, job.pk, make, rights_now=fingerprint_now) == 0
    job.refresh_from_db()
    assert swept == [0] and job.status == ReportJob.Status.DONE and bytes(job.content) == b"file"
    assert "tandem-heartbeat" not in {t.name for t in threading.enumerate()}  # stopped


@pytest.mark.django_db(transaction=True)
def test_a_job_never_stores_a_name_read_before_an_anonymisation_committed() -> None:
    """(f) PostgreSQL: an anonymisation has deleted the report jobs but not yet committed;
    a job asked for right then starts. Before: it read the person's old name (still
    committed) and stored it in a file the anonymisation no longer deletes. Now the job's
    start waits for the anonymisation and reads the erased name."""
    if connection.vendor != "postgresql":
        pytest.skip("гонка двух транзакций бывает только на PostgreSQL (SQLite пишет по очереди)")
    from tandem.people import personal_data

    world = build_world()
    registered = personal_data.anonymisers()

    def anonymise(hold: Callable[[], None]) -> None:
        # the last anonymiser holds: every job already deleted, not yet committed
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(personal_data, "anonymisers",
                       lambda: [*registered, ("z", lambda _e: hold())])
            personal_data.participant_anonymise(participant=world.carol_p, actor=None)

    job_ids: list[int] = []

    def report() -> None:
        job = _job(world.alice)  # the request (committed): then the worker
        job_ids.append(job.pk)
        tasks.make_report.call(job_id=job.pk)

    race = HeldRace(anonymise, report)
    race.start()
    race.second_waits()
    race.finish()
    rows = _rows(job_ids)
    assert rows  # the job ran after the anonymisation: its file lists Alice's people
    assert not any("Каролёва" in str(value) for row in rows for value in row)


def _rows(job_ids: list[int]) -> list[tuple[Any, ...]]:
    """Every stored row of these jobs' files (a deleted job: none)."""
    rows: list[tuple[Any, ...]] = []
    for job in ReportJob.objects.filter(pk__in=job_ids).exclude(content=b""):
        assert job.status == ReportJob.Status.DONE
        rows.extend(sheets.read(bytes(job.content)).rows)
    return rows


def test_a_file_stays_hers_when_her_rights_grow(client: Client, world: World) -> None:
    """A school added to Olga's region, a second role for Erin: the files made under the
    narrower rights are still theirs — a new school is no reason to refuse them."""
    olgas = _job(world.olga, status=ReportJob.Status.DONE, content=b"region", done=3,
                 filename="participants.xlsx")
    erins = _job(world.erin, status=ReportJob.Status.DONE, content=b"city", done=3,
                 filename="participants.xlsx")
    before = fingerprint_now(world.olga.pk)
    OrganizationFactory.create(municipality=world.municipality_b)
    RoleAssignment.objects.create(user=world.erin, role=Role.CURATOR, organization=world.org_b)
    assert fingerprint_now(world.olga.pk) != before  # the layout changed
    client.force_login(world.olga)
    assert _page(client, olgas, "monitoring:report_file").content == b"region"
    assert RIGHTS_CHANGED not in _page(client, olgas).content.decode()
    client.force_login(world.erin)
    assert _page(client, erins, "monitoring:report_file").content == b"city"


def test_rights_grown_before_the_job_ran_make_the_file_under_the_new_ones(
        world: World) -> None:
    """The job runs (not refused) and keeps the rights it was made under: they, not the
    request's, are what its owner is held to from then on."""
    job = _job(world.olga)
    OrganizationFactory.create(municipality=world.municipality_b)
    assert tasks.make_report.call(job_id=job.pk) > 0
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE and job.rights == fingerprint_now(world.olga.pk)


def test_a_school_moved_within_her_territory_keeps_the_file_one_moved_out_does_not(
        client: Client, world: World) -> None:
    job = _job(world.olga, status=ReportJob.Status.DONE, content=b"file", done=3,
               filename="participants.xlsx")
    client.force_login(world.olga)
    world.org_a.municipality = world.municipality_b  # still her region
    world.org_a.save()
    assert _page(client, job, "monitoring:report_file").content == b"file"
    elsewhere = MunicipalityFactory.create(region=RegionFactory.create())
    world.org_b.municipality = elsewhere
    world.org_b.save()
    assert _page(client, job, "monitoring:report_file").status_code == 404
    assert RIGHTS_CHANGED in _page(client, job).content.decode()


def _poll(client: Client, job: ReportJob) -> list[str]:
    """The statements of one progress poll of a running job (the bar, not a reload)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("monitoring:report_job", kwargs={"pk": job.pk}),
                              headers={"HX-Request": "true"})
    assert response.status_code == 200 and "HX-Refresh" not in response
    return [q["sql"] for q in queries.captured_queries]


def _lists_organizations(sql: str) -> bool:
    """A statement reading the organizations themselves (the scope's roles and the own
    record only join one each)."""
    return 'FROM "territory_organization"' in sql


def test_the_progress_poll_reads_no_organizations_at_any_size(
        client: Client, world: World) -> None:
    """Issue #16: the poll compared the rights by hashing every organization of the
    region each second. Now the fingerprint is the roles and the layout version: a region
    of 2 schools and one of 60 cost the same statements, none on the organizations."""
    big = RegionFactory.create()
    rita = UserFactory.create(username="rita")
    RoleAssignment.objects.create(user=rita, role=Role.REGION_OPERATOR, region=big)
    for municipality in MunicipalityFactory.create_batch(3, region=big):
        OrganizationFactory.create_batch(20, municipality=municipality)
    polls = []
    for user in (world.olga, rita):
        job = _job(user, status=ReportJob.Status.RUNNING, heartbeat_at=timezone.now())
        client.force_login(user)
        polls.append(_poll(client, job))
    small, large = polls
    assert len(small) == len(large)
    assert not any(_lists_organizations(sql) for sql in small + large)


def test_after_a_layout_change_the_poll_compares_the_organizations_once(
        client: Client, world: World) -> None:
    cache.clear()
    job = _job(world.olga, status=ReportJob.Status.RUNNING, heartbeat_at=timezone.now())
    client.force_login(world.olga)
    OrganizationFactory.create(municipality=world.municipality_b)
    first, second = _poll(client, job), _poll(client, job)
    assert any(_lists_organizations(sql) for sql in first)
    assert not any(_lists_organizations(sql) for sql in second)  # remembered


def test_a_school_moved_before_the_first_change_of_a_database_refuses_the_file(
        client: Client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review (a leak): on a database with no counter row yet (migration 0004 made none)
    the layout read 0 and ``record`` skipped its check. Erin's rights grew after her
    request (a curator role: the worker's fingerprint is new, not yet recorded) and school
    A left her city between the store's check and ``record``'s reading: the file with
    school A's people stayed hers. Now the layout is always a number and always checked:
    the job is refused."""
    from tandem.access import scope as scope_mod
    from tandem.territory.models import LayoutVersion, Organization

    LayoutVersion.objects.all().delete()  # as migration 0004 used to leave a database
    job = _job(world.erin)
    RoleAssignment.objects.create(user=world.erin, role=Role.CURATOR, organization=world.org_b)
    original = scope_mod.Rights._covered
    calls = {"n": 0}

    def covered(self: scope_mod.Rights) -> list[int]:
        calls["n"] += 1
        if calls["n"] == 1:  # the store's record(): a concurrent move commits now
            Organization.objects.filter(pk=world.org_a.pk).update(
                municipality=world.municipality_b)
        return original(self)

    monkeypatch.setattr(scope_mod.Rights, "_covered", covered)
    tasks.make_report.call(job_id=job.pk)
    monkeypatch.setattr(scope_mod.Rights, "_covered", original)
    assert calls["n"] >= 1
    job.refresh_from_db()
    assert job.status == ReportJob.Status.REFUSED and not bytes(job.content)
    client.force_login(world.erin)
    assert _page(client, job, "monitoring:report_file").status_code != 200
