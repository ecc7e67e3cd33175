from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "tandem.maps"
    verbose_name = _("Карты наставничества")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.maps.models import Map, Meeting, Row, TaskTemplate
        from tandem.pairs.models import Pair

        auditlog.register(Map)
        auditlog.register(Row, m2m_fields={"resources"}, exclude_fields=["version", "updated_at"])
        auditlog.register(Meeting)
        auditlog.register(TaskTemplate, exclude_fields=["updated_at"])

        # The audit log names the codes of a row's and a template's forms and technologies.
        from tandem.audit.selectors import register_value_names
        from tandem.maps.models import FORM_LABELS, TECHNOLOGY_LABELS

        register_value_names(
            lambda: {str(k): str(v) for k, v in {**FORM_LABELS, **TECHNOLOGY_LABELS}.items()}
        )

        # This app's section of a person's data (152-ФЗ download).
        from tandem.maps.personal_data import SECTIONS
        from tandem.people.personal_data import register_section

        for section in SECTIONS:
            register_section(section)

        # The programme's section of technologies shows what its pairs used.
        from tandem.maps.selectors import technologies_used
        from tandem.programmes.selectors import register_technologies_used

        register_technologies_used(technologies_used)

        # The technologies the pairs named, kept per pair's organization
        # (tandem/maps/tallies.py): rows, pairs and people that move mark them (the values
        # as stored before each save: tandem/web/tracking.py).
        from django.db.models.signals import post_delete, post_init, post_save, pre_delete

        from tandem.maps import tallies
        from tandem.territory.models import Municipality, Organization
        from tandem.web import signals
        from tandem.web.tracking import track

        track(*tallies.TRACKED)
        for model, deleted in ((Row, tallies.row_deleted), (Pair, tallies.pair_deleted),
                               (Organization, tallies.organization_deleted),
                               (Municipality, tallies.municipality_deleted)):
            post_delete.connect(deleted, sender=model,
                                dispatch_uid=f"technology_tallies_{model.__name__}_deleted")
        for model in (Pair, Organization):  # what the row holds, read before the delete
            pre_delete.connect(tallies.deleting, sender=model,
                               dispatch_uid=f"technology_tallies_{model.__name__}_deleting")
        signals.figures_changed.connect(tallies.figures_changed,
                                        dispatch_uid="technology_tallies_figures_changed")
        # The hourly run rebuilds marks whose job was lost, as for the other kept figures.
        signals.hourly.connect(tallies.hourly, dispatch_uid="technology_tallies_hourly")

        # The meeting dates kept on each pair follow its meetings (tandem/maps/held.py);
        # the hourly run keeps those whose next meeting's day has come.
        from tandem.maps import held

        post_init.connect(held.loaded, sender=Meeting, dispatch_uid="held_meeting_loaded")
        post_save.connect(held.meeting_saved, sender=Meeting, dispatch_uid="held_meeting_saved")
        pre_delete.connect(held.meeting_deleting, sender=Meeting,
                           dispatch_uid="held_meeting_deleting")
        post_delete.connect(held.meeting_deleted, sender=Meeting,
                            dispatch_uid="held_meeting_deleted")
        # A pair deleted with its meetings: its own dates are not kept (its row goes).
        pre_delete.connect(held.pair_deleting, sender=Pair, dispatch_uid="held_pair_deleting")
        signals.hourly.connect(held.hourly, dispatch_uid="held_rolled_over")

