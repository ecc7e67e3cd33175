"""The roster file: its columns and how a cell is read and written.

Import, export and the template all take the columns from here, so a file the system
writes is a file it reads back unchanged. Headers are part of the file format, not of
the interface: they stay Russian whatever the interface language, and are matched
without regard to case, «ё», spaces and a few common variants.
"""

import datetime as dt
import functools
import io
import re
import zipfile
from dataclasses import dataclass
from typing import IO

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tandem.people.models import AgeBand
from tandem.web import tabular
from tandem.web.tabular import BAD_DATE, CellError, parse_date

__all__ = ["BAD_DATE", "CellError", "parse_date"]  # the kit's, named here for the roster

DATE_FORMAT = "%d.%m.%Y"  # as the export writes dates, and as a curator types them


@dataclass(frozen=True)
class Column:
    field: str  # the Participant field, or "organization"
    header: str  # as the template and the export write it
    aliases: tuple[str, ...] = ()
    # A required column must be in the file; an optional one may be left out, and then
    # the import leaves that field of existing people as it is.
    required: bool = True


ORGANIZATION = "organization"
COLUMNS: tuple[Column, ...] = (
    Column("surname", "Фамилия"),
    Column("name", "Имя"),
    Column("patronymic", "Отчество", required=False),
    Column("position", "Должность"),
    Column("subject", "Предмет/направление",
           ("предмет", "направление", "предмет или направление"), required=False),
    Column("building", "Здание (корпус)", ("здание", "корпус", "площадка",
                                           "здание (корпус, площадка)"), required=False),
    Column("experience_years", "Стаж (лет)", ("стаж", "стаж, лет", "педагогический стаж")),
    Column("age_band", "Возрастная группа", ("возраст",)),
    Column("email", "E-mail", ("email", "e-mail", "эл. почта", "электронная почта")),
    Column("phone", "Телефон", required=False),
    Column("mentoring_consent_date", "Согласие на наставничество (дата)",
           ("согласие на наставничество",), required=False),
    Column("personal_data_consent_date", "Согласие на обработку ПДн (дата)",
           ("согласие на обработку пдн", "согласие на обработку персональных данных"),
           required=False),
    Column(ORGANIZATION, "Организация", ("код организации", "оо"), required=False),
)
BY_FIELD = {c.field: c for c in COLUMNS}
PARTICIPANT_FIELDS = tuple(c.field for c in COLUMNS if c.field != ORGANIZATION)
DATE_FIELDS = ("mentoring_consent_date", "personal_data_consent_date")

# The template's example row: an import skips it, so a curator who leaves it in the
# file does not add a Мария Иванова to the organization.
EXAMPLE_EMAIL = "primer@example.invalid"

HEADER_TWICE = _("Столбец «%(column)s» встречается в файле дважды.")
HEADER_MISSING = _("Нет обязательного столбца «%(column)s».")
HEADER_UNKNOWN = _("Столбец «%(column)s» не распознан и пропущен.")
BAD_AGE_BAND = _("«%(value)s» — такой возрастной группы нет: нужна одна из: %(choices)s.")


_SPELLINGS = {alias: c.field for c in COLUMNS for alias in (c.header, *c.aliases)}


@dataclass(frozen=True)
class Header:
    columns: dict[str, str]  # field → the header as written in the file
    errors: list[str]
    notes: list[str]

    def has(self, field: str) -> bool:
        return field in self.columns


def read_header(header: list[str]) -> Header:
    """Which file column holds which field; missing, repeated and unknown columns."""
    found = tabular.match_header(header, _SPELLINGS)
    errors = [str(HEADER_TWICE % {"column": BY_FIELD[f].header}) for f in found.twice]
    errors += [str(HEADER_MISSING % {"column": c.header}) for c in COLUMNS
               if c.required and c.field not in found.columns]
    notes = [str(HEADER_UNKNOWN % {"column": title}) for title in found.unknown]
    return Header(found.columns, errors, notes)


# -- cells ---------------------------------------------------------------------------
# A CSV cell that starts with one of these is a formula to a spreadsheet; the CSV export
# writes such text with a leading apostrophe (the usual guard against CSV injection) and
# the import drops it again. A phone number like «+7 912 345-67-89» is left alone: it
# cannot run anything. XLSX needs no guard: its cells are typed, text stays text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HARMLESS = re.compile(r"^[+\-][\d\s().\-]*$")


def _guarded(value: str) -> bool:
    """Starts with an apostrophe that the import would take for the guard."""
    return value.startswith("'") and value[1:].startswith((*_FORMULA_START, "'"))


def escape_text(value: str) -> str:
    if (value.startswith(_FORMULA_START) and not _HARMLESS.match(value)) or _guarded(value):
        return "'" + value
    return value


def unescape_text(value: str) -> str:
    return value[1:] if _guarded(value) else value


def format_date(value: dt.date | None) -> str:
    return value.strftime(DATE_FORMAT) if value else ""


def _band_key(text: str) -> str:
    text = re.sub(r"\s*[-–—]\s*", "-", text)  # any dash, spaced or not
    return re.sub(r"\s+", " ", text).strip().casefold()


@functools.lru_cache(maxsize=8)
def _bands(language: str | None) -> dict[str, str]:
    """Every spelling of a band (its code, its label in ``language``) → its code: worked
    out once, not for each of a file's 300,000 rows."""
    found: dict[str, str] = {}
    for band in AgeBand:
        found.setdefault(_band_key(band.value), band.value)
        found.setdefault(_band_key(str(band.label)), band.value)
    return found


def parse_age_band(raw: str) -> str:
    """The band's code from its label («25–34 года», any dash) or its code («25-34»)."""
    if not raw.strip():
        return ""
    code = _bands(get_language()).get(_band_key(raw))
    if code is not None:
        return code
    choices = ", ".join(str(b.label) for b in AgeBand)
    raise CellError(str(BAD_AGE_BAND % {"value": raw.strip(), "choices": choices}))


def age_band_label(code: str) -> str:
    return str(AgeBand(code).label)


# -- size ------------------------------------------------------------------------------
_DIMENSION = re.compile(rb'<dimension ref="[A-Z]+\d+(?::[A-Z]+(\d+))?"')


def estimate_rows(source: IO[bytes] | bytes, filename: str) -> int:
    """Roughly how many rows a file has below its header, without parsing it (line ends
    counted a megabyte at a time; an XLSX's declared or packed size): enough to decide
    whether it is checked during the request or in a background task, and to show a
    progress bar's total until the check has counted."""
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    source.seek(0)
    head = source.read(2)
    source.seek(0)
    try:
        if not (filename.lower().endswith((".xlsx", ".xlsm")) or head == b"PK"):
            return _count_lines(source)
        return _estimate_sheet(source)
    finally:
        source.seek(0)


def _count_lines(source: IO[bytes]) -> int:
    lines, last = 0, b""
    while chunk := source.read(1024 * 1024):
        lines += chunk.count(b"\n")
        last = chunk
    # The header's line end is not a row; nor is a file's last line end.
    return max(0, lines - (1 if last.rstrip(b"\r\n") != last else 0))


def _estimate_sheet(source: IO[bytes]) -> int:
    try:
        with zipfile.ZipFile(source) as archive:
            sheets = sorted(n for n in archive.namelist()
                            if n.startswith("xl/worksheets/") and n.endswith(".xml"))
            if not sheets:
                return 0
            with archive.open(sheets[0]) as sheet:
                head = sheet.read(4096)
            size = archive.getinfo(sheets[0]).file_size
    except (zipfile.BadZipFile, KeyError, OSError):
        return 0  # unreadable: the check says so at once
    if m := _DIMENSION.search(head):
        return max(0, int(m.group(1) or 1) - 1)
    return size // 500  # a row of a roster takes a few hundred bytes of sheet XML
