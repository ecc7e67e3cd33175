"""The admin screens of third-party apps, in Russian (their apps' names: vendor_apps.py).

What their own code puts on the screen in English and no catalogue can reach — column
headers taken from method names («Task name», «Status», «Expiration»), descriptions given
as plain strings («traceback», «run after»), an f-string message, records' ``__str__``
(«Attempted Access: …» in the title and breadcrumbs), the queue «default», a task's
function name — is said again here; their fields' verbose names, marked for translation
upstream but without Russian, are in our django.po. Installed from the apps' ``ready``
(vendor_apps.py), after the admin has discovered their own registrations. The audit
trail's entries (django-auditlog) are said by tandem.audit (audit/entry_admin.py), in the
words of its /audit/ page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

# django-tasks-db names a task by its function: ours, said in Russian (web knows no
# domain app, so by name only); an unknown one is shown as its path, marked as code.
TASK_LABELS = {
    "send_email": _("Отправка письма"),
    "run_matching": _("Подбор пар"),
    "check_roster_file": _("Проверка файла списка участников"),
    "commit_roster_file": _("Запись списка участников"),
    "export_participants": _("Выгрузка участников"),
    "make_report": _("Отчёт мониторинга"),
    "daily": _("Ежедневные напоминания"),
    "refresh_tallies": _("Пересчёт цифр диагностики"),
    "refresh_pair_tallies": _("Пересчёт цифр пар"),
    "refresh_new_day": _("Пересчёт цифр пар за новый день региона"),
    "refresh_people_counts": _("Пересчёт числа участников"),
    "refresh_survey_cells": _("Пересчёт сумм опросов"),
    "refresh_technology_tallies": _("Пересчёт технологий карт"),
    "warm_dashboards": _("Расчёт панелей мониторинга заранее"),
}
QUEUE_LABELS = {"default": _("основная")}  # the queue and the backend of settings.TASKS


def when(moment: Any) -> str:
    """A moment as the admin and the /audit/ page show it: «06.12.2026 13:39», local time."""
    return formats.date_format(timezone.localtime(moment), "d.m.Y H:i") if moment else "—"


def task_label(task_path: str) -> Any:
    """«Отправка письма» for ``tandem.web.tasks.send_email``; the path itself otherwise."""
    label = TASK_LABELS.get(task_path.rsplit(".", 1)[-1])
    return label if label is not None else format_html('<code translate="no">{}</code>',
                                                       task_path)


BOOLEAN_WORDS = {True: _("да"), False: _("нет"), None: _("неизвестно")}


def install_boolean_icons() -> None:
    """Django's admin shows a yes/no value as an icon whose alt text — what a screen
    reader says and what shows when the picture does not load — is Python's «True» or
    «False». Its callers import the function from its module at each call, so the
    module's name is the one to replace."""
    from django.contrib.admin.templatetags import admin_list
    from django.templatetags.static import static

    def boolean_icon(field_val: bool | None) -> str:
        icon = {True: "yes", False: "no", None: "unknown"}[field_val]
        return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"),
                           BOOLEAN_WORDS[field_val])

    admin_list._boolean_icon = boolean_icon  # type: ignore[attr-defined]


def install_tasks_admin() -> None:
    from django_tasks_db.admin import DBTaskResultAdmin
    from django_tasks_db.models import DBTaskResult

    class TaskResultAdmin(DBTaskResultAdmin):
        list_display = ("number", "task", "status", "enqueued_at", "started_at",
                        "finished_at", "priority", "queue")
        list_filter = ("status", "priority")  # type: ignore[assignment]  # not by the queue: one, «default»

        def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
            said = {"id": "full_number", "queue_name": "queue", "backend_name": "backend"}
            return [said.get(f, f) for f in super().get_readonly_fields(request, obj)]

        @admin.display(description=_("способ выполнения"))
        def backend(self, obj: DBTaskResult) -> Any:
            return QUEUE_LABELS.get(obj.backend_name, obj.backend_name)

        @admin.display(description=_("номер"))
        def full_number(self, obj: DBTaskResult) -> str:
            return str(obj.id)

        @admin.display(description=_("номер"), ordering="id")
        def number(self, obj: DBTaskResult) -> str:
            return str(obj.id)[:8]

        @admin.display(description=_("задача"), ordering="task_path")
        def task(self, obj: DBTaskResult) -> Any:
            return task_label(obj.task_path)

        @admin.display(description=_("очередь"), ordering="queue_name")
        def queue(self, obj: DBTaskResult) -> Any:
            return QUEUE_LABELS.get(obj.queue_name, obj.queue_name)

        @admin.display(description=_("трассировка ошибки"))
        def formatted_traceback(self, obj: DBTaskResult) -> str:
            return super().formatted_traceback(obj)

        @admin.display(description=_("выполнить не раньше"))
        def display_run_after(self, obj: DBTaskResult) -> Any:
            return super().display_run_after(obj)

    def task_result(self: DBTaskResult) -> str:  # was «DBTaskResult object (…)»
        return str(_("%(task)s, %(time)s") % {"task": TASK_LABELS.get(
            self.task_path.rsplit(".", 1)[-1], self.task_path), "time": when(
                self.enqueued_at)})

    DBTaskResult.__str__ = task_result  # type: ignore[method-assign,assignment]
    admin.site.unregister(DBTaskResult)
    admin.site.register(DBTaskResult, TaskResultAdmin)


def install_axes_admin() -> None:
    from axes.admin import AccessAttemptAdmin
    from axes.conf import settings as axes_settings
    from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog

    # The records' own __str__ is English and shows in the title, the breadcrumbs and the
    # delete page's list of what goes with the record.
    def attempt(self: AccessAttempt) -> str:
        return str(_("Попытка входа %(time)s") % {"time": when(self.attempt_time)})

    def expiration(self: AccessAttemptExpiration) -> str:
        return str(_("Срок попытки входа: до %(time)s") % {"time": when(self.expires_at)})

    def log(self: AccessLog) -> str:
        return str(_("Вход %(user)s, %(time)s") % {"user": self.username or "—",
                                                     "time": when(self.attempt_time)})

    def failure(self: AccessFailureLog) -> str:
        return str(_("Неудачный вход %(user)s, %(time)s") % {
            "user": self.username or "—", "time": when(self.attempt_time)})

    AccessAttempt.__str__ = attempt  # type: ignore[method-assign,assignment]
    AccessAttemptExpiration.__str__ = expiration  # type: ignore[method-assign,assignment]
    AccessLog.__str__ = log  # type: ignore[method-assign,assignment]
    AccessFailureLog.__str__ = failure  # type: ignore[method-assign,assignment]

    if not admin.site.is_registered(AccessAttempt):
        return

    class AttemptAdmin(AccessAttemptAdmin):
        actions = ["cleanup_expired_attempts"]

        @admin.action(description=_("Удалить истёкшие попытки входа"))
        def cleanup_expired_attempts(self, request: HttpRequest, queryset: Any) -> None:
            # Axes reads the attempt's time its middleware sets on a log-in request only:
            # from the admin its own action failed (AttributeError). None: «now».
            if not hasattr(request, "axes_attempt_time"):
                request.axes_attempt_time = None  # type: ignore[attr-defined]
            count = self.handler.clean_expired_user_attempts(request=request)
            self.message_user(request, _("Удалено истёкших попыток входа: %(n)s") % {
                "n": count}, messages.SUCCESS)

        @admin.display(description=_("истекает"))
        def expiration(self, obj: AccessAttempt) -> Any:
            return obj.expiration.expires_at if hasattr(obj, "expiration") else _("не задан")

        @admin.display(description=_("состояние"))
        def status(self, obj: AccessAttempt) -> Any:
            left = axes_settings.AXES_FAILURE_LIMIT - obj.failures_since_start
            if left > 0:
                return _("осталось попыток: %(n)s") % {"n": left}
            return _("вход закрыт")

    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, AttemptAdmin)

