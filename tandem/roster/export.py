"""The roster as a file: rows first, then one renderer for XLSX and one for CSV.

The columns and the cell formats are the import's (``fileformat``), so an exported file
imports back with every row «без изменений».
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem.access.scope import Scope
from tandem.people.models import AgeBand, Participant
from tandem.roster import fileformat
from tandem.roster.fileformat import COLUMNS, ORGANIZATION
from tandem.territory.models import Organization
from tandem.web.xlsx import append_cells, append_row, append_rows, safe_value

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

# openpyxl (≈ 40 MB a process) is imported by the functions that write a workbook, not by
# every page that imports this module (docs/performance.md, «Память рабочего»).
Value = str | int | dt.date | None
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
HEADER = [c.header for c in COLUMNS]
SHEET_TITLE = "Участники"
DATE_CELL_FORMAT = "DD.MM.YYYY"
_WIDTHS = {"surname": 18, "name": 14, "patronymic": 18, "position": 30, "subject": 24,
           "building": 20, "experience_years": 10, "age_band": 18, "email": 30, "phone": 18,
           "mentoring_consent_date": 16, "personal_data_consent_date": 16, ORGANIZATION: 20}


def roster_rows(participants: Iterable[Participant]) -> Iterator[list[Value]]:
    """One row per participant, in the order of ``COLUMNS``; the organization by code."""
    for p in participants:
        row: list[Value] = []
        for column in COLUMNS:
            if column.field == ORGANIZATION:
                row.append(p.organization.code)
            elif column.field == "age_band":
                row.append(fileformat.age_band_label(p.age_band))
            else:
                row.append(getattr(p, column.field))
        yield row


def render_csv(rows: Iterable[list[Value]]) -> bytes:
    """UTF-8 with BOM and «;»: what Excel in a Russian locale opens without questions."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return fileformat.format_date(value)
    if isinstance(value, int):
        return str(value)
    return fileformat.escape_text(value)


def render_xlsx(rows: Iterable[list[Value]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE)
    _prepare(sheet)
    append_cells(sheet, _header_cells(sheet))

    def xlsx_cell(value: Value) -> "Cell | Value":
        if isinstance(value, dt.date):
            cell = WriteOnlyCell(sheet, value=dt.datetime.combine(value, dt.time()))
            cell.number_format = DATE_CELL_FORMAT
            return cell
        return safe_value(sheet, value)  # text, even when it starts with «=»

    for row in rows:
        append_cells(sheet, [xlsx_cell(v) for v in row])
    return _save(book)


def template_xlsx(organizations: list[Organization]) -> bytes:
    """An empty roster with the columns, one example row (which the import skips) and a
    second sheet that explains the columns and lists the user's organizations."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET_TITLE
    append_row(sheet, HEADER)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    example: dict[str, Value] = {
        "surname": "Иванова", "name": "Мария", "patronymic": "Петровна",
        "position": "учитель", "subject": "информатика", "building": "", "experience_years": 3,
        "age_band": fileformat.age_band_label(AgeBand.FROM_25),
        "email": fileformat.EXAMPLE_EMAIL, "phone": "+7 900 000-00-00",
        "mentoring_consent_date": dt.date(2026, 9, 1),
        "personal_data_consent_date": dt.date(2026, 9, 1),
        ORGANIZATION: organizations[0].code if organizations else "",
    }
    append_row(sheet, [example[c.field] for c in COLUMNS])  # every column, in file order
    for i, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = _WIDTHS[column.field]
        if column.field in fileformat.DATE_FIELDS:
            sheet.cell(row=2, column=i).number_format = DATE_CELL_FORMAT
        if column.field == "age_band":
            bands = ",".join(str(b.label) for b in AgeBand)
            check = DataValidation(type="list", formula1=f'"{bands}"', allow_blank=True)
            sheet.add_data_validation(check)
            check.add(f"{letter}2:{letter}5000")
    sheet.freeze_panes = "A2"

    guide = book.create_sheet(str(_("Справка")))
    guide.column_dimensions["A"].width = 38
    guide.column_dimensions["B"].width = 90
    append_rows(guide, _guide(organizations))  # organizations' names are text
    return _save(book)


def _guide(organizations: list[Organization]) -> Iterator[list[str]]:
    bands = ", ".join(f"{b.label} ({b.value})" for b in AgeBand)
    notes = {
        "surname": _("обязательно"),
        "name": _("обязательно"),
        "patronymic": _("если есть"),
        "position": _("обязательно"),
        "subject": _("предмет или направление работы"),
        "building": _("если у организации несколько зданий: в каком работает (для пар "
                      "«в одном здании»)"),
        "experience_years": _("обязательно: педагогический стаж, целое число лет от 0 до 60"),
        "age_band": _("обязательно: %(bands)s") % {"bands": bands},
        "email": _("обязательно; по нему система узнаёт человека при следующей загрузке"),
        "phone": _("если есть"),
        "mentoring_consent_date": _(
            "дата письменного согласия на наставничество (ст. 351.8 ТК РФ), ДД.ММ.ГГГГ"),
        "personal_data_consent_date": _(
            "дата согласия на обработку персональных данных (152-ФЗ), ДД.ММ.ГГГГ"),
        ORGANIZATION: _("код или краткое название; можно не заполнять, если организация одна"),
    }
    yield [str(_("Столбец")), str(_("Что писать"))]
    for column in COLUMNS:
        yield [column.header, str(notes[column.field])]
    yield []
    yield [str(_("Строку-пример с e-mail %(email)s загрузка пропускает.")
               % {"email": fileformat.EXAMPLE_EMAIL})]
    yield [str(_("Столбцы, которых нет в файле (кроме обязательных), у уже записанных "
                 "участников не меняются."))]
    yield []
    yield [str(_("Код организации")), str(_("Краткое название"))]
    for org in organizations:
        yield [org.code, org.short_name]


def _prepare(sheet: "Worksheet") -> None:
    from openpyxl.utils import get_column_letter

    for i, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = _WIDTHS[column.field]
    sheet.freeze_panes = "A2"


def _header_cells(sheet: "Worksheet") -> "list[Cell]":
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cells = []
    for title in HEADER:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _save(book: "Workbook") -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# -- what the list page shows, as a file (the page's export link and the background job) --
def export_people(scope: Scope, data: QueryDict) -> QuerySet[Participant]:
    """The participants the list page shows with the filters of ``data`` (its GET)."""
    from tandem.directory.forms import ParticipantFilterForm
    from tandem.directory.selectors import participant_list, participant_positions

    form = ParticipantFilterForm(data or None, scope=scope,
                                 positions=participant_positions(scope=scope))
    return participant_list(scope=scope, filters=form.filters())


def export_name(fmt: str) -> str:
    return str(_("участники-%(date)s") % {"date": timezone.localdate().isoformat()}) + f".{fmt}"


def render(rows: Iterable[list[Value]], fmt: str) -> bytes:
    return render_csv(rows) if fmt == "csv" else render_xlsx(rows)
