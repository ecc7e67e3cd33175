from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit trail's pages and reads. Each app registers its own models with
    django-auditlog in its ``AppConfig.ready``; ``tests/test_coverage.py`` lists what must be
    registered, so the trail's coverage is still read in one place."""

    name = "tandem.audit"
    verbose_name = _("Журнал изменений")

    def ready(self) -> None:
        # A record deleted with its parent keeps its additional data for its entry
        # (deletes.py). Listed after every app in INSTALLED_APPS, so all are registered.
        from tandem.audit import deletes, entry_admin

        deletes.connect()
        # auditlog's admin of the trail in the words of the /audit/ page (entry_admin.py).
        entry_admin.install()
