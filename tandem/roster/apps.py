from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosterConfig(AppConfig):
    name = "tandem.roster"
    verbose_name = _("Списки участников")

    def ready(self) -> None:
        # Uploads whose worker was killed are marked by the sweep (tandem sweep-jobs).
        from tandem.roster.services import expire_stale
        from tandem.web.jobs import register_sweeper

        register_sweeper("roster", expire_stale)
        from tandem.roster.services import expire_stale_exports

        register_sweeper("roster_exports", expire_stale_exports)

        # This app's part of the anonymisation (tandem/people/personal_data.py).
        from tandem.people.personal_data import register_anonymiser
        from tandem.roster.personal_data import anonymise

        register_anonymiser("roster", anonymise)
