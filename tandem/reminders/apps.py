from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "tandem.reminders"
    verbose_name = _("Напоминания")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.reminders.models import ReminderLog

        auditlog.register(ReminderLog)

        # Its panel on the home page, kept by unit with the overview (tandem/web/panels.py):
        # its events are read from pairs, maps, rows, meetings, surveys and reminder logs,
        # each audited under its pair's unit, and from the day — the key's parts.
        from tandem.reminders.panels import context, named
        from tandem.web.panels import STAFF, Panel, register_panel

        register_panel(Panel(key="reminders", template="reminders/_dashboard.html", context=context,
                             place=STAFF, order=50, by_unit=True, live=named))
