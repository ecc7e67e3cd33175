"""Issue #16, item 4: a monitoring report of many rows is made in the background — the page
shows its progress, then a link to the file, for the person who asked only; small ones are
answered at once, unchanged; a failed job says so in Russian and shows no file."""

import dataclasses
import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.access.scope import fingerprint_now, scope_for
from tandem.monitoring import tasks
from tandem.monitoring.models import ReportJob
from tandem.monitoring.reports import REPORTS
from tandem.monitoring.tests import sheets
from tandem.pairs.models import Pair
from tandem.testing import World, bulk_participants
from tandem.web import exports

URL = "monitoring:report"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


@pytest.fixture
def big(world: World, monkeypatch: pytest.MonkeyPatch) -> int:
    """Organization A with 30 more people; «large» starts at 20 rows for the test."""
    bulk_participants(world.org_a, 30)
    monkeypatch.setattr(tasks, "REPORT_SYNC_ROWS", 20)
    monkeypatch.setattr(tasks, "REPORT_STEP", 7)
    return 20


def _content(content: bytes) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The sheet's caption (less the «made at» minute) with its header, rows and totals."""
    sheet = sheets.read(content)
    return ([c for c in sheet.caption if not c.startswith("Сформирован")],
            [sheet.header, *sheet.rows, sheet.totals])


def _immediate(client: Client, name: str, query: str = "") -> bytes:
    response = client.get(reverse(URL, args=[name]) + query)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    return response.content


def _queued(client: Client, name: str, capture: Any, query: str = "") -> ReportJob:
    with capture(execute=True):
        response = client.get(reverse(URL, args=[name]) + query)
    assert response.status_code == 302 and "/reports/" in response["Location"]
    job = ReportJob.objects.get(report=name)
    assert response["Location"] == reverse("monitoring:report_job", kwargs={"pk": job.pk})
    return job


def test_a_small_report_stays_immediate(client: Client, world: World) -> None:
    client.force_login(world.alice)
    content = _immediate(client, "participants")
    assert not ReportJob.objects.exists()
    caption, rows = _content(content)
    assert caption[0] == "Участники и диагностика" and len(rows) == 2 + 3  # header, totals


@pytest.mark.parametrize("name", ["participants", "pairs", "effectiveness"])
def test_a_large_report_goes_through_the_task_and_gives_the_same_file(
        client: Client, world: World, big: int, name: str, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Any) -> None:
    people = list(world.org_a.participants.order_by("pk"))
    for a, b in zip(people[0::2], people[1::2], strict=False):
        Pair.objects.create(a=a, b=b, organization=world.org_a, status=Pair.Status.ACTIVE,
                            starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31))
    client.force_login(world.alice)
    monkeypatch.setattr(tasks, "REPORT_SYNC_ROWS", 10 ** 9)
    at_once = _immediate(client, name)
    monkeypatch.setattr(tasks, "REPORT_SYNC_ROWS", 10)  # 16 pairs, 32 effectiveness rows
    job = _queued(client, name, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.DONE and job.done == job.total > 10
    page = client.get(reverse("monitoring:report_job", kwargs={"pk": job.pk})).content.decode()
    assert "Отчёт готов:" in page and "Скачать" in page
    file = client.get(reverse("monitoring:report_file", kwargs={"pk": job.pk}))
    assert file.status_code == 200 and file["Cache-Control"] == "private, no-store"
    assert _content(file.content) == _content(at_once)


def test_the_job_keeps_the_pages_filters(client: Client, world: World, big: int,
                                         django_capture_on_commit_callbacks: Any) -> None:
    """Organization A's filter: its 30 + people, nobody of another organization."""
    client.force_login(world.olga)  # the region: organizations A and B
    query = f"?organization={world.org_a.pk}"
    at_once_total = tasks.REPORT_SYNC_ROWS
    job = _queued(client, "participants", django_capture_on_commit_callbacks, query)
    job.refresh_from_db()
    assert f"organization={world.org_a.pk}" in job.query and at_once_total == 20
    _caption, rows = _content(bytes(job.content))
    assert {r[2] for r in rows[1:-1]} == {world.org_a.short_name}
    # Another user, even of the same region: no page, no file.
    client.force_login(world.erin)
    for view in ("monitoring:report_job", "monitoring:report_file"):
        assert client.get(reverse(view, kwargs={"pk": job.pk})).status_code == 404


def test_bad_filters_make_no_job(client: Client, world: World, big: int) -> None:
    client.force_login(world.alice)
    response = client.get(reverse(URL, args=["participants"]) + "?date_from=вчера")
    assert response["Location"] == reverse("monitoring:index")
    outside = client.get(reverse(URL, args=["participants"]) + "?organization=999999")
    assert outside.status_code == 404 and not ReportJob.objects.exists()


def test_a_failed_job_says_so_and_shows_no_file(
        client: Client, world: World, big: int,
        django_capture_on_commit_callbacks: Any) -> None:
    client.force_login(world.alice)
    broken = dataclasses.replace(REPORTS["participants"],
                                 render=mock.Mock(side_effect=RuntimeError("disk full")))
    with mock.patch.dict(REPORTS, {"participants": broken}):
        _queued(client, "participants", django_capture_on_commit_callbacks)
    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.FAILED and bytes(job.content) == b""
    page = client.get(reverse("monitoring:report_job", kwargs={"pk": job.pk})).content.decode()
    assert "Не удалось подготовить отчёт из-за ошибки на сервере" in page
    assert "Скачать" not in page
    assert client.get(reverse("monitoring:report_file",
                              kwargs={"pk": job.pk})).status_code == 404


def test_progress_while_running_and_a_constant_number_of_queries(
        client: Client, world: World) -> None:
    client.force_login(world.alice)
    counts = []
    for total in (10, 100_000):
        job = ReportJob.objects.create(requested_by=world.alice, report="participants",
                                       rights=scope_for(world.alice).fingerprint,
                                       fmt="xlsx", total=total, done=total // 2,
                                       status=ReportJob.Status.RUNNING,
                                       heartbeat_at=timezone.now())
        url = reverse("monitoring:report_job", kwargs={"pk": job.pk})
        with CaptureQueriesContext(connection) as queries:
            poll = client.get(url, headers={"HX-Request": "true"})
        assert poll.status_code == 200 and "50&nbsp;%" in poll.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1]
    # Done: the poll asks the page to reload (it then shows the link).
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.DONE)
    assert client.get(url, headers={"HX-Request": "true"})["HX-Refresh"] == "true"
    # Deleted meanwhile (an anonymisation, the sweep): the poll reloads the page, which then
    # says «not found», instead of polling a 404 every second (review finding).
    ReportJob.objects.filter(pk=job.pk).delete()
    assert client.get(url, headers={"HX-Request": "true"})["HX-Refresh"] == "true"
    assert client.get(url).status_code == 404


def test_the_sweep_fails_abandoned_jobs_and_deletes_old_files(world: World) -> None:
    stuck = ReportJob.objects.create(requested_by=world.alice, report="pairs", fmt="xlsx",
                                     status=ReportJob.Status.RUNNING)
    ReportJob.objects.filter(pk=stuck.pk).update(
        heartbeat_at=timezone.now() - dt.timedelta(days=1))
    old = ReportJob.objects.create(requested_by=world.alice, report="pairs", fmt="xlsx",
                                   status=ReportJob.Status.DONE, content=b"x")
    ReportJob.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - exports.KEPT - dt.timedelta(minutes=1))
    from tandem.web.jobs import sweep

    assert sweep()["monitoring_reports"] >= 2
    assert ReportJob.objects.get(pk=stuck.pk).status == ReportJob.Status.FAILED
    assert not ReportJob.objects.filter(pk=old.pk).exists()


def test_an_anonymisation_deletes_report_files_that_list_people(world: World) -> None:
    from tandem.monitoring.personal_data import anonymise

    for name in ("participants", "summary"):
        ReportJob.objects.create(requested_by=world.alice, report=name, fmt="xlsx",
                                 status=ReportJob.Status.DONE, content=b"x")
    anonymise(mock.Mock())
    assert list(ReportJob.objects.values_list("report", flat=True)) == ["summary"]


@pytest.mark.django_db
def test_a_job_the_lease_declared_failed_meanwhile_stays_failed(world: World) -> None:
    """The page's poll (or the sweep) declares a job failed while its worker is still in
    the long data step; the worker's file then does not turn it «done» behind the user's
    back, who was told to start again (review finding)."""
    job = ReportJob.objects.create(requested_by=world.olga, report="participants",
                                   query="", fmt="xlsx", total=3,
                                   rights=scope_for(world.olga).fingerprint)

    def make(running: ReportJob, counted: Any) -> tuple[bytes, str]:
        ReportJob.objects.filter(pk=running.pk).update(status=ReportJob.Status.FAILED)
        return b"file", "report.xlsx"

    exports.write(ReportJob, job.pk, make, rights_now=fingerprint_now)
    job.refresh_from_db()
    assert job.status == ReportJob.Status.FAILED and not job.content and not job.filename
