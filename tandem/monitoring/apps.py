from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "tandem.monitoring"
    verbose_name = _("Мониторинг и эффективность")

    def ready(self) -> None:
        # The dashboards' cache is versioned by unit (tandem/monitoring/versions.py): every
        # audit entry, saved one by one or written in bulk (tandem/audit/entries.py).
        from auditlog.models import LogEntry
        from django.db.models.signals import post_save

        from tandem.audit.entries import entries_written
        from tandem.monitoring.versions import audit_written, entries_were_written

        post_save.connect(audit_written, sender=LogEntry, dispatch_uid="monitoring_unit_change")
        entries_written.connect(entries_were_written, dispatch_uid="monitoring_unit_changes")
