from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResourcesConfig(AppConfig):
    name = "tandem.resources"
    verbose_name = _("Каталог ресурсов")
