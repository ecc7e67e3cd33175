"""Reading a spreadsheet a curator uploads: XLSX, or CSV in UTF-8 / UTF-8 with BOM /
Windows-1251 with «;» or «,» — detected, never asked.

Returns rows with their spreadsheet row numbers so messages can name them; errors are
codes that the application layer words in Russian (``tandem.web.tabular``).

Bounded against hostile files before anything is materialised:

- an XLSX is a ZIP: its members' declared unpacked sizes are summed and compared with
  :data:`MAX_UNPACKED`, and a member that unpacks more than :data:`MAX_RATIO` times its
  packed size is refused (a deflate bomb). ``zipfile`` never unpacks past a member's
  declared size, so the declared sizes are a real bound;
- the first sheet's XML is scanned as a byte stream, a megabyte at a time, counting the
  rows that hold a value; more than the limit is refused without parsing a cell
  (a 100,000-row file is refused in a fraction of a second);
- the declared dimension (``<dimension ref="A1:XFD1048576"/>``) is ignored: rows are
  streamed up to the last row that holds a value, at most ``max_columns + 1`` columns
  wide, so a 1.7 KB sheet cannot make the reader pad a million rows of 16,384 cells;
- a CSV is read row by row and stops at the limit + 1;
- an old binary XLS, a ZIP that is no workbook (ODS, DOCX), a truncated ZIP and a binary
  that is no text (a picture or a program renamed) each get their own code.

:func:`open_table` reads a file on disk (or any seekable binary file) as a stream: the
whole file is checked first (encoding, rows, columns — a pass that keeps nothing), then
its rows are handed out one at a time, so a 300,000-row roster never sits in memory.
:func:`read_table` is the same reading of bytes, materialised (a form's small file).
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import IO

from charset_normalizer import from_bytes

MAX_ROWS = 50_000
MAX_COLUMNS = 200
MAX_UNPACKED = 128 * 1024 * 1024  # all members of an XLSX, unpacked
MAX_RATIO = 200  # a real sheet packs 5–30 times; a deflate bomb a thousand times
_RATIO_FROM = 1024 * 1024  # small members may pack well; they cannot hurt
_CHUNK = 1024 * 1024
LAST_ROW = 1_048_576  # Excel's


class TableError(ValueError):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


EMPTY = "empty"
NOT_A_TABLE = "not_a_table"
TOO_MANY_ROWS = "too_many_rows"
TOO_MANY_COLUMNS = "too_many_columns"
UNKNOWN_ENCODING = "unknown_encoding"
OLD_EXCEL = "old_excel"  # a binary .xls (OLE container)
BROKEN_ZIP = "broken_zip"  # truncated or damaged XLSX
NOT_A_WORKBOOK = "not_a_workbook"  # a ZIP, but not an XLSX (ODS, DOCX, an archive)
UNPACKS_TOO_BIG = "unpacks_too_big"  # a deflate bomb, or a workbook far beyond any limit
BINARY = "binary"  # a picture, a PDF, a program: no table at all
CODES = (EMPTY, NOT_A_TABLE, TOO_MANY_ROWS, TOO_MANY_COLUMNS, UNKNOWN_ENCODING, OLD_EXCEL,
         BROKEN_ZIP, NOT_A_WORKBOOK, UNPACKS_TOO_BIG, BINARY)

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_SIGNATURE = b"PK"
XLSX_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it (the header is row 1)
    values: dict[str, str]


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[Row]
    encoding: str | None = None  # of a CSV; None for an XLSX


@dataclass
class TableStream:
    """A table read row by row: ``rows`` is consumed once; ``total`` is the number of rows
    below the header that hold a value (counted before the first row is handed out)."""

    header: list[str]
    rows: Iterator[Row]
    total: int
    encoding: str | None = None  # of a CSV; None for an XLSX


def read_table(content: bytes, filename: str, *, max_rows: int = MAX_ROWS,
               max_columns: int = MAX_COLUMNS) -> Table:
    """The first sheet of an XLSX, or a CSV; :class:`TableError` says why not.

    At most ``max_rows`` rows below the header and ``max_columns`` columns: a file
    beyond either is refused, and nothing past the limit + 1 is read."""
    with open_table(io.BytesIO(content), filename, max_rows=max_rows,
                    max_columns=max_columns) as table:
        return Table(header=table.header, rows=list(table.rows), encoding=table.encoding)


@contextmanager
def open_table(source: IO[bytes], filename: str, *, max_rows: int = MAX_ROWS,
               max_columns: int = MAX_COLUMNS) -> Iterator[TableStream]:
    """The table in a seekable binary file, as a stream of rows; :class:`TableError`
    when there is none — raised here for anything wrong with the file as a whole (its
    kind, encoding, row and column limits), so that reading ``rows`` afterwards does
    not fail half-way for a reason the whole file had."""
    source.seek(0)
    head = source.read(8192)
    source.seek(0)
    if _blank(source, head):
        raise TableError(EMPTY)
    if head.startswith(OLE_SIGNATURE):
        raise TableError(OLD_EXCEL)
    if head.startswith(ZIP_SIGNATURE):
        with _open_xlsx(source, max_rows=max_rows, max_columns=max_columns) as table:
            yield table
        return
    if filename.lower().endswith(XLSX_SUFFIXES):
        # Named a workbook but not a ZIP: a renamed picture, PDF or program, or text.
        raise TableError(BINARY if _is_binary(head) else NOT_A_TABLE)
    if _is_binary(head):
        raise TableError(BINARY)
    yield _open_csv(source, max_rows=max_rows, max_columns=max_columns)


def _blank(source: IO[bytes], head: bytes) -> bool:
    """Nothing but white space (read no further than the first thing that is not)."""
    if head.strip():
        return False
    source.seek(0)
    try:
        while chunk := source.read(_CHUNK):
            if chunk.strip():
                return False
        return True
    finally:
        source.seek(0)


# Signatures of what people attach by mistake; and any text has no NUL byte.
_BINARY_SIGNATURES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"MZ", b"\x7fELF",
                      b"BM", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")


def _is_binary(content: bytes) -> bool:
    return content.startswith(_BINARY_SIGNATURES) or b"\x00" in content[:8192]


def _clean(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\u00a0", " ").strip()


def _split(raw_rows: Iterable[tuple[int, list[str]]], *, max_rows: int,
           max_columns: int) -> tuple[list[str], Iterator[Row]]:
    """The header (the first row with anything in it) and the rows below it, read
    lazily from ``raw_rows`` — (row number, cells) — and stopped at ``max_rows`` + 1."""
    source = iter(raw_rows)
    header: list[str] | None = None
    for _number, raw in source:
        if not any(raw):
            continue
        if len(raw) > max_columns and any(raw[max_columns:]):
            raise TableError(TOO_MANY_COLUMNS, str(max_columns))
        header = [h.strip() for h in raw]
        if sum(1 for h in header if h) < 2:
            raise TableError(NOT_A_TABLE)
        break
    if header is None:
        raise TableError(EMPTY)
    titles = header

    def rows() -> Iterator[Row]:
        n = 0
        for number, raw in source:
            if not any(raw):
                continue
            if len(raw) > max_columns and any(raw[max_columns:]):
                raise TableError(TOO_MANY_COLUMNS, str(max_columns))
            if n == max_rows:
                raise TableError(TOO_MANY_ROWS, str(max_rows))
            n += 1
            yield Row(number, {h: (raw[i] if i < len(raw) else "")
                               for i, h in enumerate(titles) if h})

    return [h for h in header if h], rows()


# -- XLSX ------------------------------------------------------------------------------
@contextmanager
def _open_xlsx(source: IO[bytes], *, max_rows: int,
               max_columns: int) -> Iterator[TableStream]:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise TableError(BROKEN_ZIP) from None
    with archive:
        names = set(archive.namelist())
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise TableError(NOT_A_WORKBOOK)
        _check_sizes(archive)
        from openpyxl import load_workbook  # on the first upload, not at every start

        try:
            # Read-only: the sheet is parsed as it is iterated, from the ZIP on disk.
            book = load_workbook(source, read_only=True, data_only=True)
        except MemoryError:
            raise
        except Exception:
            raise TableError(NOT_A_TABLE) from None
        try:
            try:
                if not book.worksheets:
                    raise TableError(NOT_A_TABLE)
                sheet = book.worksheets[0]
                path = str(getattr(sheet, "_worksheet_path", "")).lstrip("/")
                if path not in names:
                    raise TableError(NOT_A_TABLE)
                filled = _scan_rows(archive, path, limit=max_rows + 1, max_columns=max_columns)
                # The declared dimension is ignored: the scan found where the values end.
                sheet.reset_dimensions()  # type: ignore[union-attr]
                header, rows = _split(_xlsx_rows(sheet, width=max_columns + 1),
                                      max_rows=max_rows, max_columns=max_columns)
            except (TableError, MemoryError):
                raise
            except Exception:
                raise TableError(NOT_A_TABLE) from None
            yield TableStream(header=header, rows=_guarded(rows), total=max(0, filled - 1))
        finally:
            book.close()


def _guarded(rows: Iterator[Row]) -> Iterator[Row]:
    """A damaged sheet found only while its rows are parsed is :data:`NOT_A_TABLE`."""
    try:
        yield from rows
    except (TableError, MemoryError):
        raise
    except Exception:
        raise TableError(NOT_A_TABLE) from None


def _check_sizes(archive: zipfile.ZipFile) -> None:
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if (info.file_size > _RATIO_FROM
                and info.file_size > MAX_RATIO * max(1, info.compress_size)):
            raise TableError(UNPACKS_TOO_BIG)
    if total > MAX_UNPACKED:
        raise TableError(UNPACKS_TOO_BIG)


_ROOT = re.compile(rb"<(?:([A-Za-z_][\w.-]*):)?worksheet[\s>]")
_MAX_ROW_XML = 4 * _CHUNK  # no real row takes 4 MB of XML


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _scan_rows(archive: zipfile.ZipFile, path: str, *, limit: int, max_columns: int) -> int:
    """Counts the sheet's rows that hold a value, in the raw XML a megabyte at a time,
    at the speed of ``bytes.split``: more than ``limit`` is :data:`TOO_MANY_ROWS`; a cell
    right of ``max_columns`` is :data:`TOO_MANY_COLUMNS`. Nothing is parsed; the count
    (the header included) is returned."""
    # A cell reference with at least as many letters as the first column beyond the
    # limit (GS for 200) is looked at; rows' «r="12"» have no letters.
    wide = re.compile(rb'\sr="([A-Z]{%d,})\d' % len(_column_letters(max_columns + 1)))
    filled = 0
    row = b""
    has_value = re.compile(b"").search
    carry = b""
    with archive.open(path) as source:
        while True:
            chunk = source.read(_CHUNK)
            buffer = carry + chunk
            if not row:
                root = _ROOT.search(buffer)
                if root is None and chunk and len(buffer) < 64 * 1024:
                    carry = buffer
                    continue
                tag = b"<" + (root.group(1) + b":" if root and root.group(1) else b"")
                row = tag + b"row"
                has_value = re.compile(re.escape(tag) + rb"(?:v|is)[\s>]").search
            for cell in wide.finditer(buffer):
                if _column_number(cell.group(1)) > max_columns:
                    raise TableError(TOO_MANY_COLUMNS, str(max_columns))
            pieces = buffer.split(row)
            # The last piece may be a row cut in two: it waits for the next chunk.
            carry = pieces.pop() if chunk else b""
            if len(carry) > _MAX_ROW_XML:
                raise TableError(NOT_A_TABLE)
            # map and filter keep the loop over rows in C.
            filled += len(list(filter(None, map(has_value, pieces))))
            if filled > limit:
                raise TableError(TOO_MANY_ROWS, str(limit - 1))
            if not chunk:
                break
        if carry:
            filled += has_value(carry) is not None
    if filled > limit:
        raise TableError(TOO_MANY_ROWS, str(limit - 1))
    return filled


def _xlsx_rows(sheet: object, *, width: int) -> Iterator[tuple[int, list[str]]]:
    # openpyxl fills a gap between two rows with one shared tuple, yielded once per
    # missing row: skipped by identity. The gap ends at Excel's last row.
    padding: object = None
    rows = sheet.iter_rows(  # type: ignore[attr-defined]
        values_only=True, max_row=LAST_ROW, max_col=width)
    for number, values in enumerate(rows, start=1):
        if values is padding:
            continue
        if not any(v is not None for v in values):
            padding = values
            continue
        yield number, [_clean(v) for v in values]


# -- CSV ------------------------------------------------------------------------------
def _open_csv(source: IO[bytes], *, max_rows: int, max_columns: int) -> TableStream:
    """The whole file is read once to learn its encoding and to count its rows (so a
    file past a limit, or one that is no CSV, is refused before any row is used), then
    again, row by row, for the rows themselves."""
    encoding = _encoding(source)
    delimiter = _delimiter(source, encoding)
    try:
        header, counted = _split(_csv_rows(source, encoding, delimiter, max_columns),
                                 max_rows=max_rows, max_columns=max_columns)
        total = sum(1 for _ in counted)
    except csv.Error:
        raise TableError(NOT_A_TABLE) from None
    _, rows = _split(_csv_rows(source, encoding, delimiter, max_columns),
                     max_rows=max_rows, max_columns=max_columns)
    return TableStream(header=header, rows=rows, total=total, encoding=encoding)


def _text(source: IO[bytes], encoding: str) -> io.TextIOWrapper:
    source.seek(0)
    # The wrapper is never closed: that would close the file, which is its owner's.
    return io.TextIOWrapper(source, encoding=encoding, newline="")


def _delimiter(source: IO[bytes], encoding: str) -> str:
    text = _text(source, encoding)
    first = text.readline()
    text.detach()
    first = first.lstrip("\ufeff")
    return ";" if first.count(";") >= first.count(",") else ","


def _csv_rows(source: IO[bytes], encoding: str, delimiter: str,
              max_columns: int) -> Iterator[tuple[int, list[str]]]:
    text = _text(source, encoding)
    try:
        reader = csv.reader(text, delimiter=delimiter)
        # Numbered as a spreadsheet shows them: a quoted cell may span several lines.
        for number, raw in enumerate(reader, start=1):
            if number == 1 and raw and raw[0].startswith("\ufeff"):
                raw[0] = raw[0][1:]
            if len(raw) > max_columns and any(v.strip() for v in raw[max_columns:]):
                raise TableError(TOO_MANY_COLUMNS, str(max_columns))
            yield number, [_clean(v) for v in raw[:max_columns]]
    except csv.Error:
        raise TableError(NOT_A_TABLE) from None
    finally:
        with suppress(ValueError):  # the file was closed first (a stream left unread)
            text.detach()


def _decodes(source: IO[bytes], encoding: str) -> bool:
    """The whole file decodes in ``encoding`` (read a megabyte at a time)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    source.seek(0)
    try:
        while chunk := source.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return True
    except (UnicodeDecodeError, LookupError):
        return False
    finally:
        source.seek(0)


def _encoding(source: IO[bytes]) -> str:
    source.seek(0)
    head = source.read(65536)
    source.seek(0)
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if _decodes(source, "utf-8"):
        return "utf-8"
    if _decodes(source, "cp1251"):
        return "cp1251"
    best = from_bytes(head).best()
    if best is None or not _decodes(source, str(best.encoding)):
        raise TableError(UNKNOWN_ENCODING)
    return str(best.encoding)
