"""A corpus of hostile and awkward files, generated (no binary is kept in the repository).

Every import's tests run the whole corpus (``CORPUS``): each file names the header of
the import it is made for, so a well-formed one reaches that import's own checks.
Pure: no Django, so the core's tests and a child process with a memory limit use it too.
"""

import csv
import functools
import io
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               '<dimension ref="{dimension}"/><sheetData>')
_SHEET_TAIL = "</sheetData></worksheet>"


def _column(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _row(number: int, cells: Sequence[object], *, first_column: int = 1) -> str:
    parts = []
    for i, value in enumerate(cells, start=first_column):
        ref = f"{_column(i)}{number}"
        if isinstance(value, int):
            parts.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            parts.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
    return f'<row r="{number}">{"".join(parts)}</row>'


def raw_xlsx(rows: str, *, dimension: str = "A1") -> bytes:
    """A minimal workbook written by hand, so a test controls every byte of the sheet
    (openpyxl would write the true dimension, and takes minutes for 100,000 rows)."""
    sheet = _SHEET_HEAD.format(dimension=dimension) + rows + _SHEET_TAIL
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


def table_xlsx(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """An ordinary workbook, as openpyxl (and so Excel) writes it."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_csv(header: Sequence[str], rows: Sequence[Sequence[object]], *,
              encoding: str = "utf-8", newline: str = "\n", delimiter: str = ";") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


# -- the hostile ones ------------------------------------------------------------------
def dimension_bomb(header: Sequence[str]) -> bytes:
    """1–2 KB whose sheet declares every cell Excel has: A1:XFD1048576."""
    return raw_xlsx(_row(1, header), dimension="A1:XFD1048576")


def far_cell_bomb(header: Sequence[str]) -> bytes:
    """The header and one cell at the last row Excel has."""
    return raw_xlsx(_row(1, header) + _row(1_048_576, ["x"]), dimension="A1:A1048576")


def wide_bomb(header: Sequence[str]) -> bytes:
    """The header and one cell in the last column Excel has (XFD)."""
    return raw_xlsx(_row(1, header) + _row(2, ["x"], first_column=16_384))


def many_rows(header: Sequence[str], count: int = 100_000) -> bytes:
    """``count`` filled rows below ``header`` (kept: every import's tests use it)."""
    return _many_rows(tuple(header), count)


@functools.cache
def _many_rows(header: tuple[str, ...], count: int) -> bytes:
    body = "".join(_row(n, [f"x{n}"] * len(header)) for n in range(2, count + 2))
    return raw_xlsx(_row(1, header) + body)


@functools.cache
def deflate_bomb(size: int = 300 * 1024 * 1024) -> bytes:
    """A workbook whose sheet unpacks to ``size`` bytes of spaces from a few hundred KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD.format(dimension="A1").encode())
            block = b" " * (1024 * 1024)
            for _ in range(size // len(block)):
                sheet.write(block)
            sheet.write(_SHEET_TAIL.encode())
    return buffer.getvalue()


def truncated_zip(header: Sequence[str]) -> bytes:
    whole = table_xlsx(header, [["a"] * len(header)])
    return whole[: len(whole) // 2]


def not_a_workbook() -> bytes:
    """A ZIP that is no workbook: what an ODS or a DOCX is to us."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


OLD_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + bytes(range(256)) * 4
EXE = b"MZ\x90\0\x03\0\0\0" + b"\0" * 200 + b"This program cannot be run in DOS mode"


@dataclass(frozen=True)
class Hostile:
    name: str  # for the test's id
    filename: str  # as uploaded
    make: Callable[[Sequence[str]], bytes]  # the import's header → the file
    code: str | None  # what the core answers; None: it reads a table


# Codes as tandem.core.tabular names them (kept as text: this module is imported by a
# child process that loads nothing else).
CORPUS: tuple[Hostile, ...] = (
    Hostile("dimension-bomb", "bomb.xlsx", dimension_bomb, None),
    Hostile("far-cell-bomb", "far.xlsx", far_cell_bomb, None),
    Hostile("wide-bomb", "wide.xlsx", wide_bomb, "too_many_columns"),
    Hostile("100000-rows", "big.xlsx", many_rows, "too_many_rows"),
    Hostile("deflate-bomb", "zip.xlsx", lambda _h: deflate_bomb(), "unpacks_too_big"),
    Hostile("png-named-xlsx", "photo.xlsx", lambda _h: PNG, "binary"),
    Hostile("exe-named-xlsx", "setup.xlsx", lambda _h: EXE, "binary"),
    Hostile("png-named-csv", "photo.csv", lambda _h: PNG, "binary"),
    Hostile("empty", "empty.csv", lambda _h: b"", "empty"),
    Hostile("blank", "blank.xlsx", lambda _h: b" \r\n\t", "empty"),
    Hostile("truncated-zip", "cut.xlsx", truncated_zip, "broken_zip"),
    Hostile("old-xls", "old.xls", lambda _h: OLD_XLS, "old_excel"),
    Hostile("old-xls-named-xlsx", "old.xlsx", lambda _h: OLD_XLS, "old_excel"),
    Hostile("ods-or-docx", "table.xlsx", lambda _h: not_a_workbook(), "not_a_workbook"),
)


def measured(call: Callable[[], Any]) -> tuple[Any, float, int]:
    """``call()``'s result, its wall time in seconds and its peak of Python memory in
    bytes (tracemalloc: every list, tuple and string a reader builds is counted)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = call()
        seconds = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, seconds, peak


ENCODINGS = (("cp1251", "\r\n"), ("utf-8-sig", "\n"), ("utf-8", "\r\n"))
_CYRILLIC = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")
_NAMES = {"XLSX", "XLS", "CSV", "PDF", "Excel"}  # names of formats, said as they are


def is_russian(message: str) -> bool:
    """A sentence for a person: Cyrillic words, and no code of ours (``not_a_table``)
    nor an exception's English."""
    words = [w.strip(".,:;()«»") for w in message.split()]
    latin = [w for w in words if w.isascii() and w.isalpha() and len(w) > 3
             and w not in _NAMES]
    return (bool(_CYRILLIC & set(message.lower())) and "_" not in message.split("«")[0]
            and "Error" not in message and not latin)
