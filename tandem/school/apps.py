from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolConfig(AppConfig):
    name = "tandem.school"
    verbose_name = _("Школа наставников")

    def ready(self) -> None:
        # Audit trail: this app registers its own models (tandem/audit/tests checks the
        # coverage of the whole product).
        from auditlog.registry import auditlog

        from tandem.school.models import Certificate, Event, Material, Registration

        auditlog.register(Event)
        auditlog.register(Material)
        auditlog.register(Registration)
        auditlog.register(Certificate)

        # This app's section of a person's data (152-ФЗ download).
        from tandem.people.personal_data import register_section
        from tandem.school.personal_data import SECTION

        register_section(SECTION)
