"""Large roster files (issue #16, item 4): a region operator's file streams to disk and
into the database in pieces, is checked and committed a batch at a time in the
background, with rows done / total on the page; the stored report holds the counts and
the first rows only, the whole list of problems is a download; a failed commit leaves
nothing behind. The sizes here are small, with the batch and piece sizes made small to
match: the 300,000-row figures are in docs/performance.md (``tandem bench roster``)."""

import csv
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from tandem.access.scope import scope_for
from tandem.people.models import Participant
from tandem.roster import imports, services, tasks
from tandem.roster.export import HEADER
from tandem.roster.forms import RosterUploadForm
from tandem.roster.models import RosterImport, RosterImportPart
from tandem.roster.tests.files import many, person, roster_csv, roster_xlsx
from tandem.testing import World

ROWS = 3000  # above tasks.SYNC_ROWS: the background path


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 500 rows, pieces of 64 KB, 40 rows of each status shown: a file of a
    few thousand rows takes every path a file of 300,000 takes."""
    monkeypatch.setattr(imports, "BATCH", 500)
    monkeypatch.setattr(imports, "SHOWN", 40)
    monkeypatch.setattr(RosterImportPart, "SIZE", 64 * 1024)


def _region_rows(count: int) -> list[dict[str, object]]:
    return many(count, Организация="school-a")


def _post(client: Client, content: bytes, name: str = "region.csv") -> Any:
    return client.post(reverse("roster:import"), {"file": SimpleUploadedFile(name, content)})


@override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=64 * 1024)
def test_a_region_operator_streams_a_large_file_through_check_and_commit(
        client: Client, world: World, small_pieces: None, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    received: list[object] = []
    store = services.roster_import_store

    def spy(**kwargs: Any) -> RosterImport:
        received.append(kwargs["file"])
        return store(**kwargs)

    monkeypatch.setattr(services, "roster_import_store", spy)
    content = roster_csv(_region_rows(ROWS), header=HEADER)
    client.force_login(world.olga)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, content)
    assert response.status_code == 302
    # Above the memory size the upload came in a temporary file on disk, and it is kept
    # in pieces, never as one value.
    assert isinstance(received[0], TemporaryUploadedFile)
    upload = RosterImport.objects.get()
    assert upload.size == len(content)
    assert upload.parts.filter(kind="file").count() == -(-len(content) // (64 * 1024))
    assert (upload.status, upload.rows_done, upload.rows_total) == (
        RosterImport.Status.CHECKED, ROWS, ROWS)
    # The stored report: the counts of the whole file, the first rows of each status.
    assert upload.report["counts"] == {"new": ROWS, "update": 0, "unchanged": 0, "error": 0}
    assert len(upload.report["rows"]) == 40
    page = client.get(reverse("roster:preview", kwargs={"pk": upload.pk})).content.decode()
    assert "первые 40 строк каждого статуса" in page
    assert f"Загрузить: новых — {ROWS}, изменений — 0" in page

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster:commit", kwargs={"pk": upload.pk}))
    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.DONE
    assert Participant.objects.filter(email__startswith="new").count() == ROWS
    assert LogEntry.objects.filter(action=LogEntry.Action.CREATE,
                                   object_repr__startswith="Новикова").count() == ROWS
    assert not upload.parts.exists()  # the file is gone once its people are written


def test_problems_across_batches_name_the_row_and_field_and_download_whole(
        client: Client, world: World, small_pieces: None,
        django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    rows = _region_rows(ROWS)
    rows[2400]["E-mail"] = rows[3]["E-mail"]  # the same person twice, batches apart
    for i in range(100, 160):  # 60 bad dates: more than the 40 shown
        rows[i]["Согласие на наставничество (дата)"] = "вчера"
    client.force_login(world.olga)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, roster_csv(rows, header=HEADER))
    upload = RosterImport.objects.get()
    assert upload.report["counts"]["error"] == 61
    assert upload.report["problems"] == 61
    page = client.get(reverse("roster:preview", kwargs={"pk": upload.pk})).content.decode()
    assert "Скачать все ошибки файла (CSV): 61 ошибка" in page
    assert "Строка 102, «Согласие на наставничество (дата)»: «вчера» — не дата" in page

    response = client.get(reverse("roster:problems", kwargs={"pk": upload.pk}))
    text = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0] == ["Строка", "ФИО", "Организация", "Что не так"]
    assert len(lines) == 1 + 61
    assert lines[-1][0] == "2402"
    assert lines[-1][3] == "Строка 2402: этот человек уже есть в строке 5."
    assert lines[60][1:3] == ["Новикова159 Ольга Игоревна", "Школа А"]
    assert response["Cache-Control"] == "private, no-store"
    assert not Participant.objects.filter(email__startswith="new").exists()


def test_a_cp1251_csv_is_streamed(world: World, small_pieces: None) -> None:
    rows = [person(Фамилия="Ёлкина", Организация="school-a", **{"E-mail": f"yo{i}@example.org"})
            for i in range(1200)]
    content = roster_csv(rows, header=HEADER, encoding="cp1251", delimiter=",")
    upload = services.roster_import_store(user=world.olga, filename="r.csv",
                                          file=io.BytesIO(content))
    report = services.roster_import_check(upload=upload, scope=scope_for(world.olga))
    assert report.ok and report.encoding == "cp1251"
    assert report.counts["new"] == 1200
    assert report.rows[0].who == "Ёлкина Ольга Игоревна"


def test_a_broken_xlsx_is_refused_in_russian_and_nothing_is_written(
        client: Client, world: World) -> None:
    whole = roster_xlsx(_region_rows(50), header=HEADER)
    cut = whole[: len(whole) // 2]  # a download that broke off half-way
    client.force_login(world.olga)
    response = _post(client, cut, name="region.xlsx")
    assert response.status_code == 200  # the form refuses it before it is stored
    assert "Содержимое файла не похоже на XLSX" in response.content.decode()
    assert not RosterImport.objects.exists()
    # Stored by other means (the command, an older upload), the check says what it is.
    upload = services.roster_import_store(user=world.olga, filename="region.xlsx",
                                          file=io.BytesIO(cut))
    report = services.roster_import_check(upload=upload, scope=scope_for(world.olga))
    assert report.file_errors == [
        "Не удалось прочитать таблицу: файл XLSX повреждён или загружен не полностью. "
        "Откройте его в Excel, сохраните заново и загрузите снова."]
    assert not Participant.objects.filter(email__startswith="new").exists()


def test_a_workbook_whose_sheet_breaks_off_while_read_is_refused(world: World) -> None:
    """The ZIP is whole but the sheet's XML ends in the middle of a row."""
    whole = roster_xlsx(_region_rows(50), header=HEADER)
    broken = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(whole)) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) * 2 // 3]
            target.writestr(item, data)
    report = imports.check_roster(content=broken.getvalue(), filename="r.xlsx",
                                  scope=scope_for(world.olga))
    assert report.file_errors and not report.rows and not report.ok
    assert "Не удалось прочитать таблицу" in report.file_errors[0]


def test_the_curators_cap_stays_while_a_region_operator_may_send_more(
        client: Client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # 6 MB in a column the roster does not know: over the curator's 5 MB, quick to check.
    rows = [person(Организация="school-a", Комментарий="ж" * 110_000,
                   **{"E-mail": f"big{i}@example.org"}) for i in range(30)]
    content = roster_csv(rows, header=[*HEADER, "Комментарий"])
    assert 5 * 1024 * 1024 < len(content) < 7 * 1024 * 1024

    client.force_login(world.alice)
    response = _post(client, content)
    assert response.status_code == 200
    assert "Файл больше 5 МБ. Разбейте его на части." in response.content.decode()
    assert not RosterImport.objects.exists()

    client.force_login(world.olga)
    assert "Размер файла — до 200 МБ." in client.get(reverse("roster:import")).content.decode()
    response = _post(client, content)
    assert response.status_code == 302
    assert RosterImport.objects.get().report["counts"]["new"] == 30
    # The region operator's limit holds as well, while the body streams in.
    monkeypatch.setattr(RosterUploadForm, "LARGE_MAX_MB", 5)
    response = _post(client, content)
    assert "Файл больше 5 МБ. Разбейте его на части." in response.content.decode()
    assert RosterImport.objects.count() == 1


def test_the_progress_page_shows_rows_done_of_the_total(
        client: Client, world: World, small_pieces: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    upload = services.roster_import_store(
        user=world.olga, filename="r.csv",
        content=roster_csv(_region_rows(ROWS), header=HEADER))
    client.force_login(world.olga)
    seen: list[str] = []
    set_progress = services._set_progress

    def and_look(*args: Any, **kwargs: Any) -> None:
        set_progress(*args, **kwargs)
        response = client.get(reverse("roster:progress", kwargs={"pk": upload.pk}))
        seen.append(response.content.decode())

    monkeypatch.setattr(services, "_set_progress", and_look)
    tasks.check_roster_file.call(import_id=upload.pk)  # as the worker runs it
    assert any(f"1500 из {ROWS} строк" in page for page in seen), seen
    assert any("Проверяем файл" in page for page in seen)


def test_a_commit_that_fails_half_way_leaves_nothing_written(
        world: World, small_pieces: None, monkeypatch: pytest.MonkeyPatch) -> None:
    upload = services.roster_import_store(
        user=world.olga, filename="r.csv",
        content=roster_csv(_region_rows(ROWS), header=HEADER))
    services.roster_import_check(upload=upload, scope=scope_for(world.olga))
    people, entries = Participant.objects.count(), LogEntry.objects.count()
    written: list[int] = []
    log_created = services._log_created

    def fail_on_the_third_batch(batch: list[Participant]) -> None:
        log_created(batch)
        written.append(len(batch))
        if len(written) == 3:
            raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "_log_created", fail_on_the_third_batch)
    services.mark_committing(upload=upload)
    tasks.commit_roster_file.call(import_id=upload.pk)  # the worker catches and reports
    assert written == [500, 500, 500]  # two batches were written before the failure …
    assert (Participant.objects.count(), LogEntry.objects.count()) == (people, entries)
    upload.refresh_from_db()  # … and none of them stayed
    assert upload.status == RosterImport.Status.FAILED
    assert "Ничего не загружено" in upload.failure
    assert upload.parts.filter(kind="file").exists()  # the file is still there
