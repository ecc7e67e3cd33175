from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolConfig(AppConfig):
    name = "tandem.school"
    verbose_name = _("Школа наставников")
