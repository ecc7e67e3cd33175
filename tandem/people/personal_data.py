"""152-ФЗ: everything kept about one person, for them to download; and anonymisation of
someone who has left (names and contacts erased, statistics kept).

A registry, in the manner of pretix's data shredders: this module owns the profile and the
order of the sections; each app that keeps something about a person contributes its own
section (``<app>/personal_data.py``) and registers it in its ``AppConfig.ready`` with
:func:`register_section` — and, for anonymisation, its anonymiser (``Section.anonymise`` or
:func:`register_anonymiser`), which erases the person from that app's tables.
:func:`participant_anonymise` runs them all in one transaction. So ``people`` imports no
feature app, and a new app that stores personal data adds its section and its anonymiser
where its models are (tandem/people/tests/test_anonymise_sweep.py seeds a person into every
table and finds them nowhere afterwards)."""

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from tandem.accounts.models import User
from tandem.people.models import Participant
from tandem.web.exports import erasure_lock
from tandem.web.personal_cache import forget_personal
from tandem.web.xlsx import append_row

PERSONAL_FIELDS = ("surname", "name", "patronymic", "email", "phone", "search_name")
LOGIN_FIELDS = ("username", "email", "first_name", "last_name")
ERASED = "Удалено"
ERASED_TEXT = "[удалено]"  # in place of the name inside a free text

Rows = list[dict[str, Any]]


# -- what to erase, and how --------------------------------------------------------------
def _variants(text: str) -> set[str]:
    forms = {text, text.lower(), text.upper(), text.capitalize()}
    forms |= {f.replace("ё", "е").replace("Ё", "Е") for f in forms}
    return {f for f in forms if f}


def _longest_first(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({v for x in items for v in _variants(x)}, key=lambda v: (-len(v), v)))


@dataclass
class Erasure:
    """The person being anonymised, as they were: ``identifying`` — forms of their name
    and contacts specific enough to pick out rows of shared tables (the audit trail, the
    task queue, uploads) without touching a namesake; ``words`` — everything erased inside
    rows already picked (adds the surname and the first name alone)."""

    participant_id: int
    user_id: int | None
    identifying: tuple[str, ...]
    words: tuple[str, ...]
    actor: User | None = None
    counts: dict[str, int] = field(default_factory=dict)
    # The rows each anonymiser went through, by model: their audit entries are scrubbed too.
    seen: dict[type[models.Model], set[Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, p: Participant, actor: User | None = None) -> "Erasure":
        login = p.user
        initials = [f"{x[0]}." for x in (p.name, p.patronymic) if x]
        ident = {p.full_name, p.short_name, f"{p.surname} {p.name}", f"{p.name} {p.surname}",
                 f"{p.surname} {' '.join(initials)}", f"{' '.join(initials)} {p.surname}",
                 f"{''.join(initials)} {p.surname}", p.email, p.phone}
        if login is not None:
            ident |= {login.username, login.email}
        digits = re.sub(r"\D", "", p.phone or "")
        if len(digits) >= 7:
            ident.add(digits)
        ident = {x.strip() for x in ident if x and len(x.strip()) >= 4}
        words = ident | {x for x in (p.surname, p.name) if x and len(x) >= 3}
        return cls(p.pk, p.user_id, _longest_first(ident), _longest_first(words), actor)

    def _pattern(self) -> re.Pattern[str]:
        return re.compile("|".join(re.escape(w) for w in self.words), re.IGNORECASE)

    def scrub(self, value: Any) -> Any:
        """``value`` (a text, or JSON: lists and dicts of them) with the person's name and
        contacts replaced by «[удалено]»."""
        if isinstance(value, str):
            return self._pattern().sub(ERASED_TEXT, value) if self.words else value
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        if isinstance(value, dict):
            return {self.scrub(k): self.scrub(v) for k, v in value.items()}
        return value

    def mentions(self, value: Any) -> bool:
        if isinstance(value, (bytes, memoryview)):
            return any(self.mentions(t) for t in texts_of_bytes(bytes(value)))
        return bool(self.scrub(value) != value)

    def q(self, *fields: str) -> Q:
        """Rows where any of ``fields`` holds an identifying form (JSON as text, also in
        the escaped form the JSON encoder may have stored)."""
        q = Q()
        for name in fields:
            for form in self.identifying:
                q |= Q(**{f"{name}__contains": form})
                escaped = json.dumps(form)[1:-1]
                if escaped != form:
                    q |= Q(**{f"{name}__contains": escaped})
        return q

    def scrub_rows(self, queryset: "models.QuerySet[Any]", fields: Iterable[str], *,
                   pick: bool = True) -> int:
        """Erases the person from ``fields`` of the rows of ``queryset`` (``pick``: only
        rows that identify them; else every row given, e.g. the texts of their own pairs).
        Written without the model's signals: a save would copy the erased values into the
        audit trail; the anonymisation writes one summary entry instead."""
        names = list(fields)
        model = queryset.model
        json_fields = {f.name for f in model._meta.concrete_fields
                       if isinstance(f, models.JSONField) and f.name in names}
        if pick:
            queryset = queryset.annotate(
                **{f"_t_{n}": Cast(n, models.TextField()) for n in json_fields}).filter(
                self.q(*[f"_t_{n}" if n in json_fields else n for n in names]))
        done = 0
        seen = self.seen.setdefault(model, set())
        for pk, *values in queryset.values_list("pk", *names):
            seen.add(pk)
            changes = {n: self.scrub(v) for n, v in zip(names, values, strict=True)
                       if self.scrub(v) != v}
            if changes:
                model._default_manager.filter(pk=pk).update(**changes)
                done += 1
        label = model._meta.label
        self.counts[label] = self.counts.get(label, 0) + done
        return done


def texts_of_bytes(content: bytes) -> list[str]:
    """What a stored file says, to look for a name in: the text of a CSV (UTF-8 or
    cp1251), or of every member of a ZIP container (XLSX, DOCX)."""
    if content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                return [t for name in archive.namelist()
                        for t in texts_of_bytes(archive.read(name))]
        except (zipfile.BadZipFile, OSError, RuntimeError):
            return []
    return [content.decode("utf-8", "ignore"), content.decode("cp1251", "ignore")]


# -- the registry ------------------------------------------------------------------------
@dataclass(frozen=True)
class Section:
    """One list in a person's data: ``key`` (stable, the JSON key), ``title`` (the XLSX
    sheet), ``rows(participant)``; ``only_for_self``: what the product promises is
    anonymous (survey answers) goes only into the person's own download, never into one
    made by staff; ``flatten``: how the XLSX sheet lays out nested rows; ``anonymise``:
    the app's part of the anonymisation (see :func:`register_anonymiser`); ``columns``:
    the Russian name of each key of a (flattened) row — the XLSX header and the JSON's
    ``labels`` (the field's verbose name where there is one)."""

    key: str
    title: str
    rows: Callable[[Participant], Rows]
    order: int
    only_for_self: bool = False
    flatten: Callable[[Rows], Rows] | None = None
    anonymise: Callable[[Erasure], None] | None = None
    columns: Mapping[str, "str | Promise"] = field(default_factory=dict)


_SECTIONS: dict[str, Section] = {}
_ANONYMISERS: dict[str, Callable[[Erasure], None]] = {}


def register_section(section: Section) -> None:
    _SECTIONS[section.key] = section
    if section.anonymise is not None:
        register_anonymiser(section.key, section.anonymise)


def register_anonymiser(key: str, anonymise: Callable[[Erasure], None]) -> None:
    """An app's part of the anonymisation (pretix's data shredders): ``anonymise(erasure)``
    erases the person from the app's tables, inside the anonymisation's transaction."""
    _ANONYMISERS[key] = anonymise


def anonymisers() -> list[tuple[str, Callable[[Erasure], None]]]:
    return sorted(_ANONYMISERS.items())


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def verbose(model: type[models.Model], name: str) -> "str | Promise":
    """A field's name as the forms call it («фамилия»), for a column header."""
    return model._meta.get_field(name).verbose_name  # type: ignore[union-attr]


def profile_columns() -> dict[str, str]:
    return {
        **{name: str(verbose(Participant, name)) for name in (
            "surname", "name", "patronymic", "organization", "position", "subject", "building",
            "experience_years", "age_band", "email", "phone", "mentoring_consent_date",
            "personal_data_consent_date", "line_manager")},
        "login": _("логин"), "active": _("в программе"),
    }


def profile(p: Participant) -> dict[str, Any]:
    return {
        "surname": p.surname, "name": p.name, "patronymic": p.patronymic,
        "organization": p.organization.name, "position": p.position,
        "subject": p.subject, "building": p.building,
        "experience_years": p.experience_years,
        "age_band": p.get_age_band_display(), "email": p.email, "phone": p.phone,
        "mentoring_consent_date": p.mentoring_consent_date.isoformat()
        if p.mentoring_consent_date else None,
        "personal_data_consent_date": p.personal_data_consent_date.isoformat()
        if p.personal_data_consent_date else None,
        "line_manager": p.line_manager.full_name if p.line_manager else None,
        "login": p.user.get_username() if p.user else None,
        "active": p.is_active,
    }


def personal_data(participant: Participant, *, for_self: bool = True) -> dict[str, Any]:
    """The profile and every registered section of one person. ``for_self=False`` (a
    download made by a curator, coordinator or operator) leaves out the sections the
    product promises are anonymous."""
    data: dict[str, Any] = {"generated_at": timezone.now().isoformat(),
                            "profile": profile(participant)}
    labels: dict[str, dict[str, str]] = {"profile": profile_columns()}
    for section in sections():
        if section.only_for_self and not for_self:
            continue
        data[section.key] = section.rows(participant)
        labels[section.key] = {k: str(v) for k, v in section.columns.items()}
    # The keys stay stable (machine names, for a program reading the file); what each
    # means in Russian is in one section beside them.
    data["labels"] = labels
    return data


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")
DATE_FORMAT = "DD.MM.YYYY"
DATETIME_FORMAT = "DD.MM.YYYY HH:MM"


def _cell(value: Any) -> Any:
    """A value as a person reads it: «да»/«нет», a date (shown dd.mm.yyyy; a moment in
    the region's time zone), nothing for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("да") if value else _("нет")
    if isinstance(value, str) and _ISO_DATE.match(value):
        return dt.date.fromisoformat(value)
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        moment = dt.datetime.fromisoformat(value)
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.replace(tzinfo=None, microsecond=0)
    return value


def _append(sheet: Any, values: list[Any]) -> None:
    append_row(sheet, [_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, dt.datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(cell.value, dt.date):
            cell.number_format = DATE_FORMAT


def _header(names: dict[str, str], key: str) -> str:
    return capfirst(names[key]) if key in names else key


def personal_data_xlsx(data: dict[str, Any]) -> bytes:
    """The same as a workbook a person reads: the profile, then one sheet per section
    present; headers are the Russian names of the columns (``Section.columns``), yes/no
    and dates as words and dates (dd.mm.yyyy)."""
    from openpyxl import Workbook

    labels = data.get("labels", {})
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Профиль")
    names = labels.get("profile", {})
    for key, value in data["profile"].items():
        _append(sheet, [_header(names, key), value])
    for section in sections():
        if section.key not in data:
            continue
        rows = data[section.key]
        if section.flatten is not None:
            rows = section.flatten(rows)
        ws = book.create_sheet(section.title)
        if rows:
            names = labels.get(section.key, {})
            append_row(ws, [_header(names, k) for k in rows[0]])
            for row in rows:
                _append(ws, list(row.values()))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@transaction.atomic
def participant_anonymise(*, participant: Participant, actor: User | None) -> Participant:
    """Erases the person's names and contacts everywhere — their record and login, every
    app's tables (the registered anonymisers: free texts of their pairs, uploads, files,
    queued letters), the audit trail — and closes their login; diagnostics, pairs and
    maps stay for the statistics. One transaction: all of it, or nothing. Files made in
    the background wait for it, and it for them (tandem/web/exports.py: a job that read
    the old name has stored its file before — which is then deleted — or starts after).

    Once: the person is read again under the lock, and someone already anonymised — by a
    request that read them before this one and committed first (a double click: the
    view's check comes before the lock) — is left as they are: run again, it would take
    the erased mark for their name and erase «Удалено» from everyone's records, and move
    the time and write a second entry."""
    erasure_lock(shared=False)
    p = Participant.objects.select_for_update(of=("self",)).select_related("user").get(
        pk=participant.pk)
    if p.anonymised_at is not None:
        return p
    erasure = Erasure.of(p, actor)
    login = p.user
    for _key, anonymise in anonymisers():
        anonymise(erasure)
    # The record and the login are saved without the trail's own entry, which would keep
    # the erased values (old → new); one summary entry is written below.
    with disable_auditlog():
        p.surname, p.name, p.patronymic = ERASED, "", ""
        p.email = f"anonymised-{p.pk}@invalid.example"
        p.phone = ""
        p.user = None
        p.is_active = False
        p.deactivated_at = p.deactivated_at or timezone.now()
        p.deactivation_reason = "персональные данные обезличены"
        p.anonymised_at = timezone.now()
        p.save()
        if login is not None:
            login.first_name = login.last_name = ""
            login.email = ""
            login.username = f"anonymised-{login.pk}"
            login.is_active = False
            login.set_unusable_password()
            login.save()
    _erase_from_trail(p, login, erasure)
    _erase_from_shared_tables(erasure)
    LogEntry.objects.log_create(p, force_log=True, action=LogEntry.Action.UPDATE,
                                changes={"обезличивание": ["", "выполнено"]}, actor=actor)
    return p


def _erase_from_trail(p: Participant, login: User | None, erasure: Erasure) -> None:
    """The trail keeps who changed what and when, but not the erased values: the person's
    own entries lose their personal fields; every entry that names them (the «A ⇄ B» of a
    pair, a role, a survey) loses the name."""
    own = Q(content_type=ContentType.objects.get_for_model(Participant), object_id=p.pk)
    if login is not None:
        own |= Q(content_type=ContentType.objects.get_for_model(User), object_id=login.pk)
    for entry in LogEntry.objects.filter(own):
        changes = entry.changes_dict
        for name in (*PERSONAL_FIELDS, *LOGIN_FIELDS):
            if name in changes:
                changes[name] = ["***", "***"]
        LogEntry.objects.filter(pk=entry.pk).update(
            changes=erasure.scrub(changes), object_repr=ERASED,
            changes_text=erasure.scrub(entry.changes_text),
            serialized_data=erasure.scrub(entry.serialized_data),
            additional_data=erasure.scrub(entry.additional_data))
    fields = ["object_repr", "changes_text", "changes", "serialized_data", "additional_data",
              "actor_email"]
    # Entries of the rows the anonymisers went through (a text of their pair that named
    # them by first name only), then every entry that identifies them.
    for model, pks in list(erasure.seen.items()):
        if model is LogEntry or not pks:
            continue
        erasure.scrub_rows(LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model),
            object_pk__in=[str(pk) for pk in pks]), fields, pick=False)
    erasure.scrub_rows(LogEntry.objects.all(), fields)


def _erase_from_shared_tables(erasure: Erasure) -> None:
    """Tables of the libraries: the admin's log, the login guard's (django-axes) records,
    the task queue (a letter still waiting for them is dropped; others lose the name), the
    shared cache's entries that name people (the overview's panels,
    tandem/web/personal_cache.py: in production rows of the cache table, which a moved
    version leaves in place) — now, and once more after the commit, for an entry that a
    view which read the old name stored meanwhile."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.admin.models import LogEntry as AdminLogEntry
    from django_tasks_db.models import DBTaskResult

    erasure.scrub_rows(AdminLogEntry.objects.all(), ["object_repr", "change_message"])
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        erasure.scrub_rows(model.objects.all(), ["username"])
    erasure.scrub_rows(AccessAttempt.objects.all(), ["post_data", "get_data"])
    queued = (DBTaskResult.objects.filter(status="READY")
              .annotate(_t=Cast("args_kwargs", models.TextField())).filter(erasure.q("_t")))
    for task in queued:
        if any(erasure.mentions(to) for to in task.args_kwargs.get("kwargs", {}).get("to", [])):
            task.delete()  # a letter to someone anonymised is not sent
    erasure.scrub_rows(DBTaskResult.objects.all(), ["args_kwargs", "return_value",
                                                    "traceback"])
    forget_personal()
    transaction.on_commit(forget_personal)
