from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The home page (the overview of each role) and the header's navigation: the top
    layer, which reads from every domain app through their selectors and panels."""

    name = "tandem.home"
    verbose_name = _("Обзор")

    def ready(self) -> None:
        # A unit's standard dashboard computed ahead: its overview's staff part too, under
        # the key the page reads (home.selectors.warm_overview).
        from tandem.home.selectors import warm_overview
        from tandem.web import signals

        signals.unit_warmed.connect(warm_overview, dispatch_uid="home_overview_warmed")
