from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "tandem.people"
    verbose_name = _("Участники")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.people.models import Participant

        # The place kept on a person (municipality, region) is a copy of their
        # organization's, derived (tandem/people/places.py): the trail has the move itself —
        # the person's to another organization (the organization is in the entry), the
        # organization's to another municipality, the municipality's to another region —
        # with its author and time; the copy follows it and is nobody's change of its own.
        auditlog.register(Participant, exclude_fields=["search_name", "created_at", "updated_at",
                                                       "municipality", "region"])

        # The people counts kept per organization (tandem/people/counts.py).
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, pre_delete

        from tandem.people import counts
        from tandem.web.signals import figures_changed, hourly
        from tandem.web.tracking import track

        track(counts.TRACKED)  # a save: as stored before it (tandem/web/tracking.py)

        # An organization or a municipality that moves takes its people's kept place along.
        from tandem.people import places

        track(*places.TRACKED)
        pre_delete.connect(counts.deleting, sender=Participant,
                           dispatch_uid="people_counts_deleting")
        post_delete.connect(counts.deleted, sender=Participant,
                            dispatch_uid="people_counts_deleted")
        pre_delete.connect(counts.login_deleting, sender=get_user_model(),
                           dispatch_uid="people_counts_login_deleting")
        figures_changed.connect(counts.figures_changed, dispatch_uid="people_counts_bulk")
        hourly.connect(counts.hourly, dispatch_uid="people_counts_hourly")
