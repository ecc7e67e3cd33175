"""Reads of the audit trail (django-auditlog's LogEntry), scoped like everything else.

Each audited model stores ``region_id`` (and, where there is one, ``organization_id``)
in the entry's additional data; that is what the scope filters on.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.core.exceptions import FieldDoesNotExist
from django.db.models import BooleanField, DateField, DateTimeField, Field, Model, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.access.scope import Scope
from tandem.web.forms import form_id


def audit_entries(*, scope: Scope, model: str = "") -> QuerySet[LogEntry]:
    qs = LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-pk")
    if not scope.can_view_audit:
        return qs.none()
    if not scope.everything:
        qs = qs.filter(additional_data__region_id__in=list(scope.region_ids))
    if model:
        qs = qs.filter(content_type__model=model)
    return qs


def audit_entries_for_object(obj: Model) -> QuerySet[LogEntry]:
    return (LogEntry.objects.get_for_object(obj).select_related("actor")
            .order_by("-timestamp", "-pk"))


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditRow:
    entry: LogEntry
    changes: list[Change]

    @property
    def action(self) -> str:
        return str(ACTIONS.get(self.entry.action, self.entry.action))


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
            if field is not None and field.is_relation and field.related_model:
                wanted[field.related_model].update(v for v in values if v not in (None, "None"))
    names: dict[tuple[type[Model], str], str] = {}
    for related, pks in wanted.items():
        valid = [form_id(str(pk)) for pk in pks if form_id(str(pk))]
        for obj in related._default_manager.filter(pk__in=valid):
            names[(related, str(obj.pk))] = str(obj)

    rows = []
    for entry in entries:
        model = entry.content_type.model_class()
        changes = []
        for name, values in entry.changes_dict.items():
            field = _field(model, name)
            if field is None or field.primary_key:
                continue  # reverse relations and ids say nothing to a person
            old, new = [*values, None, None][:2]
            change = Change(field=str(field.verbose_name), old=_show(field, old, names),
                            new=_show(field, new, names))
            if change.old != change.new:
                changes.append(change)
        rows.append(AuditRow(entry=entry, changes=changes))
    return rows


def _field(model: type[Model] | None, name: str) -> Field | None:  # type: ignore[type-arg]
    if model is None:
        return None
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return field if getattr(field, "concrete", False) else None  # type: ignore[return-value]


def _show(field: Field | None, value: object,  # type: ignore[type-arg]
          names: dict[tuple[type[Model], str], str]) -> str:
    if value in (None, "None", ""):
        return "—"
    if field is None:
        return str(value)
    if field.is_relation and field.related_model:
        return names.get((field.related_model, str(value)), f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, DateField) and not isinstance(field, DateTimeField):
        try:
            return dt.date.fromisoformat(str(value)).strftime("%d.%m.%Y")
        except ValueError:
            return str(value)
    if isinstance(field, BooleanField):
        return str(_("да")) if str(value) in ("True", "true", "1") else str(_("нет"))
    return str(value)
