from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "tandem.access"
    verbose_name = _("Роли и доступ")
