"""Roster files for tests: a valid row to start from, CSV and XLSX writers."""

import csv
import datetime as dt
import io
from collections.abc import Iterable

from openpyxl import Workbook

from tandem.people.models import Participant
from tandem.roster.export import HEADER, roster_rows
from tandem.roster.fileformat import format_date

# Without «Организация»: Alice, a curator, has one organization.
CURATOR_HEADER = HEADER[:-1]


def person(**cells: object) -> dict[str, object]:
    """A row that passes every check; ``**{"E-mail": …}`` changes cells by header."""
    row: dict[str, object] = {
        "Фамилия": "Новикова", "Имя": "Ольга", "Отчество": "Игоревна", "Должность": "учитель",
        "Предмет/направление": "химия", "Здание (корпус)": "", "Стаж (лет)": "5",
        "Возрастная группа": "25–34 года",
        "E-mail": "novikova@example.org", "Телефон": "+7 912 000-00-01",
        "Согласие на наставничество (дата)": "01.09.2025",
        "Согласие на обработку ПДн (дата)": "01.09.2025",
        "Организация": "",
    }
    row.update(cells)
    return row


def roster_csv(rows: Iterable[dict[str, object]], *, header: list[str] = CURATOR_HEADER,
               encoding: str = "utf-8-sig", delimiter: str = ";") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return buffer.getvalue().encode(encoding)


def roster_xlsx(rows: Iterable[dict[str, object]], *,
                header: list[str] = CURATOR_HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h) for h in header])  # type: ignore[misc]
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def many(count: int, *, start: int = 0, **cells: object) -> list[dict[str, object]]:
    """``count`` different new people."""
    return [person(Фамилия=f"Новикова{start + i}", **{"E-mail": f"new{start + i}@example.org"},
                   **cells) for i in range(count)]


def row_of(participant: Participant, **cells: object) -> dict[str, object]:
    """The row the export writes for ``participant``, with ``cells`` changed."""
    values = next(roster_rows([participant]))
    row: dict[str, object] = {h: format_date(v) if isinstance(v, dt.date) else v
                              for h, v in zip(HEADER, values, strict=True)}
    row.update(cells)
    return row
