"""Issue #16, item 4: a large participants export is prepared in the background — the page
shows its progress, then a link to the file, for the person who asked only; small ones
are answered at once; the file goes after a day and when a person in it is anonymised."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tandem.access.scope import scope_for
from tandem.roster import services, tasks
from tandem.roster.models import RosterExport
from tandem.testing import World, bulk_participants


@pytest.fixture
def big(world: World, monkeypatch: pytest.MonkeyPatch) -> int:
    """Organization A with 30 more people; «large» starts at 20 rows for the test."""
    bulk_participants(world.org_a, 30)
    monkeypatch.setattr(tasks, "EXPORT_SYNC_ROWS", 20)
    monkeypatch.setattr(tasks, "EXPORT_STEP", 7)
    return 20


def test_a_large_export_runs_in_the_background_and_ends_with_a_link(
        client: Client, world: World, big: int,
        django_capture_on_commit_callbacks: object) -> None:
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.get(reverse("roster:export", kwargs={"fmt": "xlsx"}))
    assert response.status_code == 302
    job = RosterExport.objects.get()
    assert response["Location"] == reverse("roster:export_job", kwargs={"pk": job.pk})
    page = client.get(response["Location"]).content.decode()
    assert "Файл готов:" in page and "Скачать" in page
    job.refresh_from_db()
    assert job.status == RosterExport.Status.DONE and job.done == job.total > big
    file = client.get(reverse("roster:export_file", kwargs={"pk": job.pk}))
    assert file.status_code == 200 and file["Cache-Control"] == "private, no-store"
    sheet = load_workbook(io.BytesIO(b"".join([file.content]))).active
    assert sheet is not None and sheet.max_row == job.total + 1  # the header and every person


def test_the_same_filters_as_the_list_page_and_a_small_export_at_once(
        client: Client, world: World, big: int,
        django_capture_on_commit_callbacks: object) -> None:
    client.force_login(world.alice)
    small = client.get(reverse("roster:export", kwargs={"fmt": "csv"}) + "?q=Каролёва")
    lines = small.content.decode("utf-8-sig").splitlines()
    assert small.status_code == 200 and len(lines) == 2 and lines[1].startswith("Каролёва;")
    assert not RosterExport.objects.exists()
    # The background job keeps the page's filters: the 30 «Сидоров…», nobody else.
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.get(reverse("roster:export", kwargs={"fmt": "csv"}) + "?q=Сидоров")
    job = RosterExport.objects.get()
    rows = bytes(job.content).decode("utf-8-sig").splitlines()[1:]
    assert job.total == job.done == len(rows) == 30
    assert all(row.startswith("Сидоров") for row in rows)


def test_nobody_else_sees_the_job_or_its_file(client: Client, world: World, big: int,
                                              django_capture_on_commit_callbacks: object
                                              ) -> None:
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.get(reverse("roster:export", kwargs={"fmt": "csv"}))
    job = RosterExport.objects.get()
    for outsider in (world.olga, world.erin, world.bob):  # the region's operator too
        client.force_login(outsider)
        assert client.get(reverse("roster:export_job", kwargs={"pk": job.pk})
                          ).status_code in (403, 404)
        assert client.get(reverse("roster:export_file", kwargs={"pk": job.pk})
                          ).status_code in (403, 404)


def test_a_killed_export_says_so_and_old_files_are_deleted(
        client: Client, world: World, big: int) -> None:
    job = RosterExport.objects.create(requested_by=world.alice, fmt="xlsx", total=30,
                                      rights=scope_for(world.alice).fingerprint,
                                      status=RosterExport.Status.RUNNING,
                                      heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(world.alice)
    page = client.get(reverse("roster:export_job", kwargs={"pk": job.pk})).content.decode()
    assert "Не удалось подготовить выгрузку" in page
    RosterExport.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - dt.timedelta(days=2))
    assert services.expire_stale_exports() == 1
    assert not RosterExport.objects.exists()


def test_anonymising_a_person_deletes_the_exports_that_name_them(
        client: Client, world: World, big: int,
        django_capture_on_commit_callbacks: object) -> None:
    from tandem.people.personal_data import participant_anonymise

    client.force_login(world.alice)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.get(reverse("roster:export", kwargs={"fmt": "csv"}))
    assert RosterExport.objects.filter(status=RosterExport.Status.DONE).count() == 1
    participant_anonymise(participant=world.carol_p, actor=world.alice)
    assert not RosterExport.objects.exists()


def test_an_export_never_taken_by_a_worker_fails_after_a_while_and_anonymising_stops_one(
        world: World) -> None:
    from tandem.people.personal_data import participant_anonymise

    stuck = RosterExport.objects.create(requested_by=world.alice, fmt="csv", total=30)
    waiting = RosterExport.objects.create(requested_by=world.alice, fmt="csv", total=30)
    RosterExport.objects.filter(pk=stuck.pk).update(
        created_at=timezone.now() - services.EXPORT_QUEUED_AT_MOST - dt.timedelta(minutes=1))
    services.expire_stale_exports()
    stuck.refresh_from_db()
    waiting.refresh_from_db()
    assert (stuck.status, waiting.status) == (RosterExport.Status.FAILED,
                                              RosterExport.Status.QUEUED)
    # The one still waiting may read the person once it runs: the anonymisation drops it.
    participant_anonymise(participant=world.carol_p, actor=world.alice)
    assert not RosterExport.objects.filter(pk=waiting.pk).exists()


def test_an_export_made_under_wider_rights_is_not_handed_out_after_they_shrink(
        client: Client, world: World, big: int,
        django_capture_on_commit_callbacks: object) -> None:
    """The region's export, made for the region's operator, is no longer hers once she
    coordinates one municipality: the page says so in Russian, the file is a 404 (review
    finding: it stayed downloadable for a day)."""
    from tandem.access.models import Role, RoleAssignment

    client.force_login(world.olga)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        client.get(reverse("roster:export", kwargs={"fmt": "csv"}))
    job = RosterExport.objects.get(status=RosterExport.Status.DONE)
    file = reverse("roster:export_file", kwargs={"pk": job.pk})
    assert client.get(file).status_code == 200
    RoleAssignment.objects.filter(user=world.olga).delete()
    RoleAssignment.objects.create(user=world.olga, role=Role.MUNICIPAL_COORDINATOR,
                                  municipality=world.municipality_a)
    page = client.get(reverse("roster:export_job", kwargs={"pk": job.pk})).content.decode()
    assert "Ваши права изменились после заказа выгрузки" in page and "Скачать" not in page
    assert client.get(file).status_code == 404


def test_an_export_whose_owner_lost_rights_before_it_ran_is_refused(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from tandem.access.models import RoleAssignment

    job = RosterExport.objects.create(requested_by=world.alice, fmt="csv", total=30,
                                      rights=scope_for(world.alice).fingerprint)
    RoleAssignment.objects.filter(user=world.alice).delete()
    with caplog.at_level(logging.WARNING, logger="tandem"):
        assert tasks.export_participants.call(export_id=job.pk) == 0
    job.refresh_from_db()
    assert job.status == RosterExport.Status.REFUSED and not job.content
    assert [(r.levelname, r.exc_info) for r in caplog.records] == [("WARNING", None)]


def test_an_export_is_not_handed_out_once_a_school_left_the_owners_territory(
        client: Client, world: World) -> None:
    """The coordinator's roles stay the same, but a school of her municipality moves to
    another one: its people are out of her scope, and the file that names them is no
    longer hers (review finding: the fingerprint hashed the roles, not the schools)."""
    from tandem.access.scope import _compute_scope, fingerprint_now

    before = scope_for(world.erin).fingerprint  # coordinator of municipality A (org_a)
    job = RosterExport.objects.create(
        requested_by=world.erin, rights=before, fmt="csv", total=1, done=1,
        filename="участники.csv", status=RosterExport.Status.DONE,
        content="Каролёва;Карина\n".encode())
    client.force_login(world.erin)
    file = reverse("roster:export_file", kwargs={"pk": job.pk})
    assert client.get(file).status_code == 200
    world.org_a.municipality = world.municipality_b
    world.org_a.save()
    assert not _compute_scope(world.erin).participants().filter(pk=world.carol_p.pk).exists()
    assert fingerprint_now(world.erin.pk) != before
    assert client.get(file).status_code == 404
    page = client.get(reverse("roster:export_job", kwargs={"pk": job.pk})).content.decode()
    assert "Ваши права изменились после заказа выгрузки" in page


def test_an_export_whose_rows_would_be_read_under_other_rights_is_refused(
        world: World, big: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The job's checks of the rights and the scope its rows are read under are two
    readings of the roles: a change between them (here: the checks see the old rights)
    refuses the job rather than store a file made under the new ones (review finding)."""
    from tandem.access.models import Role, RoleAssignment

    job = RosterExport.objects.create(requested_by=world.olga, fmt="csv", total=30,
                                      rights=scope_for(world.olga).fingerprint)
    monkeypatch.setattr(tasks, "fingerprint_now", lambda user_id: job.rights)
    RoleAssignment.objects.filter(user=world.olga).delete()
    RoleAssignment.objects.create(user=world.olga, role=Role.MUNICIPAL_COORDINATOR,
                                  municipality=world.municipality_a)
    assert tasks.export_participants.call(export_id=job.pk) == 0
    job.refresh_from_db()
    assert job.status == RosterExport.Status.REFUSED and not job.content


def test_an_export_asked_for_before_rights_were_kept_says_so_neutrally(
        client: Client, world: World) -> None:
    """A job of before the deploy (no fingerprint): not handed out, and the page does not
    claim the rights changed — it asks to export again."""
    job = RosterExport.objects.create(
        requested_by=world.alice, rights="", fmt="csv", total=1, done=1,
        filename="участники.csv", status=RosterExport.Status.DONE, content=b"x")
    client.force_login(world.alice)
    page = client.get(reverse("roster:export_job", kwargs={"pk": job.pk})).content.decode()
    assert "заказали до обновления системы" in page and "права изменились" not in page
    assert client.get(reverse("roster:export_file", kwargs={"pk": job.pk})).status_code == 404


def test_an_export_reads_the_replica_only_once_it_replayed_the_take(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The job notes the primary's WAL position when it is taken (after any anonymisation
    committed) and hands it to ``reading_from_replica`` (tandem/web/dbrouter.py)."""
    from contextlib import contextmanager

    from tandem.web import exports

    seen: list[str | None] = []

    @contextmanager
    def reading(*, fresh_as_of: str | None = None):  # type: ignore[no-untyped-def]
        seen.append(fresh_as_of)
        yield

    monkeypatch.setattr(exports, "primary_lsn", lambda: "0/16B3748")
    monkeypatch.setattr(tasks, "reading_from_replica", reading)
    job = RosterExport.objects.create(requested_by=world.alice, fmt="csv", total=3,
                                      rights=scope_for(world.alice).fingerprint)
    assert tasks.export_participants.call(export_id=job.pk) == 3
    assert seen == ["0/16B3748"]
