"""The one kit for reading an uploaded table, used by every import (roster, diagnostic
results, resource catalogue).

- :func:`read_upload`: the bounded reading of ``tandem.core.tabular`` (XLSX or CSV, row
  and column limits, hostile files refused), with its codes worded in Russian; one
  message per kind of bad file, the old-XLS one included; :func:`open_upload`: the same
  for a large file on disk, whose rows are read one at a time;
- :func:`cell_problem` / :func:`row_problem`: the one shape of a message about a row,
  «Строка 5, «E-mail»: …» — the row as the spreadsheet numbers it, the column as the
  file spells its header;
- :func:`parse_date`: the one date reader (ДД.ММ.ГГГГ, ISO, or a spreadsheet date cell);
- :func:`header_key` / :func:`match_header`: headers matched without regard to case,
  «ё», spaces and spacing around punctuation.

Each import keeps its own columns, its row checks and the shape of its preview; what is
about the file, a cell, a date or a header is said here, once.
"""

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from django.utils.translation import gettext_lazy as _

from tandem.core import tabular
from tandem.core.tabular import MAX_COLUMNS, MAX_ROWS, Row, Table, TableError, TableStream

__all__ = [
    "BAD_DATE",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "OLD_EXCEL",
    "TABLE_ERRORS",
    "CellError",
    "Row",
    "Table",
    "TableRefused",
    "TableStream",
    "cell_problem",
    "header_key",
    "match_header",
    "open_upload",
    "parse_date",
    "read_upload",
    "row_problem",
]

OLD_EXCEL = _("Это файл старого формата XLS: сохраните его как XLSX "
              "(«Файл → Сохранить как → Книга Excel») и загрузите снова.")
TABLE_ERRORS = {
    tabular.EMPTY: _("Файл пустой."),
    tabular.NOT_A_TABLE: _(
        "Не удалось прочитать таблицу: нужен XLSX или CSV с заголовками в первой строке."),
    tabular.TOO_MANY_ROWS: _("В файле больше %(max)s строк: разбейте его на части."),
    tabular.TOO_MANY_COLUMNS: _(
        "В файле больше %(max)s столбцов: оставьте только столбцы из шаблона."),
    tabular.UNKNOWN_ENCODING: _("Не удалось определить кодировку CSV: сохраните файл в UTF-8."),
    tabular.OLD_EXCEL: OLD_EXCEL,
    tabular.BROKEN_ZIP: _(
        "Не удалось прочитать таблицу: файл XLSX повреждён или загружен не полностью. "
        "Откройте его в Excel, сохраните заново и загрузите снова."),
    tabular.NOT_A_WORKBOOK: _(
        "Не удалось прочитать таблицу: это не книга Excel (XLSX). Сохраните таблицу как "
        "XLSX или CSV и загрузите снова."),
    tabular.UNPACKS_TOO_BIG: _(
        "Файл XLSX распаковывается в слишком большой объём: так не бывает у таблицы "
        "участников или ресурсов. Сохраните таблицу заново или загрузите CSV."),
    tabular.BINARY: _(
        "Это не таблица (похоже на картинку, PDF или программу): нужен XLSX или CSV."),
}

CELL_PROBLEM = _("Строка %(row)s, «%(column)s»: %(problem)s")
ROW_PROBLEM = _("Строка %(row)s: %(problem)s")
BAD_DATE = _("«%(value)s» — не дата: нужна дата в виде ДД.ММ.ГГГГ, например 01.09.2026.")


class TableRefused(Exception):
    """The file cannot be read as a table at all; the message says why, in Russian."""


def table_problem(error: TableError) -> str:
    return str(TABLE_ERRORS[error.code]) % {"max": error.detail}


def read_upload(content: bytes, filename: str, *, max_rows: int = MAX_ROWS,
                max_columns: int = MAX_COLUMNS) -> Table:
    """The table in an uploaded file, read within the limits; :class:`TableRefused`
    with a Russian message when there is none (nothing past the limit + 1 is read)."""
    try:
        return tabular.read_table(content, filename, max_rows=max_rows,
                                  max_columns=max_columns)
    except TableError as error:
        raise TableRefused(table_problem(error)) from None


@contextmanager
def open_upload(source: IO[bytes], filename: str, *, max_rows: int = MAX_ROWS,
                max_columns: int = MAX_COLUMNS) -> Iterator[TableStream]:
    """:func:`read_upload` for a seekable file, its rows read one at a time
    (``tandem.core.tabular.open_table``); :class:`TableRefused` with a Russian message
    when there is no table, also from the rows if the file breaks off half-way."""
    try:
        with tabular.open_table(source, filename, max_rows=max_rows,
                                max_columns=max_columns) as table:
            table.rows = _worded(table.rows)
            yield table
    except TableError as error:
        raise TableRefused(table_problem(error)) from None


def _worded(rows: Iterator[Row]) -> Iterator[Row]:
    try:
        yield from rows
    except TableError as error:
        raise TableRefused(table_problem(error)) from None


def cell_problem(row: int, column: str, problem: object) -> str:
    """«Строка 5, «E-mail»: …»: ``column`` as the file's header spells it."""
    return str(CELL_PROBLEM % {"row": row, "column": column, "problem": problem})


def row_problem(row: int, problem: object) -> str:
    return str(ROW_PROBLEM % {"row": row, "problem": problem})


# -- dates -----------------------------------------------------------------------------
_DOTTED = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
# ISO, and what a date cell of a spreadsheet reads as: «2026-09-01 00:00:00».
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T][\d:.]+)?$")


class CellError(ValueError):
    """A cell that cannot be read; the message (Russian) is about the value only."""


def parse_date(raw: str) -> dt.date | None:
    """ДД.ММ.ГГГГ (one-digit day and month too), ISO, or a spreadsheet date cell (its
    time of day is dropped); empty is None; anything else is :class:`CellError`."""
    raw = raw.strip()
    if not raw:
        return None
    if m := _DOTTED.match(raw):
        day, month, year = (int(g) for g in m.groups())
    elif m := _ISO.match(raw):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise CellError(str(BAD_DATE % {"value": raw}))
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise CellError(str(BAD_DATE % {"value": raw})) from None


# -- headers ---------------------------------------------------------------------------
def header_key(text: str) -> str:
    """A header as it is compared: case, «ё», runs of spaces and spaces around
    «/ ( ) , .» do not count."""
    text = re.sub(r"\s+", " ", text).strip().casefold().replace("ё", "е")
    return re.sub(r"\s*([/(),.])\s*", r"\1", text)


@dataclass(frozen=True)
class HeaderMatch:
    columns: dict[str, str]  # field → the header as the file spells it
    unknown: list[str]  # headers that name no field, as spelt
    twice: list[str]  # fields whose header is in the file more than once


def match_header(titles: Iterable[str], known: Mapping[str, str]) -> HeaderMatch:
    """Which file column holds which field; ``known`` maps every accepted spelling
    (aliases included) to its field."""
    keys = {header_key(k): field for k, field in known.items()}
    columns: dict[str, str] = {}
    unknown: list[str] = []
    twice: list[str] = []
    for title in titles:
        field = keys.get(header_key(title))
        if field is None:
            unknown.append(title)
        elif field in columns:
            twice.append(field)
        else:
            columns[field] = title
    return HeaderMatch(columns, unknown, twice)
