from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "tandem.monitoring"
    verbose_name = _("Мониторинг и эффективность")

    def ready(self) -> None:
        # The dashboards' cache is versioned by unit (tandem/monitoring/versions.py): every
        # audit entry, saved one by one or written in bulk (tandem/audit/entries.py).
        from auditlog.models import LogEntry
        from django.db.models.signals import post_save

        from tandem.audit.entries import entries_written
        from tandem.monitoring.versions import audit_written, entries_were_written

        post_save.connect(audit_written, sender=LogEntry, dispatch_uid="monitoring_unit_change")
        entries_written.connect(entries_were_written, dispatch_uid="monitoring_unit_changes")

        # The pair and people figures kept per organization (tandem/monitoring/tallies.py)
        # hear every write of what they count.
        # What they count is compared as stored before each save (tandem/web/tracking.py).
        from django.db.models.signals import pre_delete

        from tandem.maps.models import Meeting, Row
        from tandem.monitoring import tallies
        from tandem.pairs.models import Pair
        from tandem.people.models import Participant
        from tandem.web import signals
        from tandem.web.tracking import track

        track(*tallies.TRACKED)
        from tandem.territory.models import Organization

        for model, deleted in ((Participant, tallies.participant_deleted),
                               (Pair, tallies.pair_deleted),
                               (Organization, tallies.organization_deleted)):
            pre_delete.connect(deleted, sender=model,
                               dispatch_uid=f"pair_tallies_{model.__name__.lower()}_deleted")
        for written, changed in ((Row, tallies.row_changed),
                                 (Meeting, tallies.meeting_changed)):
            name = written.__name__.lower()
            post_save.connect(changed, sender=written, dispatch_uid=f"pair_tallies_{name}_saved")
            pre_delete.connect(changed, sender=written,
                               dispatch_uid=f"pair_tallies_{name}_deleted")
        signals.figures_changed.connect(tallies.figures_changed,
                                        dispatch_uid="pair_tallies_figures_changed")
        signals.hourly.connect(tallies.hourly, dispatch_uid="pair_tallies_hourly")
        from tandem.monitoring.versions import prune

        signals.hourly.connect(prune, dispatch_uid="monitoring_unit_changes_pruned")
        # Then the country's and each region's standard dashboard, computed ahead for their
        # first visitor. Receivers run in the order connected: this one after the figures'
        # keepers of the apps before monitoring in INSTALLED_APPS (people, diagnostics,
        # maps, surveys) and of monitoring itself, so it computes what they have redone.
        from tandem.monitoring.tasks import hourly as warm_hourly

        signals.hourly.connect(warm_hourly, dispatch_uid="monitoring_dashboards_warmed")
        # After a rebuild of every organization's figures, the dashboards of every region
        # and municipality (and the country's), viewed or not: their first view.
        from tandem.monitoring.tasks import warm_every_unit

        signals.rebuilt.connect(warm_every_unit, dispatch_uid="monitoring_rebuilt_warmed")
        # A staff user's own dashboard as she logs in (where a worker runs the tasks).
        from django.contrib.auth.signals import user_logged_in

        from tandem.monitoring.tasks import warm_on_login

        user_logged_in.connect(warm_on_login, dispatch_uid="monitoring_login_warmed")

        # Report jobs whose worker was killed are failed, day-old files deleted, by the
        # sweep (tandem sweep-jobs; tandem/web/exports.py).
        from tandem.web.jobs import register_sweeper

        register_sweeper("monitoring_reports", _expire_report_jobs)
        # Report files that list people go with an anonymisation (personal_data.py).
        from tandem.monitoring.personal_data import anonymise
        from tandem.people.personal_data import register_anonymiser

        register_anonymiser("monitoring", anonymise)


def _expire_report_jobs() -> int:
    from tandem.monitoring.models import ReportJob
    from tandem.web.exports import expire

    return expire(ReportJob)
