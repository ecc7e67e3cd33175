"""The roster pages: upload, preview, commit, progress, template, export."""

import io
from collections.abc import Callable

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tandem.people.models import Participant
from tandem.roster import services, tasks
from tandem.roster.export import HEADER
from tandem.roster.models import RosterImport
from tandem.roster.tests.files import many, person, roster_csv, row_of
from tandem.testing import World


def _upload(client: Client, content: bytes, name: str = "roster.csv") -> RosterImport:
    response = client.post(reverse("roster:import"),
                           {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 302, response.content.decode()[:2000]
    upload = RosterImport.objects.latest("pk")
    assert response.headers["Location"] == reverse("roster:preview", kwargs={"pk": upload.pk})
    return upload


def _page(client: Client, name: str, **kwargs: object) -> str:
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200
    return response.content.decode()


def test_the_participants_page_leads_to_upload_and_export(client: Client, world: World) -> None:
    client.force_login(world.alice)
    page = _page(client, "people:list")
    assert "Загрузить список" in page and reverse("roster:import") in page
    assert "Выгрузить" in page and reverse("roster:export", kwargs={"fmt": "csv"}) in page
    # A filter change redraws the table and the export links with it (htmx out-of-band).
    response = client.get(reverse("people:list"), {"q": "кар"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'id="roster-export" hx-swap-oob="true"' in body
    assert reverse("roster:export", kwargs={"fmt": "xlsx"}) + "?q=%D0%BA%D0%B0%D1%80" in body


def test_a_curator_checks_and_loads_a_list(client: Client, world: World) -> None:
    client.force_login(world.alice)
    assert "school-a" in _page(client, "roster:import")
    upload = _upload(client, roster_csv([person(), row_of(world.bob_p, **{"Стаж (лет)": 2}),
                                         row_of(world.carol_p)]))
    page = _page(client, "roster:preview", pk=upload.pk)
    assert "Новикова Ольга Игоревна" in page
    assert "Стаж (лет): 1 → 2" in page
    assert "Загрузить: новых — 1, изменений — 1" in page
    assert not Participant.objects.filter(email="novikova@example.org").exists()

    response = client.post(reverse("roster:commit", kwargs={"pk": upload.pk}),
                           REMOTE_ADDR="10.1.2.3")
    assert response.headers["Location"] == reverse("roster:preview", kwargs={"pk": upload.pk})
    page = _page(client, "roster:preview", pk=upload.pk)
    assert "Загружено. Новых участников: 1, изменено: 1, без изменений: 1." in page
    novikova = Participant.objects.get(email="novikova@example.org")
    entry = LogEntry.objects.get_for_object(novikova).get()
    assert (entry.actor, entry.action) == (world.alice, LogEntry.Action.CREATE)
    # Committing the same upload twice does nothing more.
    client.post(reverse("roster:commit", kwargs={"pk": upload.pk}))
    assert Participant.objects.filter(email="novikova@example.org").count() == 1


def test_a_file_with_errors_cannot_be_loaded(client: Client, world: World) -> None:
    client.force_login(world.alice)
    upload = _upload(client, roster_csv([person(), person(**{"E-mail": "oops"})]))
    page = _page(client, "roster:preview", pk=upload.pk)
    assert "Строка 3, «E-mail»: Введите правильный адрес электронной почты." in page
    assert reverse("roster:commit", kwargs={"pk": upload.pk}) not in page
    assert "пока в файле есть ошибки, ничего не сохраняется" in page
    client.post(reverse("roster:commit", kwargs={"pk": upload.pk}))  # forced anyway
    assert "Ничего не загружено: в файле есть ошибки (1)" in _page(client, "roster:preview",
                                                                   pk=upload.pk)
    assert not Participant.objects.filter(email="novikova@example.org").exists()


def test_preview_pages_and_filters(client: Client, world: World,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tandem.roster.views.PAGE_SIZE", 2)
    client.force_login(world.alice)
    upload = _upload(client, roster_csv([*many(3), person(**{"E-mail": "bad"})]))
    url = reverse("roster:preview", kwargs={"pk": upload.pk})
    assert "страница 1 из 2" in client.get(url).content.decode()
    errors_only = client.get(url, {"show": "error"}).content.decode()
    assert "Строка 5, «E-mail»" in errors_only and "Новикова0" not in errors_only


def test_a_huge_upload_is_refused(client: Client, world: World) -> None:
    client.force_login(world.alice)
    big = SimpleUploadedFile("big.csv", b"a;b\n" + b"x" * (6 * 1024 * 1024))
    response = client.post(reverse("roster:import"), {"file": big})
    assert response.status_code == 200
    assert "Файл больше 5 МБ. Разбейте его на части." in response.content.decode()
    assert not RosterImport.objects.exists()


def test_a_large_file_goes_to_the_background_with_a_progress_bar(
        client: Client, world: World, monkeypatch: pytest.MonkeyPatch,
        django_capture_on_commit_callbacks: Callable[..., object]) -> None:
    monkeypatch.setattr(tasks, "SYNC_ROWS", 3)
    client.force_login(world.alice)
    with django_capture_on_commit_callbacks() as queued:  # type: ignore[attr-defined]
        upload = _upload(client, roster_csv(many(5)))
    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.CHECKING
    page = _page(client, "roster:preview", pk=upload.pk)
    assert 'hx-trigger="every 1s"' in page and "Проверяем файл" in page
    assert f'hx-get="{reverse("roster:progress", kwargs={"pk": upload.pk})}"' in page
    progress = client.get(reverse("roster:progress", kwargs={"pk": upload.pk}))
    assert "Проверяем файл" in progress.content.decode()

    for callback in queued:  # the worker picks the task up (the immediate backend here)
        callback()
    upload.refresh_from_db()
    assert (upload.status, upload.progress) == (RosterImport.Status.CHECKED, 100)
    done = client.get(reverse("roster:progress", kwargs={"pk": upload.pk}))
    assert done.headers["HX-Refresh"] == "true"

    with django_capture_on_commit_callbacks() as queued:  # type: ignore[attr-defined]
        client.post(reverse("roster:commit", kwargs={"pk": upload.pk}), REMOTE_ADDR="10.9.8.7")
    assert "Загружаем участников" in _page(client, "roster:preview", pk=upload.pk)
    assert not Participant.objects.filter(email="new0@example.org").exists()
    for callback in queued:
        callback()
    upload.refresh_from_db()
    assert upload.status == RosterImport.Status.DONE
    # Written by a task, still in the uploader's name and from their address.
    entry = LogEntry.objects.get_for_object(Participant.objects.get(email="new0@example.org")).get()
    assert (entry.actor, entry.remote_addr) == (world.alice, "10.9.8.7")


def test_a_crash_in_the_check_is_reported(client: Client, world: World,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(**kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "roster_import_check", crash)
    client.force_login(world.alice)
    upload = _upload(client, roster_csv([person()]))
    assert "Не удалось обработать файл" in _page(client, "roster:preview", pk=upload.pk)


def test_the_template(client: Client, world: World) -> None:
    client.force_login(world.alice)
    response = client.get(reverse("roster:template"))
    assert response.headers["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    book = load_workbook(io.BytesIO(response.content))
    sheet, guide = book.worksheets
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet["A2"].value == "Иванова"
    codes = [row[0] for row in guide.iter_rows(values_only=True)]
    assert "school-a" in codes and "ddt-b" not in codes


def test_export_follows_scope_and_filters(client: Client, world: World) -> None:
    client.force_login(world.alice)
    response = client.get(reverse("roster:export", kwargs={"fmt": "csv"}))
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffФамилия;Имя;Отчество;")
    assert "Каролёва;Карина;Сергеевна;учитель;математика;;10;35–44 года;carol@example.org;;" \
           "01.09.2026;01.09.2026;school-a" in text
    assert "Бэшкина" not in text
    only_carol = client.get(reverse("roster:export", kwargs={"fmt": "csv"}), {"q": "каролева"})
    assert only_carol.content.decode().count("\r\n") == 2

    client.force_login(world.olga)
    response = client.get(reverse("roster:export", kwargs={"fmt": "xlsx"}),
                          {"organization": world.org_b.pk})
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sorted(str(r[0]) for r in sheet.iter_rows(min_row=2, values_only=True)) == [
        "Бэшкина", "Чарлин"]


# -- cost ------------------------------------------------------------------------------
def _queries(client: Client, content: bytes) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as upload_ctx:
        upload = _upload(client, content)
    with CaptureQueriesContext(connection) as page_ctx:
        _page(client, "roster:preview", pk=upload.pk)
    return len(upload_ctx.captured_queries), len(page_ctx.captured_queries)


def test_checking_costs_the_same_queries_for_20_and_2000_rows(client: Client,
                                                             world: World) -> None:
    client.force_login(world.olga)
    existing = [row_of(world.bob_p), row_of(world.carol_p), row_of(world.someone_b)]
    small = _queries(client, roster_csv(existing + many(17, Организация="school-a"),
                                        header=HEADER))
    large = _queries(client, roster_csv(existing + many(1997, Организация="ddt-b"),
                                        header=HEADER))
    assert RosterImport.objects.latest("pk").report["counts"]["new"] == 1997
    assert small == large
