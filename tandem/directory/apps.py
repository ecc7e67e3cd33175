from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    """The pages and scoped reads of the territory and of participants. They sit above
    ``access`` (they filter through the Scope), while the models of the territory and of
    people sit below it (the Scope filters by them)."""

    name = "tandem.directory"
    verbose_name = _("Территория и участники")
