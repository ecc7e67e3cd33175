"""Checking a roster file: every row read, validated, matched to a person and given a
status — new, update, unchanged or error. Nothing is written here (see services).

Matching: by e-mail first (an e-mail is unique in the whole system); failing that, by
full name inside the row's organization, with «ё» = «е», case and extra spaces ignored
(``tandem.core.text.normalize_name``, the same key the participant search uses).

The file is read a row at a time (``tandem.web.tabular.open_upload``) and matched in
batches of :data:`BATCH` rows: a few queries per batch (people by e-mail, people by name),
and memory that does not grow with the file — except for what finds a person twice
(one e-mail and one id per row). What is kept is bounded too: the counts, the first
:data:`SHOWN` rows of each status (the preview), every problem passed to a sink (the
downloadable list) and the rows to write spooled to a temporary file (:class:`WritePlan`),
so that a 300,000-row file is checked in a few tens of megabytes.
"""

import datetime as dt
import io
import pickle
import tempfile
import threading
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

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

Progress = Callable[[int, int], None]  # rows done, of the file's rows
# A curator's file (5 MB) has at most this many rows; a region operator's file, streamed
# (docs/rosters.md, «Большие файлы»), at most LARGE_MAX_ROWS. The file is read no further.
MAX_ROWS = tabular.MAX_ROWS
LARGE_MAX_ROWS = 500_000
BATCH = 2000  # rows matched against the database at once
SHOWN = 1000  # rows of each status kept in the stored report, for the preview
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


class WritePlan:
    """The rows a check found new or changed, spooled to temporary files (in memory while
    small): what a commit writes, without a second reading of the file and without the
    whole list in memory. New people go a batch at a time, in the file's order (each entry:
    organization id, the values); people to change one entry each, with only their ids
    and where their entry lies kept in memory (two arrays of ints), so that
    :meth:`changes` hands them out in the order of their ids across the whole file."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        self._changes: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        self._changed = array("q")  # the people to change, in the file's order
        self._offsets = array("q")  # where each one's values lie in ``_changes``
        self.size = 0

    def add(self, rows: list[RowResult]) -> None:
        written = [r for r in rows if r.status in (NEW, UPDATE)]
        new = [(r.target.pk if r.target is not None else None, r.values)
               for r in written if r.participant is None]
        if new:
            pickle.dump(new, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        for r in written:
            if r.participant is not None:
                self._changed.append(r.participant.pk)
                self._offsets.append(self._changes.tell())
                pickle.dump(r.values, self._changes, protocol=pickle.HIGHEST_PROTOCOL)
        self.size += len(written)

    def new(self) -> Iterator[list[tuple[int | None, dict[str, Any]]]]:
        """The people to create, a batch at a time, in the file's order."""
        self._file.seek(0)
        while True:
            try:
                yield pickle.load(self._file)  # noqa: S301 — our own file, just written
            except EOFError:
                return

    def changes(self) -> Iterator[list[tuple[int, dict[str, Any]]]]:
        """The people to change, :data:`BATCH` at a time, by their ids ascending across the whole
        file (the order the readers of people's rows lock them in —
        ``people.models.organizations_now``; a person is never in a file twice: the check
        refuses the second row). Only the ids are sorted, not the rows: the values are read
        back one entry at a time; the sorted positions are kept as 8 bytes a person for the
        whole write (a list of ints would hold ~36)."""
        order = array("q", sorted(range(len(self._changed)), key=self._changed.__getitem__))
        size = BATCH
        for start in range(0, len(order), size):
            batch = []
            for i in order[start:start + size]:
                self._changes.seek(self._offsets[i])
                batch.append((self._changed[i],
                              pickle.load(self._changes)))  # noqa: S301 — our own file
            yield batch

    def close(self) -> None:
        self._file.close()
        self._changes.close()


ProblemSink = Callable[[RowResult], None]


@dataclass
class Report:
    """The check of a file: ``counts`` over the whole file, ``rows`` only the first
    ``keep`` rows of each status (every row of a small file), ``problems`` the number of
    messages about rows in the whole file. ``plan`` (not stored) is what to write."""

    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    totals: dict[str, int] | None = None
    problems: int = 0
    keep: int | None = field(default=SHOWN, repr=False)
    plan: WritePlan | None = field(default=None, repr=False)

    def add(self, row: RowResult) -> None:
        if self.totals is None:
            self.totals = dict.fromkeys(STATUSES, 0)
        self.totals[row.status] += 1
        self.problems += len(row.errors)
        if self.keep is None or self.totals[row.status] <= self.keep:
            row.participant = row.target = None  # the plan has their ids
            self.rows.append(row)

    @property
    def counts(self) -> dict[str, int]:
        if self.totals is not None:
            return dict(self.totals)
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def shown_all(self) -> bool:
        """Every row of the file is in ``rows``."""
        return len(self.rows) == self.total

    @property
    def ok(self) -> bool:
        """Nothing wrong: the file may be committed as a whole."""
        return not self.file_errors and self.total > 0 and self.counts[ERROR] == 0

    @property
    def errors(self) -> list[str]:
        """The file's problems and those of the rows kept (see :attr:`problem_count`)."""
        return self.file_errors + [e for row in self.rows for e in row.errors]

    @property
    def problem_count(self) -> int:
        return len(self.file_errors) + max(self.problems,
                                           sum(len(r.errors) for r in self.rows))

    def as_json(self) -> dict[str, Any]:
        return {"rows": [r.as_json() for r in self.rows], "file_errors": self.file_errors,
                "notes": self.notes, "encoding": self.encoding, "counts": self.counts,
                "problems": self.problem_count - len(self.file_errors)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Report":
        return cls(rows=[RowResult(**r) for r in data.get("rows", [])],
                   file_errors=list(data.get("file_errors", [])),
                   notes=list(data.get("notes", [])), encoding=data.get("encoding"),
                   totals=data.get("counts"), problems=int(data.get("problems", 0)))


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


def check_roster(*, scope: Scope, filename: str, content: bytes | None = None,
                 source: IO[bytes] | None = None, progress: Progress | None = None,
                 keep: int | None = -1, problems: ProblemSink | None = None,
                 max_rows: int | None = None) -> Report:
    """Reads and checks a roster file (``content``, or a seekable binary ``source``) for a
    user with ``scope``; writes nothing. The report keeps ``keep`` rows of each status
    (None: all; by default :data:`SHOWN`), hands every row with a problem to
    ``problems``, and spools the rows to write to its ``plan``. ``max_rows``: by default
    :data:`LARGE_MAX_ROWS` for a region operator, :data:`MAX_ROWS` for anyone else."""
    if keep == -1:
        keep = SHOWN
    if source is None:
        source = io.BytesIO(content or b"")
    if max_rows is None:
        max_rows = LARGE_MAX_ROWS if scope.is_region_operator else MAX_ROWS
    plan = WritePlan()
    report = Report(keep=keep, plan=plan)
    try:
        with tabular.open_upload(source, filename, max_rows=max_rows) as table:
            _check_table(table, report, scope=scope, progress=progress, problems=problems)
    except tabular.TableRefused as refused:
        # Refused half-way (a sheet that breaks off): nothing of what was read counts.
        plan.close()
        return Report(file_errors=[str(refused)], keep=keep, plan=WritePlan())
    return report


def _check_table(table: tabular.TableStream, report: Report, *, scope: Scope,
                 progress: Progress | None, problems: ProblemSink | None) -> None:
    header = fileformat.read_header(table.header)
    report.file_errors += header.errors
    report.notes += header.notes
    report.encoding = table.encoding
    organizations = _Organizations(roster_organizations(scope=scope))
    if not organizations.all:
        report.file_errors.append(str(NO_ORGANIZATIONS))
    elif organizations.only is None and not header.has(ORGANIZATION):
        report.file_errors.append(str(ORGANIZATION_COLUMN_NEEDED))
    if report.file_errors:
        return

    assert report.plan is not None
    is_csv = table.encoding is not None  # open_table names an encoding for CSV only
    matcher = _Matcher(organizations, header)
    batch: list[RowResult] = []
    done = 0

    def flush() -> None:
        matcher.match(batch)
        report.plan.add(batch)  # type: ignore[union-attr]
        for item in batch:
            report.add(item)
            if item.errors and problems is not None:
                problems(item)
        batch.clear()

    if progress is not None:
        progress(0, table.total)
    for row in table.rows:
        done += 1
        item = _read_row(row, header, organizations, is_csv=is_csv)
        if item is None:
            if report.keep is None or len(report.notes) < report.keep:
                report.notes.append(str(EXAMPLE_SKIPPED % {"row": row.number}))
            continue
        batch.append(item)
        if len(batch) == BATCH:
            flush()
            if progress is not None:
                progress(done, max(done, table.total))
    if batch:
        flush()
    if not report.total:
        report.file_errors.append(str(NO_ROWS))
    if progress is not None:
        progress(done, done)


_forms = threading.local()  # a form per thread: two checks at once share nothing


def _bound(form_class: type[RosterRowForm], data: dict[str, Any]) -> RosterRowForm:
    """A form bound to ``data``: one instance, rebound for each row. A new form deep-copies
    its dozen fields and their widgets; for a file of 300,000 rows that was most of the
    check's time. Only ``data`` and the results of the last cleaning change between rows."""
    form = getattr(_forms, "roster_row", None)
    if form is None:
        form = _forms.roster_row = form_class(data={})
    form.data = data
    form._errors = None  # type: ignore[union-attr] # full_clean() runs again, on the new data
    if hasattr(form, "cleaned_data"):
        del form.cleaned_data
    return form


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

    form = _bound(RosterRowForm, {k: v for k, v in data.items() if k not in unreadable})
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


class _Matcher:
    """Finds each row's person, a batch of rows at a time, and sets the rows' statuses.
    Remembers across batches which e-mails and people the file has named already."""

    def __init__(self, organizations: _Organizations, header: fileformat.Header) -> None:
        self.organizations = organizations
        self.header = header
        # The same person twice: the same e-mail, or two rows that find the same person.
        # Two namesakes with different e-mails are two people.
        self.row_of_email: dict[str, int] = {}
        self.row_of_person: dict[int, int] = {}

    def _twice(self, item: RowResult, seen: dict[Any, int], key: object) -> bool:
        other = seen.setdefault(key, item.number)
        if other != item.number:
            item.errors.append(tabular.row_problem(item.number, PERSON_TWICE % {"other": other}))
            return True
        return False

    def match(self, rows: list[RowResult]) -> None:
        """Two bulk lookups for the batch (people by e-mail, people by name)."""
        emails = {str(r.values["email"]).lower() for r in rows if r.values.get("email")}
        by_email = participants_by_email(emails)
        by_name = participants_by_name(
            organization_ids={r.target.pk for r in rows if r.target is not None},
            names={k for r in rows if (k := _name_key(r.values))})
        for item in rows:
            self._match_one(item, by_email, by_name)

    def _match_one(self, item: RowResult, by_email: dict[str, Participant],
                   by_name: dict[tuple[int, str], list[Participant]]) -> None:
        email = str(item.values.get("email", "")).lower()
        name_key = _name_key(item.values)
        target = item.target
        if email and self._twice(item, self.row_of_email, email):
            item.status = ERROR
            return
        person = by_email.get(email) if email else None
        if person is not None and target is not None and person.organization_id != target.pk:
            message = (IN_OTHER_ORGANIZATION % {"organization": person.organization.short_name}
                       if person.organization_id in self.organizations.ids
                       else EMAIL_ELSEWHERE)
            item.errors.append(tabular.cell_problem(item.number, self.header.columns["email"],
                                                    message))
            person = None
        elif person is None and target is not None and name_key:
            namesakes = by_name.get((target.pk, name_key), [])
            if len(namesakes) > 1:
                item.errors.append(tabular.row_problem(item.number, NAME_AMBIGUOUS))
            elif namesakes:
                person = namesakes[0]
        if person is not None and self._twice(item, self.row_of_person, person.pk):
            person = None
        if item.errors:
            item.status = ERROR
            return
        item.participant = person
        if person is None:
            item.status = NEW
            return
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
