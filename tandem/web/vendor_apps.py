"""The third-party apps under Russian names. The admin's menu (on every admin page, the
delete pages too) shows each app's ``verbose_name``: «Audit log», «Axes», «Tasks Database
Backend» reached the screen in English — auditlog has no Russian catalogue, axes has no
name but its label, django-tasks-db a plain string. Listed in ``INSTALLED_APPS`` in place
of the apps' own configurations; labels stay theirs, ``ready`` does theirs and then puts
their admin screens in Russian (vendor_admin.py)."""

from auditlog.apps import AuditlogConfig
from axes.apps import AppConfig as AxesConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from django_tasks_db.apps import TasksAppConfig


class AuditlogRussian(AuditlogConfig):
    """Its admin screens are put in Russian by tandem.audit (audit/entry_admin.py): in the
    words of the /audit/ page, which this layer does not know."""

    verbose_name = _("Журнал изменений: записи")


class AxesRussian(AxesConfig):
    verbose_name = _("Защита входа")

    def ready(self) -> None:
        super().ready()
        from tandem.web.vendor_admin import install_axes_admin

        install_axes_admin()


class TasksRussian(TasksAppConfig):
    verbose_name = _("Фоновые задачи")  # type: ignore[assignment]  # typed str there

    def ready(self) -> None:
        super().ready()
        from tandem.web.vendor_admin import install_tasks_admin

        install_tasks_admin()


# django-tasks-db's model names are marked for translation but have no Russian: ours
# (django.po) — named here so that makemessages keeps them.
TASK_MODEL_NAMES = (gettext_noop("Task Result"), gettext_noop("Task Results"))
