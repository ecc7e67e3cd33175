"""Reading a spreadsheet a curator uploads: XLSX, or CSV in UTF-8 / UTF-8 with BOM /
Windows-1251 with «;» or «,» — detected, never asked.

Returns rows with their spreadsheet row numbers so messages can name them; errors are
codes that the application layer words in Russian.
"""

import csv
import io
import zipfile
from dataclasses import dataclass

from charset_normalizer import from_bytes
from openpyxl import load_workbook

MAX_ROWS = 50_000


class TableError(ValueError):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


EMPTY = "empty"
NOT_A_TABLE = "not_a_table"
TOO_MANY_ROWS = "too_many_rows"
UNKNOWN_ENCODING = "unknown_encoding"


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it (the header is row 1)
    values: dict[str, str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[Row]
    encoding: str | None = None


def read_table(content: bytes, filename: str) -> Table:
    if not content.strip():
        raise TableError(EMPTY)
    if filename.lower().endswith((".xlsx", ".xlsm")) or content[:2] == b"PK":
        return _read_xlsx(content)
    return _read_csv(content)


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u00a0", " ").strip()


def _build(raw_rows: list[list[str]], encoding: str | None) -> Table:
    rows = [r for r in raw_rows]
    while rows and not any(rows[0]):
        rows.pop(0)
    if not rows:
        raise TableError(EMPTY)
    header = [h.strip() for h in rows[0]]
    if sum(1 for h in header if h) < 2:
        raise TableError(NOT_A_TABLE)
    if len(rows) - 1 > MAX_ROWS:
        raise TableError(TOO_MANY_ROWS, str(MAX_ROWS))
    result = []
    for offset, raw in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in raw):
            continue
        values = {h: (raw[i].strip() if i < len(raw) else "")
                  for i, h in enumerate(header) if h}
        result.append(Row(offset, values))
    return Table(header=[h for h in header if h], rows=result, encoding=encoding)


def _read_xlsx(content: bytes) -> Table:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise TableError(NOT_A_TABLE, str(error)) from None
    sheet = book.worksheets[0]
    raw = [[_clean(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    book.close()
    return _build(raw, None)


def _read_csv(content: bytes) -> Table:
    encoding = _encoding(content)
    text = content.decode(encoding)
    if text.startswith("\ufeff"):
        text = text[1:]
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    raw = [[_clean(v) for v in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return _build(raw, encoding)


def _encoding(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        content.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        content.decode("cp1251")
    except UnicodeDecodeError:
        best = from_bytes(content).best()
        if best is None:
            raise TableError(UNKNOWN_ENCODING) from None
        return str(best.encoding)
    return "cp1251"
