from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosticsConfig(AppConfig):
    name = "tandem.diagnostics"
    verbose_name = _("Диагностика дефицитов")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.diagnostics.models import Campaign, Competency

        auditlog.register(Campaign)
        auditlog.register(Competency)

        # The audit log names competency codes kept inside stored values.
        from tandem.audit.selectors import register_value_names

        register_value_names(lambda: dict(Competency.objects.values_list("code", "name")))

        # This app's section of a person's data (152-ФЗ download).
        from tandem.diagnostics.personal_data import SECTION
        from tandem.people.personal_data import register_section

        register_section(SECTION)

        # Links on a participant's card (directory sits below this app).
        from tandem.diagnostics.links import person_links
        from tandem.directory.links import register_person_links

        register_person_links("diagnostics", person_links, order=10)

        # The figures kept per organization follow people who move or leave,
        # organizations that move and campaigns whose round changes
        # (tandem/diagnostics/tallies.py: TRACKED, on tandem/web/tracking.py).
        from django.db.models.signals import post_delete, pre_delete

        from tandem.diagnostics import tallies
        from tandem.people.models import Participant
        from tandem.territory.models import Municipality, Organization
        from tandem.web.tracking import track

        track(*tallies.TRACKED)
        # The digest of a person's levels in a cell of «before / after» on SQLite's server.
        from django.db.backends.signals import connection_created

        connection_created.connect(tallies.sqlite_functions, dispatch_uid="tallies_sqlite")
        pre_delete.connect(tallies.participant_deleted, sender=Participant,
                           dispatch_uid="tallies_deleted")
        pre_delete.connect(tallies.organization_deleting, sender=Organization,
                           dispatch_uid="tallies_organization_deleting")
        pre_delete.connect(tallies.campaign_deleting, sender=Campaign,
                           dispatch_uid="tallies_campaign_deleting")
        post_delete.connect(tallies.campaign_deleted, sender=Campaign,
                            dispatch_uid="tallies_campaign_deleted")
        post_delete.connect(tallies.municipality_deleted, sender=Municipality,
                            dispatch_uid="tallies_municipality_deleted")
