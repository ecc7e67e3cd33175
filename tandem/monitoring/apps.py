from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "tandem.monitoring"
    verbose_name = _("Мониторинг и эффективность")

    def ready(self) -> None:
        # The dashboards' cache is versioned by unit (tandem/monitoring/versions.py).
        from auditlog.signals import post_log

        from tandem.monitoring.versions import audit_written

        post_log.connect(audit_written, dispatch_uid="monitoring_unit_change")
