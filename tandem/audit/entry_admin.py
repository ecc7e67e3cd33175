"""django-auditlog's admin screens of the trail in the words of the /audit/ page
(tandem/audit/selectors.py — one home for them): auditlog's own code puts on the screen
a change summary built from attribute names («2 changes: surname, search_name»), «system»
for an entry with nobody behind it, a time as Python prints it, the models' code names in
its filter («pair», «participant») and a table of raw stored values. Installed from
``AuditConfig.ready`` (the last app, after the admin has discovered auditlog's own
registration)."""

from typing import Any

from auditlog.admin import LogEntryAdmin
from auditlog.filters import CIDFilter
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from tandem.audit.selectors import SYSTEM, action_label, changed_fields, describe_entries
from tandem.core.text import sort_key
from tandem.web.vendor_admin import when

SHORT = 75  # characters of the list's summary, as auditlog's own


class ObjectKindFilter(SimpleListFilter):
    """auditlog's «Resource Type» filter named each kind by its model's code name."""

    title = _("Вид объекта")
    parameter_name = "resource_type"  # auditlog's: its links keep working

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        ids = (model_admin.get_queryset(request).order_by().values_list(
            "content_type_id", flat=True).distinct())
        kinds = [(str(kind.pk), str(capfirst(kind.name)))
                 for kind in ContentType.objects.filter(pk__in=ids)]  # one query
        return sorted(kinds, key=lambda kind: sort_key(kind[1]))

    def queryset(self, request: HttpRequest, queryset: QuerySet[LogEntry]) -> QuerySet[LogEntry]:
        if self.value() is None:
            return queryset
        return queryset.filter(content_type_id=self.value())


class EntryAdmin(LogEntryAdmin):
    list_display = ["created", "resource_url", "action_name", "msg_short", "user_url",
                    "cid_url"]
    list_filter = ["action", ObjectKindFilter, CIDFilter]
    readonly_fields = ["created", "resource_url", "action_name", "user_url", "msg"]
    fieldsets = [
        (None, {"fields": ["created", "user_url", "resource_url", "cid"]}),
        (_("Изменения"), {"fields": ["action_name", "msg"]}),
    ]

    @admin.display(description=_("время"), ordering="timestamp")
    def created(self, obj: LogEntry) -> str:
        # auditlog returns the datetime itself: the record's page printed it as
        # «2026-12-06 13:39:47.685774+05:00». As the /audit/ page writes it.
        return when(obj.timestamp)

    @admin.display(description=_("действие"), ordering="action")
    def action_name(self, obj: LogEntry) -> str:
        return action_label(obj.action)

    @admin.display(description=_("изменения"))
    def msg_short(self, obj: LogEntry) -> str:
        if obj.action in (LogEntry.Action.DELETE, LogEntry.Action.ACCESS):
            return ""
        # «; » between them: a name may hold a comma of its own («Стаж, лет»).
        fields = "; ".join(changed_fields(obj))
        if len(fields) > SHORT:
            cut = fields.rfind(" ", 0, SHORT)  # -1: no space — cut at SHORT
            fields = fields[:cut if cut > 0 else SHORT] + " …"
        return fields or "—"

    @admin.display(description=_("изменения"))
    def msg(self, obj: LogEntry) -> str:
        [row] = describe_entries([obj])
        if not row.changes:
            return "—"
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>", _("Поле"), _("Было"), _("Стало"),
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                             ((c.field, c.old, c.new) for c in row.changes)))

    @admin.display(description=_("кто"))
    def user_url(self, obj: LogEntry) -> Any:
        return super().user_url(obj) if obj.actor else SYSTEM

    @admin.display(description=_("номер запроса"))
    def cid_url(self, obj: LogEntry) -> Any:
        return super().cid_url(obj)


def install() -> None:
    if not admin.site.is_registered(LogEntry):
        return
    admin.site.unregister(LogEntry)
    admin.site.register(LogEntry, EntryAdmin)
