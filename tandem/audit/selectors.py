"""Reads of the audit trail (django-auditlog's LogEntry), scoped like everything else.

Each audited model stores ``region_id`` (and, where there is one, ``organization_id``)
in the entry's additional data; that is what the scope filters on.
"""

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db.models import (
    BooleanField,
    DateField,
    DateTimeField,
    Field,
    JSONField,
    ManyToManyField,
    Model,
    Q,
    QuerySet,
    SlugField,
)
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.access.scope import Scope
from tandem.territory.models import Organization
from tandem.web.forms import form_id

# Codes kept inside stored values (the competencies of a case's people, the sectors of an
# event's audience) in the words people read them: each app that owns such codes
# registers a provider of code → name (AppConfig.ready); sectors are known here.
_VALUE_NAMES: list[Callable[[], Mapping[str, str]]] = [
    lambda: {str(k): str(v) for k, v in Organization.Sector.choices}]


def register_value_names(provider: Callable[[], Mapping[str, str]]) -> None:
    _VALUE_NAMES.append(provider)


def audit_entries(*, scope: Scope, model: str = "") -> QuerySet[LogEntry]:
    qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if not scope.can_view_audit:
        return qs.none()
    if not scope.everything:
        qs = qs.filter(additional_data__region_id__in=list(scope.region_ids))
    if model:
        qs = qs.filter(content_type__model=model)
    return qs


# Entries a page of the log shows.
PAGE_SIZE = 50
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class AuditPage:
    """One page of the log, newest first, and where the pages beside it start: the
    cursor (:func:`entry_cursor`) of its last entry for the older page, of its first for
    the newer one; None where there is none."""

    entries: list[LogEntry]
    older: str | None
    newer: str | None


def entry_cursor(entry: LogEntry) -> str:
    """An entry's place in the log's order (time, then key) as text for a link:
    «microseconds since 1970.key»."""
    return f"{(entry.timestamp - _EPOCH) // dt.timedelta(microseconds=1)}.{entry.pk}"


def parse_cursor(text: str | None) -> tuple[dt.datetime, int] | None:
    """:func:`entry_cursor` read back; None for anything else."""
    micros, _, pk = (text or "").partition(".")
    if not (micros.isdecimal() and pk.isdecimal() and len(micros) <= 17 and len(pk) <= 18):
        return None
    try:
        return _EPOCH + dt.timedelta(microseconds=int(micros)), int(pk)
    except OverflowError:
        return None


def day_cursor(day: dt.date) -> str | None:
    """The ``older`` cursor of «по дату»: the entries at and before the end of ``day`` in
    the active time zone (the user's region's, in which the page shows every time —
    ``access.middleware.TimeZoneMiddleware``), i.e. before the next day's midnight there;
    key 0 takes no entry of that very moment. None for a day not over yet there (today,
    a day to come, past the last day there is): every entry, the newest page — no
    «новее» link to the same entries again. A day before 1970 is the cursor of 1970's
    first moment: no entry is older."""
    try:
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(),
                                  tzinfo=timezone.get_current_timezone())
    except OverflowError:
        return None
    if end > timezone.now():
        return None
    return f"{max((end - _EPOCH) // dt.timedelta(microseconds=1), 0)}.0"


def audit_page(*, scope: Scope, model: str = "", older: str | None = None,
               newer: str | None = None, size: int = PAGE_SIZE) -> AuditPage:
    """The page of :func:`audit_entries` after the cursor ``older`` (the entries older
    than it) or before ``newer``; without either, the newest. Read by its place in the
    order (keyset), not counted nor skipped to by ``OFFSET``: a region's log grows
    without end, and counting it for «страница N из M» grows with it while the page does
    not (issue #16). One query a page (two when a «newer» page reaches the newest: the
    newest page is shown whole)."""
    qs = audit_entries(scope=scope, model=model)
    after = parse_cursor(newer)
    if after is not None:
        moment, pk = after
        # ``timestamp >= moment`` bounds the index's range; the key breaks a tie.
        rows = list(qs.filter(Q(timestamp__gte=moment), Q(timestamp__gt=moment) | Q(pk__gt=pk))
                    .order_by("timestamp", "pk")[:size + 1])
        if len(rows) > size:
            rows = rows[:size][::-1]
            return AuditPage(entries=rows, older=entry_cursor(rows[-1]),
                             newer=entry_cursor(rows[0]))
    before = parse_cursor(older) if after is None else None
    if before is not None:
        moment, pk = before
        qs = qs.filter(Q(timestamp__lte=moment), Q(timestamp__lt=moment) | Q(pk__lt=pk))
    rows = list(qs[:size + 1])
    entries = rows[:size]
    return AuditPage(
        entries=entries,
        older=entry_cursor(entries[-1]) if len(rows) > size else None,
        newer=entry_cursor(entries[0]) if before is not None and entries else None)


def audit_entries_for_object(obj: Model) -> QuerySet[LogEntry]:
    return (LogEntry.objects.get_for_object(obj).select_related("actor")
            .order_by("-timestamp", "-pk"))


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str
    # An identifier people type as it is (an organization's code, a login): the page
    # shows it as code, not as words.
    literal: bool = False


@dataclass(frozen=True)
class AuditRow:
    entry: LogEntry
    changes: list[Change]

    @property
    def action(self) -> str:
        return action_label(self.entry.action)


ACTIONS = {
    LogEntry.Action.CREATE: gettext_lazy("создание"),
    LogEntry.Action.UPDATE: gettext_lazy("изменение"),
    LogEntry.Action.DELETE: gettext_lazy("удаление"),
    LogEntry.Action.ACCESS: gettext_lazy("просмотр"),
}


def describe_entries(entries: Iterable[LogEntry]) -> list[AuditRow]:
    """Entries with their changes in words: field labels, choice labels, related names.

    auditlog's own ``changes_display_dict`` fetches every related object one by one;
    here each related model is read once for the whole page.
    """
    entries = list(entries)
    wanted: dict[type[Model], set[str]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class()
        for name, values in entry.changes_dict.items():
            field = _field(model, name)
            if (field is not None and field.is_relation and field.related_model
                    and not isinstance(values, dict)):  # a many-to-many change has names
                wanted[field.related_model].update(v for v in values if v not in (None, "None"))
    names: dict[tuple[type[Model], str], str] = {}
    if entries:  # codes inside lists and plain text fields alike (a row's competency)
        for provider in _VALUE_NAMES:
            for code, name in provider().items():
                names[(Model, code)] = name
    for related, pks in wanted.items():
        valid = [form_id(str(pk)) for pk in pks if form_id(str(pk))]
        for obj in related._default_manager.filter(pk__in=valid):
            # A person by name («Ольга Оператор»), not by login.
            full_name = getattr(obj, "get_full_name", None)
            names[(related, str(obj.pk))] = (full_name() if full_name else "") or str(obj)

    rows = []
    # A field's label and its choices once a page, not once a change (a page of 50
    # entries holds some 650 changes of a few dozen fields).
    labels: dict[Field, str] = {}  # type: ignore[type-arg]
    for entry in entries:
        model = entry.content_type.model_class()
        changes = []
        for name, values in entry.changes_dict.items():
            field = shown_field(model, name)
            if field is None:
                continue
            if field not in labels:
                labels[field] = field_label(field)
            if isinstance(values, dict):
                change = _linked(labels[field], values)
            else:
                old, new = [*values, None, None][:2]
                literal = is_literal(field)
                change = Change(field=labels[field], old=_show(field, old, names, literal),
                                new=_show(field, new, names, literal), literal=literal)
            if change.old != change.new:
                changes.append(change)
        rows.append(AuditRow(entry=entry, changes=changes))
    return rows


def _linked(label: str, values: dict[str, object]) -> Change:
    """A many-to-many change (auditlog: ``{"type": "m2m", "operation": "add" | "delete",
    "objects": [names]}``): the names added — from none — or removed."""
    objects = values.get("objects")
    named = ", ".join(str(o) for o in objects) if isinstance(objects, list) else ""
    if values.get("operation") == "add":
        return Change(field=label, old="—", new=named or "—")
    return Change(field=label, old=named or "—", new="—")


# Fields no form shows: kept by the trail, left out of its page.
HIDDEN_FIELDS = {"search_name", "version", "order", "demo_key", "a_teaches_b", "b_teaches_a"}

# Who wrote an entry with no person behind it (an import's task, a migration, the hourly
# run): the page and the admin's list say it so.
SYSTEM = gettext_lazy("система")


def action_label(action: int) -> str:
    """An entry's action in words («изменение»); the code itself if unknown."""
    return str(ACTIONS.get(action, action))


def shown_field(model: type[Model] | None, name: str) -> Field | None:  # type: ignore[type-arg]
    """The field of a change a person is shown, None for what says nothing to a person:
    reverse relations, ids and bookkeeping (:data:`HIDDEN_FIELDS`)."""
    field = _field(model, name)
    if field is None or field.primary_key or name in HIDDEN_FIELDS:
        return None
    return field


def changed_fields(entry: LogEntry) -> list[str]:
    """The names of the fields an entry changed, as its page calls them (:func:`field_label`),
    without reading the values' related records: the admin's list of entries."""
    model = entry.content_type.model_class()
    fields = (shown_field(model, name) for name in entry.changes_dict)
    return [field_label(field) for field in fields if field is not None]

# What a field is called where its model gives it no name of its own (Django then makes
# one from the attribute: «created at», «pair»): the page never shows an attribute.
FIELD_NAMES = {
    "created_at": gettext_lazy("создано"), "created_by": gettext_lazy("кем создано"),
    "updated_at": gettext_lazy("изменено"), "updated_by": gettext_lazy("кем изменено"),
    "region": gettext_lazy("регион"), "municipality": gettext_lazy("муниципалитет"),
    "organization": gettext_lazy("организация"), "participant": gettext_lazy("участник"),
    "pair": gettext_lazy("пара"), "a": gettext_lazy("первый участник"),
    "b": gettext_lazy("второй участник"), "run": gettext_lazy("расчёт подбора"),
    "a_confirmed_at": gettext_lazy("подтверждено первым участником"),
    "b_confirmed_at": gettext_lazy("подтверждено вторым участником"),
    "a_agreed_at": gettext_lazy("согласовано первым участником"),
    "b_agreed_at": gettext_lazy("согласовано вторым участником"),
    "approved_at": gettext_lazy("утверждено"), "approved_by": gettext_lazy("кем утверждено"),
    "map": gettext_lazy("карта"), "team": gettext_lazy("команда"),
    "direction": gettext_lazy("направление"),
    "resources_note": gettext_lazy("примечание о ресурсах"),
    "sent_at": gettext_lazy("отправлено"), "submitted_at": gettext_lazy("заполнено"),
    "adopted_at": gettext_lazy("принято"), "adopted_by": gettext_lazy("кем принято"),
    "programme": gettext_lazy("программа"), "event": gettext_lazy("мероприятие"),
    "file": gettext_lazy("файл"), "original_name": gettext_lazy("имя файла"),
    "uploaded_by": gettext_lazy("кем загружено"),
    "attendance_marked_at": gettext_lazy("присутствие отмечено"),
    "registered_by": gettext_lazy("кем записан"),
    "cancelled_at": gettext_lazy("запись отменена"), "registration": gettext_lazy("запись"),
    "code": gettext_lazy("код"), "issued_at": gettext_lazy("выдан"),
    "issued_by": gettext_lazy("кем выдан"), "revoked_at": gettext_lazy("отозван"),
    "revoked_by": gettext_lazy("кем отозван"), "case": gettext_lazy("кейс"),
    "role": gettext_lazy("роль"), "scored_at": gettext_lazy("оценено"),
    "scored_by": gettext_lazy("кем оценено"), "criterion": gettext_lazy("критерий"),
}


# Identifiers a person types as they are (forms ask for them, imports match by them).
LITERAL_FIELDS = {"code", "source_id", "username"}


def is_literal(field: Field) -> bool:  # type: ignore[type-arg]
    return isinstance(field, SlugField) or field.name in LITERAL_FIELDS


def field_label(field: Field) -> str:  # type: ignore[type-arg]
    """A field's name as its form calls it: «Фамилия», not ``surname``."""
    label = str(field.verbose_name)
    if label == field.name.replace("_", " ") and field.name in FIELD_NAMES:
        label = str(FIELD_NAMES[field.name])
    return capfirst(label) or label


def _field(model: type[Model] | None, name: str) -> Field | None:  # type: ignore[type-arg]
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    # A field of the model's own table, or its own many-to-many (a reverse one is not).
    own = getattr(field, "concrete", False) or isinstance(field, ManyToManyField)
    return field if own else None  # type: ignore[return-value]


def _show(field: Field | None, value: object,  # type: ignore[type-arg]
          names: dict[tuple[type[Model], str], str], literal: bool = False) -> str:
    if value in (None, "None", ""):
        return "—"
    if field is None or literal:
        return str(value)
    if field.is_relation and field.related_model:
        return names.get((field.related_model, str(value)), f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, JSONField):
        return _show_json(value, names)
    if isinstance(field, DateTimeField):
        # Stored in UTC; shown in the region's zone, as the page's own times are.
        moment = parse_datetime(str(value))
        if moment is None:
            return str(value)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, dt.UTC)
        return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")
    if isinstance(field, DateField):
        try:
            return dt.date.fromisoformat(str(value)).strftime("%d.%m.%Y")
        except ValueError:
            return str(value)
    if isinstance(field, BooleanField):
        return str(_("да")) if str(value) in ("True", "true", "1") else str(_("нет"))
    # A code kept in a text field (a map row's competency, a template's form) by its name.
    return names.get((Model, str(value)), str(value))


def _show_json(value: object, names: dict[tuple[type[Model], str], str]) -> str:
    """A stored list or mapping with its codes named: «Облачные сервисы: 1, Родители: 3»."""
    try:
        data = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return str(value)

    def name(item: object) -> str:
        return names.get((Model, str(item)), str(item))

    if isinstance(data, dict):
        return "; ".join(f"{name(k)}: {name(v)}" for k, v in data.items()) or "—"
    if isinstance(data, list):
        return ", ".join(name(item) for item in data) or "—"
    return name(data)
