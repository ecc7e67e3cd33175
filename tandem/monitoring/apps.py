from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "tandem.monitoring"
    verbose_name = _("Мониторинг и эффективность")
