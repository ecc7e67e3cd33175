"""Import of the resource catalogue from a spreadsheet: the columns, how each cell is
read, and the plan of what the commit will do with every row.

No database access here: the selectors load a :class:`Catalogue` (competencies by code,
the owner's resources with the titles found in the file) and pass it in; the services
save the plan. The file is checked as a whole; the commit saves all rows or none.

Columns (headers matched without regard to case or «ё»): «название», «тип» and
«компетенции» are required; «уровень», «описание», «ссылка», «начало», «окончание»,
«формат», «кто проводит» are optional. A row updates the owner's resource with the same
title, else it adds one. On an update a column missing from the file leaves its field as
it was, an empty cell clears it; «уровень» and «формат» cannot be empty, so an empty cell
keeps the old value (a new resource gets the owner's level and «онлайн»).
"""

import datetime as dt
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy, ngettext_lazy

from tandem.core import tabular as core_tabular
from tandem.core.text import normalize_name
from tandem.resources.models import Format, Kind, Level, Resource
from tandem.web import tabular
from tandem.web.xlsx import append_row, append_rows

# -- the columns ---------------------------------------------------------------------
# Header as the template spells it → model field; the order is the template's.
COLUMNS: dict[str, str] = {
    "название": "title",
    "тип": "kind",
    "уровень": "level",
    "описание": "description",
    "ссылка": "url",
    "начало": "starts_on",
    "окончание": "ends_on",
    "формат": "format",
    "кто проводит": "owner_name",
    "компетенции": "competencies",
}
REQUIRED_COLUMNS = ("название", "тип", "компетенции")
COLUMN_OF = {name: header for header, name in COLUMNS.items()}
MAX_ROWS = 1000  # a catalogue is hundreds of resources; more is a mistake or a dump

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# -- messages about the file as a whole ----------------------------------------------
OLD_EXCEL = tabular.OLD_EXCEL  # the kit's words, named here for the catalogue's tests
MISSING_COLUMNS = gettext_lazy("Нет обязательных столбцов: %(columns)s. В первой строке — "
                               "заголовки, как в шаблоне.")
UNKNOWN_COLUMNS = gettext_lazy("Незнакомые столбцы: %(columns)s. Возможные: %(expected)s.")
DUPLICATE_COLUMN = gettext_lazy("Столбец «%(column)s» встречается дважды.")
NO_ROWS = gettext_lazy("В файле нет ни одной строки с ресурсом.")
TOO_MANY_ROWS = tabular.TABLE_ERRORS[core_tabular.TOO_MANY_ROWS]

# -- messages about a cell, in the kit's shape: «Строка 3, «ссылка»: …» ----------------
ROW_PROBLEM = tabular.CELL_PROBLEM
REQUIRED = gettext_lazy("пусто, а без этого ресурс не сохранить.")
TOO_LONG = ngettext_lazy("длиннее %(max)s символа.", "длиннее %(max)s символов.", "max")
UNKNOWN_VALUE = gettext_lazy("«%(value)s» — такого значения нет; возможны: %(allowed)s.")
LEVEL_NOT_YOURS = gettext_lazy(
    "уровень «%(value)s» ведёт другой оператор; этому владельцу доступны: %(allowed)s.")
BAD_DATE = tabular.BAD_DATE
DATES_REVERSED = gettext_lazy("окончание раньше начала (%(start)s).")
BAD_URL = gettext_lazy("«%(value)s» — нужна ссылка, начинающаяся с http:// или https://.")
NO_COMPETENCIES = gettext_lazy("укажите хотя бы один код компетенции.")
UNKNOWN_CODES = gettext_lazy("нет таких компетенций: %(codes)s.")
RETIRED_CODES = gettext_lazy("эти компетенции больше не используются: %(codes)s.")
TITLE_TWICE = gettext_lazy("такое название уже было в строке %(row)s.")
TITLE_AMBIGUOUS = gettext_lazy(
    "в каталоге несколько ресурсов с таким названием: переименуйте их, чтобы было ясно, "
    "какой обновлять.")

parse_date = tabular.parse_date  # the one date reader
_CODE_SEPARATORS = re.compile(r"[,;\s]+")
_url_validator = URLValidator(schemes=["http", "https"])


class FileRefused(Exception):
    """The file cannot be read as a catalogue table at all."""


class Status(models.TextChoices):
    NEW = "new", gettext_lazy("новый")
    UPDATE = "update", gettext_lazy("обновление")
    ERROR = "error", gettext_lazy("ошибка")


@dataclass(frozen=True)
class Catalogue:
    """What a file is checked against."""

    levels: tuple[Level, ...]  # those the owner keeps; the first is the default
    competencies: dict[str, int]  # code of an active competency → its pk
    retired: frozenset[str]  # codes of competencies switched off
    # normalize_name(title) → the owner's resources of that title, competencies prefetched
    existing: dict[str, list[Resource]]


@dataclass
class PlannedRow:
    number: int  # as the spreadsheet shows it
    title: str
    values: dict[str, object] = field(default_factory=dict)  # model field → value to set
    competency_ids: list[int] = field(default_factory=list)
    resource: Resource | None = None  # the one this row updates
    changes: list[str] = field(default_factory=list)  # columns whose value an update changes
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> Status:
        if self.errors:
            return Status.ERROR
        return Status.NEW if self.resource is None else Status.UPDATE


@dataclass
class Preview:
    rows: list[PlannedRow]
    errors: list[str]  # about the file as a whole
    encoding: str | None = None

    @property
    def error_count(self) -> int:
        return len(self.errors) + sum(1 for r in self.rows if r.errors)

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and bool(self.rows)

    @property
    def new_count(self) -> int:
        return sum(1 for r in self.rows if r.status == Status.NEW)

    @property
    def update_count(self) -> int:
        return sum(1 for r in self.rows if r.status == Status.UPDATE)


# -- reading -------------------------------------------------------------------------
def read(content: bytes, filename: str) -> tabular.Table:
    """The table in an uploaded file, read no further than ``MAX_ROWS`` + 1 rows;
    :class:`FileRefused` says why there is none."""
    try:
        return tabular.read_upload(content, filename, max_rows=MAX_ROWS)
    except tabular.TableRefused as refused:
        raise FileRefused(str(refused)) from None


def _headers(table: tabular.Table) -> tuple[dict[str, str], list[str]]:
    """(model field → the header as the file spells it, whole-file errors)."""
    found = tabular.match_header(table.header, COLUMNS)
    errors = [str(DUPLICATE_COLUMN) % {"column": COLUMN_OF[f]} for f in found.twice]
    if found.unknown:
        errors.append(str(UNKNOWN_COLUMNS) % {
            "columns": ", ".join(f"«{h}»" for h in found.unknown),
            "expected": ", ".join(f"«{c}»" for c in COLUMNS)})
    missing = [c for c in REQUIRED_COLUMNS if COLUMNS[c] not in found.columns]
    if missing:
        errors.insert(0, str(MISSING_COLUMNS) % {"columns": ", ".join(f"«{c}»" for c in missing)})
    return found.columns, errors


def folded_titles(table: tabular.Table) -> set[str]:
    """The titles in the file, folded as :func:`normalize_name` does, for one lookup."""
    headers = [h for h in table.header if normalize_name(h) == "название"]
    return {normalize_name(row.values.get(h, "")) for row in table.rows for h in headers} - {""}


def parse_choice(raw: str, choices: type[models.TextChoices]) -> str | None:
    """The code of a choice given by its label («вебинар») or code («webinar»)."""
    wanted = normalize_name(raw)
    for value, label in choices.choices:
        if wanted in (normalize_name(str(value)), normalize_name(str(label))):
            return str(value)
    return None


def parse_codes(raw: str) -> list[str]:
    """Competency codes separated by commas, semicolons or spaces, without repeats."""
    return list(dict.fromkeys(c for c in _CODE_SEPARATORS.split(raw.lower()) if c))


def _labels(choices: Sequence[models.TextChoices]) -> str:
    return ", ".join(f"«{c.label}»" for c in choices)


# -- checking ------------------------------------------------------------------------
def check(table: tabular.Table, catalogue: Catalogue) -> Preview:
    """The plan for every row of ``table``; any error anywhere refuses the commit."""
    headers, errors = _headers(table)
    if not errors and not table.rows:
        errors.append(str(NO_ROWS))
    if errors:
        return Preview([], errors, table.encoding)
    first_row_of: dict[str, int] = {}
    rows = [_check_row(row, headers, catalogue, first_row_of) for row in table.rows]
    return Preview(rows, [], table.encoding)


class _Row:
    """One spreadsheet row being read: its cells by model field, and its problems."""

    def __init__(self, row: tabular.Row, headers: dict[str, str]) -> None:
        self.number = row.number
        self.cells = {name: row.values.get(header, "").strip()
                      for name, header in headers.items()}
        self.errors: list[str] = []

    def fail(self, name: str, problem: str) -> None:
        self.errors.append(tabular.cell_problem(self.number, COLUMN_OF[name], problem))

    def text(self, name: str, *, required: bool = False) -> str | None:
        """The cell as it is (None if the column is absent), checked against the field."""
        raw = self.cells.get(name)
        if raw is None:
            return None
        limit = getattr(Resource._meta.get_field(name), "max_length", None)
        if required and not raw:
            self.fail(name, str(REQUIRED))
        elif limit and len(raw) > limit:
            self.fail(name, TOO_LONG % {"max": limit})
        return raw


def _check_row(row: tabular.Row, headers: dict[str, str], catalogue: Catalogue,
               first_row_of: dict[str, int]) -> PlannedRow:
    r = _Row(row, headers)
    title = r.text("title", required=True) or ""
    item = PlannedRow(number=row.number, title=title)
    key = normalize_name(title)
    if key in first_row_of:
        r.fail("title", str(TITLE_TWICE) % {"row": first_row_of[key]})
    elif key:
        first_row_of[key] = row.number
        same = catalogue.existing.get(key, [])
        if len(same) > 1:
            r.fail("title", str(TITLE_AMBIGUOUS))
        item.resource = same[0] if len(same) == 1 else None
    values: dict[str, object] = {"title": title}

    kind = r.cells["kind"]
    if not kind:
        r.fail("kind", str(REQUIRED))
    elif (code := parse_choice(kind, Kind)) is None:
        r.fail("kind", str(UNKNOWN_VALUE) % {"value": kind, "allowed": _labels(list(Kind))})
    else:
        values["kind"] = code

    level = r.cells.get("level", "")
    if level:
        code = parse_choice(level, Level)
        if code is None:
            r.fail("level", str(UNKNOWN_VALUE) % {"value": level,
                                                  "allowed": _labels(catalogue.levels)})
        elif code not in catalogue.levels:
            r.fail("level", str(LEVEL_NOT_YOURS) % {"value": Level(code).label,
                                                    "allowed": _labels(catalogue.levels)})
        else:
            values["level"] = code
    elif item.resource is None:
        values["level"] = catalogue.levels[0]

    fmt = r.cells.get("format", "")
    if fmt:
        code = parse_choice(fmt, Format)
        if code is None:
            r.fail("format", str(UNKNOWN_VALUE) % {"value": fmt, "allowed": _labels(list(Format))})
        else:
            values["format"] = code

    for name in ("description", "owner_name"):
        text = r.text(name)
        if text is not None:
            values[name] = text

    url = r.text("url")
    if url:
        try:
            _url_validator(url)
        except ValidationError:
            r.fail("url", str(BAD_URL) % {"value": url})
    if url is not None:
        values["url"] = url

    dates_ok = True
    for name in ("starts_on", "ends_on"):
        raw = r.cells.get(name)
        if raw is None:
            continue
        try:
            values[name] = parse_date(raw)
        except tabular.CellError:
            r.fail(name, str(BAD_DATE) % {"value": raw})
            dates_ok = False
    # A column left out keeps the old date, so the order is checked against it too.
    old = item.resource
    starts = values.get("starts_on", old.starts_on if old else None)
    ends = values.get("ends_on", old.ends_on if old else None)
    if (dates_ok and isinstance(starts, dt.date) and isinstance(ends, dt.date)
            and ends < starts):
        r.fail("ends_on", str(DATES_REVERSED) % {"start": starts.strftime("%d.%m.%Y")})

    codes = parse_codes(r.cells["competencies"])
    unknown = [c for c in codes if c not in catalogue.competencies and c not in catalogue.retired]
    retired = [c for c in codes if c in catalogue.retired]
    if not codes:
        r.fail("competencies", str(NO_COMPETENCIES))
    if unknown:
        r.fail("competencies", str(UNKNOWN_CODES) % {"codes": ", ".join(unknown)})
    if retired:
        r.fail("competencies", str(RETIRED_CODES) % {"codes": ", ".join(retired)})
    item.competency_ids = [catalogue.competencies[c] for c in codes
                           if c in catalogue.competencies]

    item.values = values
    item.errors = r.errors
    if item.resource is not None and not item.errors:
        item.changes = _changes(item.resource, values, item.competency_ids)
    return item


def _changes(resource: Resource, values: dict[str, object],
             competency_ids: list[int]) -> list[str]:
    changed = [COLUMN_OF[name] for name, value in values.items()
               if getattr(resource, name) != value]
    # competencies.all() reads the prefetched list: no query per row.
    if {c.pk for c in resource.competencies.all()} != set(competency_ids):
        changed.append(COLUMN_OF["competencies"])
    return changed


# -- the template --------------------------------------------------------------------
def template_xlsx(competencies: Sequence[tuple[str, str]]) -> bytes:
    """An XLSX with the headers and one made-up row; a second sheet lists the allowed
    values and the competency codes (``(code, name)`` pairs, the first two go into the
    example). The import reads the first sheet only."""
    from openpyxl import Workbook  # here, not for every page that imports this module
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Ресурсы"
    append_row(sheet, list(COLUMNS))
    example_codes = ", ".join(code for code, _name in competencies[:2])
    append_row(sheet, [
        "Пример: вебинар «Нейросеть — помощник учителя»", str(Kind.WEBINAR.label), "",
        "Вымышленная строка для образца: замените её своими ресурсами.",
        "https://example.org/webinar", dt.date(2027, 2, 1), dt.date(2027, 2, 1),
        str(Format.ONLINE.label), "Пример: центр наставничества", example_codes])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in (sheet["F2"], sheet["G2"]):
        cell.number_format = "DD.MM.YYYY"
    for letter, width in zip("ABCDEFGHIJ", (45, 22, 14, 45, 30, 12, 12, 16, 30, 35),
                             strict=True):
        sheet.column_dimensions[letter].width = width

    help_sheet = book.create_sheet("Справка")
    help_rows = [
        ("название", "Обязательно. Ресурс с тем же названием у того же владельца "
                     "обновляется, иначе добавляется новый."),
        ("тип", "Обязательно: " + _labels(list(Kind))),
        ("уровень", _labels(list(Level)) + ". Пусто — уровень владельца; «регион» и "
                    "«федеральный» ведёт региональный оператор."),
        ("описание, кто проводит", "Необязательно, любой текст"),
        ("ссылка", "Необязательно; начинается с http:// или https://"),
        ("начало, окончание", "ДД.ММ.ГГГГ; обе пустые — ресурс постоянный"),
        ("формат", _labels(list(Format)) + ". Пусто — «онлайн»."),
        ("компетенции", "Обязательно: коды через запятую, точку с запятой или пробел "
                        "(список ниже)"),
    ]
    append_row(help_sheet, ["Столбец", "Что писать"])
    append_rows(help_sheet, help_rows)
    append_row(help_sheet, [])
    append_row(help_sheet, ["Код компетенции", "Название"])
    append_rows(help_sheet, competencies)  # names typed by operators: never formulas
    for number in (1, len(help_rows) + 3):
        for cell in help_sheet[number]:
            cell.font = Font(bold=True)
    help_sheet.column_dimensions["A"].width = 28
    help_sheet.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
