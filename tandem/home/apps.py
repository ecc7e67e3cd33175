from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The home page (the overview of each role) and the header's navigation: the top
    layer, which reads from every domain app through their selectors and panels."""

    name = "tandem.home"
    verbose_name = _("Обзор")
