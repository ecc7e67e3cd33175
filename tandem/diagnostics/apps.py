from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosticsConfig(AppConfig):
    name = "tandem.diagnostics"
    verbose_name = _("Диагностика дефицитов")
