"""The one writer of XLSX cells: people's names and titles are never formulas.

openpyxl stores a string that starts with «=» as a formula, so a surname typed as
«=HYPERLINK(…)» would run in the spreadsheet of whoever opens the export. Every module
that writes a workbook goes through :func:`append_row` (ordinary workbooks) or
:func:`safe_value` (write-only ones); ``tandem/web/tests/test_xlsx.py`` checks that none
calls ``append`` on a sheet or sets ``cell.value`` itself."""

import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet


@cache
def _openpyxl() -> "tuple[re.Pattern[str], Callable[..., Cell], type[Cell]]":
    """openpyxl's pieces, imported when a process writes its first workbook (≈ 40 MB), not
    by every page that imports a module with an export in it."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell

    return ILLEGAL_CHARACTERS_RE, WriteOnlyCell, Cell


def safe_value(sheet: Any, value: Any) -> Any:
    """A value for ``sheet.append`` in a write-only workbook: text without the characters
    XLSX forbids, and kept as text (a cell marked so) when it starts with «=»."""
    if not isinstance(value, str):
        return value
    illegal, write_only_cell, _cell = _openpyxl()
    text = illegal.sub("", value)
    if not text.startswith("="):
        return text
    cell = write_only_cell(sheet, value=text)
    cell.data_type = "s"
    return cell


def append_row(sheet: "Worksheet", row: list[Any]) -> None:
    """``sheet.append(row)`` for an ordinary workbook, with text that starts with «=» kept
    as text."""
    illegal = _openpyxl()[0]
    sheet.append([illegal.sub("", v) if isinstance(v, str) else v for v in row])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def append_rows(sheet: "Worksheet", rows: Iterable[Sequence[Any]]) -> None:
    for row in rows:
        append_row(sheet, list(row))


def append_cells(sheet: Any, values: Sequence[Any]) -> None:
    """``sheet.append`` for a write-only workbook: cells made by the caller (bold headers,
    dated cells) go as they are, every other value through :func:`safe_value`."""
    cell = _openpyxl()[2]
    sheet.append([v if isinstance(v, cell) else safe_value(sheet, v) for v in values])
