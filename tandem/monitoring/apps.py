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
        from django.db.models.signals import post_init, pre_delete

        from tandem.diagnostics.models import Campaign
        from tandem.maps.models import Meeting, Row
        from tandem.monitoring import tallies
        from tandem.pairs.models import Pair
        from tandem.people.models import Participant
        from tandem.web import signals

        for model, saved, deleted in (
                (Participant, tallies.participant_saved, tallies.participant_deleted),
                (Pair, tallies.pair_saved, tallies.pair_deleted),
                (Campaign, tallies.campaign_saved, None),
                (Row, tallies.row_changed, tallies.row_changed),
                (Meeting, tallies.meeting_changed, tallies.meeting_changed)):
            name = model.__name__.lower()
            if model.__name__ in tallies.WATCHED:
                post_init.connect(tallies.loaded, sender=model,
                                  dispatch_uid=f"pair_tallies_{name}_loaded")
            post_save.connect(saved, sender=model, dispatch_uid=f"pair_tallies_{name}_saved")
            if deleted is not None:
                pre_delete.connect(deleted, sender=model,
                                   dispatch_uid=f"pair_tallies_{name}_deleted")
        signals.figures_changed.connect(tallies.figures_changed,
                                        dispatch_uid="pair_tallies_figures_changed")
        signals.hourly.connect(tallies.hourly, dispatch_uid="pair_tallies_hourly")
        from tandem.monitoring.versions import prune

        signals.hourly.connect(prune, dispatch_uid="monitoring_unit_changes_pruned")

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
