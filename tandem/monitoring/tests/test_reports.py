"""Reports: every registered report downloads; XLSX read back with openpyxl (headers, row
counts, Cyrillic), the PDF's text with pypdf; exports are scoped; one XLSX is opened by
LibreOffice when it is installed."""

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from tandem.access.filters import Filters
from tandem.access.scope import scope_for
from tandem.monitoring.reports import REPORTS, participants_table
from tandem.monitoring.tests import sheets
from tandem.pairs.models import Pair
from tandem.people.models import Participant
from tandem.testing import (
    ParticipantFactory,
    World,
    build_diagnostics,
    build_map,
    build_resources,
    bulk_participants,
)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _download(client: Client, user: object, name: str, query: str = "") -> bytes:
    client.force_login(user)  # type: ignore[arg-type]
    response = client.get(reverse("monitoring:report", args=[name]) + query)
    assert response.status_code == 200
    assert response["Content-Type"] == REPORTS[name].content_type
    assert "attachment" in response["Content-Disposition"]
    return response.content


def _sheet(content: bytes) -> list[tuple[object, ...]]:
    """The header and the rows (the caption and the totals row are read by sheets.read)."""
    sheet = sheets.read(content)
    return [sheet.header, *sheet.rows]


def _pair(world: World, org_people: tuple[Participant, Participant]) -> Pair:
    a, b = org_people
    return Pair.objects.create(a=a, b=b, organization=a.organization,
                               starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2027, 5, 31),
                               status=Pair.Status.ACTIVE)


def test_participants_export_lists_every_active_participant(client: Client,
                                                            world: World) -> None:
    build_diagnostics(world)
    bulk_participants(world.org_a, 25)
    rows = _sheet(_download(client, world.olga, "participants"))
    assert rows[0][:3] == ("ФИО", "Должность", "Организация")
    assert len(rows) - 1 == Participant.objects.filter(is_active=True).count()
    carol = next(r for r in rows if r[0] == "Каролёва Карина Сергеевна")  # Cyrillic, ё
    assert carol[6] == "отправлена"
    alice = next(r for r in rows if str(r[0]).startswith("Алисова"))
    assert alice[6] == "не начата"


@pytest.mark.parametrize(("persona", "own", "other"), [
    ("erin", "Школа А", "Дом творчества Б"),
    ("alice", "Школа А", "Дом творчества Б"),
    ("dave", "Дом творчества Б", "Школа А"),
])
def test_exports_contain_only_the_users_territory(client: Client, world: World, persona: str,
                                                  own: str, other: str) -> None:
    build_diagnostics(world)
    _pair(world, (world.bob_p, world.carol_p))
    _pair(world, (world.charlie_p, world.someone_b))
    for name in ("participants", "pairs", "effectiveness"):
        rows = _sheet(_download(client, getattr(world, persona), name))
        organizations = {r[rows[0].index("Организация")] for r in rows[1:]}
        assert organizations == {own}, (name, organizations)
        assert other not in organizations


def test_coordinator_cannot_export_another_municipality(client: Client, world: World) -> None:
    client.force_login(world.dave)
    for name in REPORTS:
        url = reverse("monitoring:report", args=[name])
        assert client.get(f"{url}?municipality={world.municipality_a.pk}").status_code == 404
        assert client.get(f"{url}?organization={world.org_a.pk}").status_code == 404


def test_pairs_export_shows_map_progress(client: Client, world: World) -> None:
    from tandem.maps.models import Map, Meeting, Row

    pair = _pair(world, (world.bob_p, world.carol_p))
    the_map = Map.objects.create(pair=pair, status=Map.Status.IN_PROGRESS)
    for i in range(4):
        Row.objects.create(map=the_map, direction="ab", order=i, competency="ict.ai_lessons",
                           title="Задача", current_level=0, target_level=2, partner_level=3,
                           task="Задача", deadline=dt.date(2027, 1, 10), product="Продукт",
                           evidence="Показ", done_at=dt.date(2027, 1, 5) if i < 3 else None)
    Meeting.objects.create(pair=pair, date=dt.date(2026, 12, 10), topic="Встреча")
    Meeting.objects.create(pair=pair, date=dt.date(2027, 6, 10), topic="Потом", planned=True)
    # Figures are "as of" the day (the end of the period, never after today): the day
    # after the pair ends, as a clock would be then.
    real = timezone.localdate

    def then(value: object = None, timezone: object = None) -> dt.date:
        return dt.date(2027, 6, 1) if value is None else real(value, timezone)  # type: ignore[arg-type]

    with mock.patch("django.utils.timezone.localdate", then):
        rows = _sheet(_download(client, world.alice, "pairs"))
    header, [row] = rows[0], rows[1:]
    got = dict(zip(header, row, strict=True))
    assert got["Участник А"] == "Бобров Борис Олегович"
    assert got["Карта"] == "выполняется"
    assert (got["Задач в карте"], got["Выполнено"], got["Выполнено, %"]) == (4, 3, 75)
    assert got["Встреч проведено"] == 1
    assert got["Просрочено"] == 1  # the fourth row, not done by its deadline


def test_effectiveness_export_has_a_row_per_direction(client: Client, world: World) -> None:
    _pair(world, (world.bob_p, world.carol_p))
    _pair(world, (world.alice_p, ParticipantFactory.create(organization=world.org_a)))
    rows = _sheet(_download(client, world.alice, "effectiveness"))
    assert rows[0][1:3] == ("Наставник", "Наставляемый")
    assert len(rows) - 1 == 2 * 2
    mentors = {r[1] for r in rows[1:]}
    assert world.bob_p.short_name in mentors and world.carol_p.short_name in mentors


def test_survey_export_withholds_small_groups(client: Client, world: World) -> None:
    from tandem.surveys.models import Survey

    pair = _pair(world, (world.bob_p, world.carol_p))
    now = dt.datetime(2027, 1, 10, tzinfo=dt.UTC)
    Survey.objects.create(pair=pair, participant=world.bob_p, stage=Survey.Stage.MID,
                          due_on=dt.date(2027, 1, 15), submitted_at=now, mentee_benefit=9)
    Survey.objects.create(pair=pair, participant=world.carol_p, stage=Survey.Stage.MID,
                          due_on=dt.date(2027, 1, 15), submitted_at=now, mentee_benefit=7)
    rows = _sheet(_download(client, world.alice, "surveys"))
    assert rows[0][-1] == "Среднее (1–10)"
    mid = [r for r in rows[1:] if r[1] == "промежуточный"]
    assert mid and all(str(r[-1]).startswith("скрыто") for r in mid)  # 2 people: withheld
    assert {r[5] for r in mid} == {2}  # answered
    assert {r[0] for r in mid} == {"2026/27 учебный год"}  # the whole academic year


def test_pdf_summary_text(client: Client, world: World) -> None:
    build_diagnostics(world)
    content = _download(client, world.erin, "summary", "?date_from=2026-09-01")
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Сводный отчёт о реверсивном наставничестве" in text
    assert "Город А" in text and "с 01.09.2026" in text
    assert "Школа А" in text and "Дом творчества Б" not in text
    assert "Где дефициты" not in text  # a page heading, not the report's
    assert "Доля дефицитов по областям компетенций" in text
    assert len(reader.pages) >= 3  # figures, then the charts as pictures
    title_page = " ".join(reader.pages[0].extract_text().split())
    assert "Период: с 01.09.2026" in title_page and "Без фильтров" in title_page
    assert "Главное" in reader.pages[1].extract_text()  # the conclusions before the tables
    assert "расшифровка подписи" in reader.pages[-1].extract_text()


def test_large_participants_export_streams_rows(world: World) -> None:
    """The data function reads rows lazily (the renderer pulls them in chunks)."""
    bulk_participants(world.org_a, 3000)
    table = participants_table(scope=scope_for(world.olga), filters=Filters())
    assert not isinstance(table.rows, list)
    assert sum(1 for _ in table.rows) == Participant.objects.filter(is_active=True).count()


def test_one_xlsx_opens_in_libreoffice(client: Client, world: World, tmp_path: Path) -> None:
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        print("LibreOffice check skipped: libreoffice is not installed on this machine")
        pytest.skip("libreoffice is not installed on this machine")
    build_diagnostics(world)
    source = tmp_path / "участники.xlsx"
    source.write_bytes(_download(client, world.olga, "participants"))
    # CSV filter options: comma, double quote, UTF-8 (76).
    subprocess.run([office, "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path),
                    str(source)],
                   check=True, timeout=180, capture_output=True,
                   env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    lines = (tmp_path / "участники.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("Участники и диагностика,")  # the caption, then the table
    header = next(i for i, line in enumerate(lines) if line.startswith("ФИО,Должность,"))
    people = Participant.objects.filter(is_active=True).count()
    assert len(lines) - header - 2 == people  # the rows between the header and the totals
    assert lines[-1].startswith(f"Итого: {people} ")
    assert any(line.startswith("Каролёва Карина Сергеевна,") for line in lines)


def test_a_name_that_looks_like_a_formula_stays_text(client: Client, world: World) -> None:
    ParticipantFactory(organization=world.org_a, surname="=HYPERLINK(\"http://x\")",
                       email="formula@example.org")
    content = _download(client, world.alice, "participants")
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    [cell] = [row[0] for row in sheet.iter_rows(min_row=1)
              if str(row[0].value).startswith("=HYPERLINK")]
    assert cell.data_type == "s"  # text, not a formula («f»)


def test_each_xlsx_report_is_a_report_with_its_unit_period_filters_and_totals(
        client: Client, world: World) -> None:
    """Issue #15, item 9: a title, the unit, the period and the filters above the header;
    the header frozen; counts and percentages formatted; a totals row that adds up."""
    build_resources(world)
    build_map(world)
    client.force_login(world.alice)
    url = reverse("monitoring:report", kwargs={"name": "pairs"})
    content = client.get(url + "?date_from=2026-09-01&date_to=2027-05-31").content
    sheet = sheets.read(content)
    assert sheet.caption[0] == "Пары и карты"
    assert sheet.caption[1] == "Подразделение: Школа А"
    assert sheet.caption[2] == "Период: с 01.09.2026 по 31.05.2027"
    assert "Без фильтров: все организации подразделения" in sheet.caption
    assert sheet.caption[-1].startswith("Сформирован: ")
    column = sheet.header.index
    tasks, done = column("Задач в карте"), column("Выполнено")
    assert sheet.totals[tasks] == sum(r[tasks] for r in sheet.rows)
    assert sheet.totals[done] == sum(r[done] for r in sheet.rows)
    share = column("Выполнено, %")
    assert sheet.totals[share] == (round(100 * sheet.totals[done] / sheet.totals[tasks])
                                   if sheet.totals[tasks] else None)
    assert sheet.totals[0] == f"Итого: {len(sheet.rows)} " + (
        "строка" if len(sheet.rows) == 1 else "строки" if len(sheet.rows) < 5 else "строк")
    book = load_workbook(io.BytesIO(content))
    ws = book.worksheets[0]
    header_row = len(sheet.caption) + 2
    assert ws.freeze_panes == f"A{header_row + 1}"
    assert ws.cell(header_row, 1).font.bold and ws.cell(1, 1).font.size == 14
    with_tasks = [i for i, r in enumerate(sheet.rows) if r[tasks]]
    assert with_tasks  # the map's pair
    row = header_row + 1 + with_tasks[0]
    assert ws.cell(row, share + 1).number_format == '0" %"'
    assert ws.cell(row, tasks + 1).number_format == "0"
