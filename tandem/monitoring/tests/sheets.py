"""Reading a report sheet back in tests: the caption lines, the header, the rows, the
totals row (tandem/monitoring/reports.py render_xlsx)."""

import io
from dataclasses import dataclass
from typing import Any

from openpyxl import load_workbook


@dataclass
class Sheet:
    caption: list[str]
    header: tuple[Any, ...]
    rows: list[tuple[Any, ...]]
    totals: tuple[Any, ...]


def read(content: bytes) -> Sheet:
    book = load_workbook(io.BytesIO(content), read_only=True)
    lines = list(book.worksheets[0].iter_rows(values_only=True))
    blank = next(i for i, line in enumerate(lines) if not any(v is not None for v in line))
    caption = [str(line[0]) for line in lines[:blank]]
    header, *rows, totals = lines[blank + 1:]
    assert str(totals[0]).startswith("Итого: ")
    return Sheet(caption, header, rows, totals)
