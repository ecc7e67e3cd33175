from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "tandem.surveys"
    verbose_name = _("Опросы удовлетворённости")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.surveys.models import Survey

        # Only when a survey went out and came back, never the answers: the trail is read
        # by region operators, and answers are shown only in aggregate (docs/surveys.md).
        auditlog.register(Survey, include_fields=["stage", "due_on", "sent_at", "submitted_at"])

        # This app's section of a person's data (152-ФЗ download).
        from tandem.people.personal_data import register_section
        from tandem.surveys.personal_data import SECTION

        register_section(SECTION)

        # Its panel on the home page.
        from tandem.surveys.panels import context
        from tandem.web.panels import OWN, Panel, register_panel

        register_panel(Panel(key="surveys", template="surveys/_dashboard.html", context=context,
                             place=OWN, order=10))

        # The satisfaction cells kept per organization (tandem/surveys/tallies.py) hear
        # every survey saved or deleted one by one, people who move, and the time zone of
        # a region or an organization's municipality (the year of an answer).
        from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

        from tandem.surveys import tallies
        from tandem.web.signals import hourly
        from tandem.web.tracking import track

        pre_save.connect(tallies.survey_saving, sender=Survey,
                         dispatch_uid="survey_cells_saving")
        post_save.connect(tallies.survey_saved, sender=Survey, dispatch_uid="survey_cells_saved")
        post_delete.connect(tallies.survey_deleted, sender=Survey,
                            dispatch_uid="survey_cells_deleted")
        # An organization deleted: its cells leave its municipality's sums.
        from tandem.territory.models import Organization

        pre_delete.connect(tallies.organization_deleting, sender=Organization,
                           dispatch_uid="survey_cells_organization_deleting")
        # Moves compared as stored before each save (tandem/web/tracking.py); an
        # organization's place on a read that holds its row (tallies.organization_moved).
        track(*tallies.TRACKED)
        hourly.connect(tallies.hourly, dispatch_uid="survey_cells_hourly")
