from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "tandem.maps"
    verbose_name = _("Карты наставничества")
