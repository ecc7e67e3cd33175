"""Checking a roster file: every row read, validated, matched to a person and given a
status — new, update, unchanged or error. Nothing is written here (see services).

Matching: by e-mail first (an e-mail is unique in the whole system); failing that, by
full name inside the row's organization, with «ё» = «е», case and extra spaces ignored
(``tandem.core.text.normalize_name``, the same key the participant search uses).

Cost: two passes over the rows and a fixed number of queries (organizations, people
by e-mail, people by name), whatever the length of the file.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from tandem.access.scope import Scope
from tandem.core.text import normalize_name
from tandem.directory.forms import EMAIL_TAKEN
from tandem.people.models import Participant
from tandem.roster import fileformat
from tandem.roster.fileformat import BY_FIELD, DATE_FIELDS, ORGANIZATION, PARTICIPANT_FIELDS
from tandem.roster.forms import RosterRowForm
from tandem.roster.selectors import (
    participants_by_email,
    participants_by_name,
    roster_organizations,
)
from tandem.territory.models import Organization
from tandem.web import tabular

NEW, UPDATE, UNCHANGED, ERROR = "new", "update", "unchanged", "error"
STATUSES = (NEW, UPDATE, UNCHANGED, ERROR)
STATUS_LABELS = {NEW: _("новый"), UPDATE: _("изменение"), UNCHANGED: _("без изменений"),
                 ERROR: _("ошибка")}

# About the file as a whole.
NO_ORGANIZATIONS = _("У вас нет организаций, в которые можно загрузить участников.")
ORGANIZATION_COLUMN_NEEDED = _(
    "Нет столбца «Организация»: у вас несколько организаций, укажите в нём код или краткое "
    "название организации каждого участника.")
NO_ROWS = _("В файле нет ни одной строки с участником.")
EXAMPLE_SKIPPED = _("Строка %(row)s — пример из шаблона, она пропущена.")

# About one row: «Строка 5, «E-mail»: …» names the row and the column (the kit's shape).
ORGANIZATION_REQUIRED = _("укажите организацию (код или краткое название): у вас их несколько.")
ORGANIZATION_UNKNOWN = _("«%(value)s» — нет среди ваших организаций; укажите код или краткое "
                         "название.")
ORGANIZATION_AMBIGUOUS = _("краткое название «%(value)s» у нескольких организаций; укажите код.")
PERSON_TWICE = _("этот человек уже есть в строке %(other)s.")
IN_OTHER_ORGANIZATION = _("человек с этим e-mail уже есть в другой организации "
                          "(%(organization)s); перевести его можно в его карточке.")
# A card outside the uploader's scope: the participant form's neutral answer, which
# tells nothing about where the address is used (#13.6).
EMAIL_ELSEWHERE = EMAIL_TAKEN
NAME_AMBIGUOUS = _("в организации несколько человек с таким ФИО; укажите e-mail, который "
                   "записан у нужного в системе.")

CHANGE = _("%(column)s: %(old)s → %(new)s")
EMPTY = "—"

Progress = Callable[[int], None]  # percent done
MAX_ROWS = tabular.MAX_ROWS  # a region's whole roster fits; the file is read no further
ORDER = {c.field: i for i, c in enumerate(fileformat.COLUMNS)}


@dataclass
class RowResult:
    number: int  # as the spreadsheet shows it
    who: str
    organization: str = ""
    status: str = NEW
    changes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # Kept in memory for the commit, not in the stored report:
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    target: Organization | None = field(default=None, repr=False)
    participant: Participant | None = field(default=None, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {"number": self.number, "who": self.who, "organization": self.organization,
                "status": self.status, "changes": self.changes, "errors": self.errors}


@dataclass
class Report:
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        """Nothing wrong: the file may be committed as a whole."""
        return not self.file_errors and bool(self.rows) and self.counts[ERROR] == 0

    @property
    def errors(self) -> list[str]:
        return self.file_errors + [e for row in self.rows for e in row.errors]

    def as_json(self) -> dict[str, Any]:
        return {"rows": [r.as_json() for r in self.rows], "file_errors": self.file_errors,
                "notes": self.notes, "encoding": self.encoding, "counts": self.counts}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Report":
        return cls(rows=[RowResult(**r) for r in data.get("rows", [])],
                   file_errors=list(data.get("file_errors", [])),
                   notes=list(data.get("notes", [])), encoding=data.get("encoding"))


class _Organizations:
    """The user's organizations, found by code or by short name."""

    def __init__(self, organizations: list[Organization]) -> None:
        self.all = organizations
        self.ids = {o.pk for o in organizations}
        self.by_code = {o.code.casefold(): o for o in organizations}
        self.by_name: dict[str, list[Organization]] = {}
        for o in organizations:
            self.by_name.setdefault(normalize_name(o.short_name), []).append(o)
        self.only = organizations[0] if len(organizations) == 1 else None

    def find(self, raw: str) -> Organization:
        """The organization a cell names; ``ValueError`` with the message if none."""
        found = self.by_code.get(raw.strip().casefold())
        if found is not None:
            return found
        named = self.by_name.get(normalize_name(raw), [])
        if len(named) > 1:
            raise ValueError(str(ORGANIZATION_AMBIGUOUS % {"value": raw}))
        if not named:
            # The same words for an unknown organization and for one outside the user's
            # territory: the answer must not tell which organizations exist.
            raise ValueError(str(ORGANIZATION_UNKNOWN % {"value": raw}))
        return named[0]


def check_roster(*, content: bytes, filename: str, scope: Scope,
                 progress: Progress | None = None) -> Report:
    """Reads and checks a roster file for a user with ``scope``; writes nothing."""
    try:
        table = tabular.read_upload(content, filename, max_rows=MAX_ROWS)
    except tabular.TableRefused as refused:
        return Report(file_errors=[str(refused)])
    header = fileformat.read_header(table.header)
    report = Report(file_errors=list(header.errors), notes=list(header.notes),
                    encoding=table.encoding)
    organizations = _Organizations(roster_organizations(scope=scope))
    if not organizations.all:
        report.file_errors.append(str(NO_ORGANIZATIONS))
    elif organizations.only is None and not header.has(ORGANIZATION):
        report.file_errors.append(str(ORGANIZATION_COLUMN_NEEDED))
    if report.file_errors:
        return report

    is_csv = table.encoding is not None  # read_table names an encoding for CSV only
    total = len(table.rows)
    step = max(1, total // 50)
    for i, row in enumerate(table.rows):
        item = _read_row(row, header, organizations, is_csv=is_csv)
        if item is None:
            report.notes.append(str(EXAMPLE_SKIPPED % {"row": row.number}))
        else:
            report.rows.append(item)
        if progress is not None and i % step == 0:
            progress(90 * i // total)
    if report.rows:
        _match(report.rows, organizations, header)
    else:
        report.file_errors.append(str(NO_ROWS))
    if progress is not None:
        progress(100)
    return report


def _read_row(row: tabular.Row, header: fileformat.Header, organizations: _Organizations,
              *, is_csv: bool) -> RowResult | None:
    def cell(name: str) -> str:
        value = row.values.get(header.columns[name], "")
        return fileformat.unescape_text(value) if is_csv else value

    found: list[tuple[int, str]] = []  # (column position, message): said left to right

    def fail(name: str, message: str) -> None:
        found.append((ORDER[name], tabular.cell_problem(row.number, header.columns[name],
                                                        message)))

    who = " ".join(cell(f) for f in ("surname", "name", "patronymic") if header.has(f))
    item = RowResult(number=row.number, who=" ".join(who.split()))
    data: dict[str, Any] = {}
    unreadable: set[str] = set()
    for name in PARTICIPANT_FIELDS:
        if not header.has(name):
            continue
        raw = cell(name)
        try:
            if name in DATE_FIELDS:
                data[name] = tabular.parse_date(raw)
            elif name == "age_band":
                data[name] = fileformat.parse_age_band(raw)
            else:
                data[name] = raw
        except tabular.CellError as error:
            fail(name, str(error))
            unreadable.add(name)
    if str(data.get("email", "")).strip().lower() == fileformat.EXAMPLE_EMAIL:
        return None

    form = RosterRowForm(data={k: v for k, v in data.items() if k not in unreadable})
    form.is_valid()
    for name, messages in form.errors.items():
        if name == NON_FIELD_ERRORS:
            item.errors += [tabular.row_problem(row.number, m) for m in messages]
        elif name in header.columns and name not in unreadable:
            for message in messages:
                fail(name, str(message))
    present = [n for n in PARTICIPANT_FIELDS if header.has(n)]
    cleaned = form.cleaned_data
    if form.is_valid():
        item.values = {n: cleaned[n] for n in present}
        item.values["email"] = item.values["email"].lower()
    else:
        # Enough to find duplicates and the person even when another cell is wrong.
        item.values = {n: cleaned[n] for n in ("email", "surname", "name", "patronymic")
                       if n in cleaned and n in present}

    raw_org = cell(ORGANIZATION) if header.has(ORGANIZATION) else ""
    if raw_org:
        try:
            item.target = organizations.find(raw_org)
        except ValueError as error:
            fail(ORGANIZATION, str(error))
    elif organizations.only is not None:
        item.target = organizations.only
    else:
        fail(ORGANIZATION, str(ORGANIZATION_REQUIRED))
    if item.target is not None:
        item.organization = item.target.short_name
    item.errors = [message for _, message in sorted(found, key=lambda f: f[0])] + item.errors
    return item


def _name_key(values: dict[str, Any]) -> str:
    if not values.get("surname") or not values.get("name"):
        return ""
    return normalize_name(values["surname"], values["name"], values.get("patronymic", ""))


def _match(rows: list[RowResult], organizations: _Organizations,
           header: fileformat.Header) -> None:
    """Finds each row's person with two bulk lookups and sets the rows' statuses."""
    emails = {str(r.values["email"]).lower() for r in rows if r.values.get("email")}
    by_email = participants_by_email(emails)
    by_name = participants_by_name(
        organization_ids={r.target.pk for r in rows if r.target is not None},
        names={k for r in rows if (k := _name_key(r.values))})
    # The same person twice: the same e-mail, or two rows that find the same person.
    # Two namesakes with different e-mails are two people.
    first_row: dict[object, int] = {}

    def twice(item: RowResult, key: object) -> bool:
        other = first_row.setdefault(key, item.number)
        if other != item.number:
            item.errors.append(tabular.row_problem(item.number, PERSON_TWICE % {"other": other}))
            return True
        return False

    for item in rows:
        email = str(item.values.get("email", "")).lower()
        name_key = _name_key(item.values)
        target = item.target
        if email and twice(item, ("email", email)):
            item.status = ERROR
            continue
        person = by_email.get(email) if email else None
        if person is not None and target is not None and person.organization_id != target.pk:
            message = (IN_OTHER_ORGANIZATION % {"organization": person.organization.short_name}
                       if person.organization_id in organizations.ids else EMAIL_ELSEWHERE)
            item.errors.append(tabular.cell_problem(item.number, header.columns["email"], message))
            person = None
        elif person is None and target is not None and name_key:
            namesakes = by_name.get((target.pk, name_key), [])
            if len(namesakes) > 1:
                item.errors.append(tabular.row_problem(item.number, NAME_AMBIGUOUS))
            elif namesakes:
                person = namesakes[0]
        if person is not None and twice(item, ("person", person.pk)):
            person = None
        if item.errors:
            item.status = ERROR
            continue
        item.participant = person
        if person is None:
            item.status = NEW
            continue
        item.changes = _changes(person, item.values)
        item.status = UPDATE if item.changes else UNCHANGED


def _title(name: str) -> str:
    return BY_FIELD[name].header


def _shown(name: str, value: object) -> str:
    if value in (None, ""):
        return EMPTY
    if isinstance(value, dt.date):
        return fileformat.format_date(value)
    if name == "age_band":
        return fileformat.age_band_label(str(value))
    return str(value)


NAME_FIELDS = ("surname", "name", "patronymic")


def _same(name: str, old: object, new: object) -> bool:
    if name in NAME_FIELDS:
        # «Семенов» in a file is the «Семёнов» already written: a file that drops the
        # dots of «ё» or shouts in capitals must not rewrite a correctly spelt name.
        return normalize_name(str(old)) == normalize_name(str(new))
    if name == "email":
        return str(old).lower() == str(new).lower()
    if isinstance(old, str) and isinstance(new, str):
        # A spreadsheet trims cells and turns no-break spaces into spaces; spacing alone
        # is not a change worth writing.
        return old.split() == new.split()
    return old == new


def _changes(person: Participant, values: dict[str, Any]) -> list[str]:
    """What saving the row would change, in words; the row's values lose what is the
    same, so that only real changes are written."""
    changes = []
    for name, new in list(values.items()):
        old = getattr(person, name)
        if _same(name, old, new):
            del values[name]
        else:
            changes.append(str(CHANGE % {"column": _title(name), "old": _shown(name, old),
                                         "new": _shown(name, new)}))
    return changes
